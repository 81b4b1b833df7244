"""Settings of the standalone django-scim2 test server (never loaded in the pytest process).

DJANGO_SCIM2_DB: the SQLite file; DJANGO_SCIM2_TOKEN: the bearer token clients must send;
DJANGO_SCIM2_NETLOC: host:port written into meta.location (serve.py sets all three)."""

import os

SECRET_KEY = "django-scim2-test-server-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django_scim",
    "tests.scim_servers.django_scim2_app",
]

MIDDLEWARE = ["tests.scim_servers.django_scim2_app.auth.BearerTokenMiddleware"]

ROOT_URLCONF = "tests.scim_servers.django_scim2_app.urls"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DJANGO_SCIM2_DB", "django_scim2_test_server.sqlite3"),
        # The server is threaded: writers wait for each other rather than fail.
        "OPTIONS": {"timeout": 30, "init_command": "PRAGMA journal_mode=WAL;"},
    }
}

AUTH_USER_MODEL = "django_scim2_app.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A SCIM `password` is hashed on create; a fast hasher keeps test requests quick.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"

SCIM_TOKEN = os.environ.get("DJANGO_SCIM2_TOKEN", "")

SCIM_SERVICE_PROVIDER = {
    "NETLOC": os.environ.get("DJANGO_SCIM2_NETLOC", "127.0.0.1"),
    "SCHEME": "http",
    "USER_MODEL_GETTER": "django.contrib.auth.get_user_model",
    "GROUP_MODEL": "tests.scim_servers.django_scim2_app.models.Group",
    "AUTHENTICATION_SCHEMES": [
        {
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "Authentication scheme using the OAuth Bearer Token Standard",
            "specUri": "https://www.rfc-editor.org/info/rfc6750",
            "primary": True,
        }
    ],
    "WWW_AUTHENTICATE_HEADER": 'Bearer realm="django-scim2"',
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    # django-scim2 logs the exceptions it turns into 500s; keep them for the fixture's log.
    "loggers": {"django_scim": {"handlers": ["stderr"], "level": "WARNING"}},
}
