"""Settings, all read from the environment (see README.md and .env.example)."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # local state of the embedded default: SQLite, broker folders
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
if env.bool("READ_DOT_ENV", default=True):
    environ.Env.read_env(BASE_DIR / ".env")  # real environment variables win over .env

INSECURE_SECRET_KEY = "insecure-development-key-do-not-use-in-production"

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default=INSECURE_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
SITE_URL = env("SITE_URL", default="http://localhost:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

# Fernet keys for credentials at rest, newest first; older keys still decrypt (rotation).
CREDENTIAL_KEYS = env.list("CREDENTIAL_KEYS", default=[])

if not DEBUG:
    if SECRET_KEY == INSECURE_SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off, set SECRET_KEY to a long random string "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    if not CREDENTIAL_KEYS:
        raise ImproperlyConfigured(
            "CREDENTIAL_KEYS is not set. With DEBUG off, set CREDENTIAL_KEYS to one or more "
            "comma-separated Fernet keys (python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')."
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_otp",  # two-factor sign-in (accounts/two_factor.py)
    "django_otp.plugins.otp_totp",
    "notifications",
    "accounts",
    "groups",
    "apps_catalog",
    "provisioning",
    "bitium",  # project-level commands: seed_demo, run_demo
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",  # SECURE_CSP below
    # A NUL in the address, query or a form field is a 400; a cookie with one is dropped.
    "bitium.middleware_input.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified()
    "bitium.middleware_cache.NoStoreMiddleware",  # no-store for signed-in and token pages
    # An unverified session of someone with a device, or of an admin whose organization
    # requires two-factor sign-in, opens only the code step or enrolment.
    "accounts.two_factor.TwoFactorMiddleware",
    "bitium.middleware.TenantScopeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "bitium.urls"
WSGI_APPLICATION = "bitium.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and a threaded worker share the file: WAL plus immediate transactions
    # keep them from answering "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    # Worker threads and web requests reuse their connection instead of opening one each time.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # PostgreSQL's JIT added 0.3-0.5 s to single page queries at 50,000 people, for
        # nothing: our queries are short index reads.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.EmailBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60 * 24)
ACTIVATION_TIMEOUT = env.int("ACTIVATION_TIMEOUT", default=60 * 60 * 24 * 7)  # seconds
# New seats wait this long for their siblings, so one welcome email names them all.
WELCOME_DELAY_SECONDS = env.float("WELCOME_DELAY_SECONDS", default=20.0)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- HTTPS, cookies and security headers -------------------------------------------------
# Production serves SITE_URL over https: then plain http is redirected, HSTS is sent and the
# cookies keep to https. The http demo (`make run`, compose's default) and the tests run with
# all of it off. Each can be set on its own; `manage.py check --deploy` says what is missing.
_https = SITE_URL.startswith("https://")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_https)
# Behind a proxy that terminates TLS, name the header it sets on every request it forwards
# (e.g. X-Forwarded-Proto; it must overwrite what the client sent): a request is https when
# the header says "https". Unset, Django looks at the connection itself, and an https site
# behind a TLS-terminating proxy would redirect to itself forever.
_proxy_ssl_header = env("SECURE_PROXY_SSL_HEADER", default="").strip()
SECURE_PROXY_SSL_HEADER = (
    (
        "HTTP_" + _proxy_ssl_header.upper().replace("-", "_").removeprefix("HTTP_"),
        "https",
    )
    if _proxy_ssl_header
    else None
)
# HSTS: a year by default (what the browsers' preload list asks). A first rollout may start
# with a few minutes and raise it: browsers remember the value. Include subdomains only when
# every subdomain of the console's host name speaks https too; the preload flag by itself
# changes nothing until someone submits the domain to hstspreload.org.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=_https)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
# Content Security Policy (Django's ContentSecurityPolicyMiddleware): scripts and styles come
# only from our own static files, never inline (no <script> body, no style= or on*=
# attribute; htmx's indicator style is in console.css, see base.html's htmx-config); nothing
# may frame the console, and forms post only to it.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# --- end of HTTPS, cookies and security headers ------------------------------------------

# Email: the embedded default keeps sent mail in the database outbox (a page shows it);
# production sets EMAIL_URL=smtp://... (Mailpit in docker-compose).
OUTBOX_BACKEND = "notifications.backends.OutboxBackend"
if env("EMAIL_URL", default=""):
    _mail = env.email_url("EMAIL_URL")
    _smtp_options = {
        "host": "EMAIL_HOST",
        "port": "EMAIL_PORT",
        "username": "EMAIL_HOST_USER",
        "password": "EMAIL_HOST_PASSWORD",
        "use_tls": "EMAIL_USE_TLS",
        "use_ssl": "EMAIL_USE_SSL",
    }
    MAILERS = {
        "default": {
            "BACKEND": _mail["EMAIL_BACKEND"],
            "OPTIONS": {opt: _mail[key] for opt, key in _smtp_options.items() if key in _mail}
            | {"timeout": 20},
        }
    }
else:
    MAILERS = {"default": {"BACKEND": OUTBOX_BACKEND}}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Bitium <no-reply@bitium.example>")
SUPPORT_EMAIL = env("SUPPORT_EMAIL", default="support@bitium.example")
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=8)

# Celery: Redis in production; Kombu's filesystem transport in the embedded default.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")

# Throttling (accounts/throttle.py): failed sign-ins per account and per client address lock
# signing in there for SIGN_IN_LOCKOUT_SECONDS; password resets and new activation links are
# limited per recipient and per client address.
SIGN_IN_MAX_FAILURES = env.int("SIGN_IN_MAX_FAILURES", default=10)
SIGN_IN_MAX_FAILURES_PER_ADDRESS = env.int("SIGN_IN_MAX_FAILURES_PER_ADDRESS", default=50)
SIGN_IN_LOCKOUT_SECONDS = env.int("SIGN_IN_LOCKOUT_SECONDS", default=900)
# Wrong two-factor codes per person before codes are refused for SIGN_IN_LOCKOUT_SECONDS.
TWO_FACTOR_MAX_FAILURES = env.int("TWO_FACTOR_MAX_FAILURES", default=5)
# Authenticator apps show this name beside the account.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Bitium")
# django-otp's own per-device back-off (seconds doubling after each wrong code) is off: the
# lock above, counted in the cache like the sign-in's, says how long to wait.
OTP_TOTP_THROTTLE_FACTOR = 0
LINK_REQUESTS_PER_RECIPIENT = env.int("LINK_REQUESTS_PER_RECIPIENT", default=3)
LINK_REQUESTS_PER_ADDRESS = env.int("LINK_REQUESTS_PER_ADDRESS", default=20)
LINK_REQUESTS_WINDOW_SECONDS = env.int("LINK_REQUESTS_WINDOW_SECONDS", default=3600)
THROTTLE_PROXY_HOPS = env.int("THROTTLE_PROXY_HOPS", default=0)  # proxies adding X-Forwarded-For
# The throttles count in the cache: Redis (shared by all gunicorn workers) when set,
# otherwise each process's own memory.
CACHE_URL = env("CACHE_URL", default=REDIS_URL)
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "bitium",
        }
    }
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # Kombu's default is ./control
        "store_processed": False,
    }
else:
    # A dead worker's unacknowledged messages come back after this (Redis' default is an
    # hour); the sweep usually re-sends their work sooner.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 300}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_POOL = "threads"
CELERY_WORKER_CONCURRENCY = env.int("WORKER_CONCURRENCY", default=8)
# Threads of all worker processes together: batches are cut into a multiple of this.
WORKER_THREADS = env.int("WORKER_THREADS", default=CELERY_WORKER_CONCURRENCY)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fixup closes the database connection around every task unless this is set;
# bitium/celery.py drops only broken or CONN_MAX_AGE-old connections instead, as requests do.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1_000_000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Celery's "received" and "succeeded" lines, two per job: quiet them with WARNING.
        name: {"level": env("TASK_LOG_LEVEL", default="INFO")}
        for name in ("celery.app.trace", "celery.worker.strategy")
    },
}

ADMIN_URL = env("ADMIN_URL", default="django-admin/")
# User.email is unique case-insensitively (a Lower() constraint), which this check can't see.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]

# Connectors. Admin-typed vendor URLs may not point into our own network (nor use plain
# http) unless this is on: it is by default with DEBUG, for the local demo SCIM app.
CONNECTOR_ALLOW_PRIVATE_URLS = env.bool("CONNECTOR_ALLOW_PRIVATE_URLS", default=DEBUG)
CONNECTOR_CONNECT_TIMEOUT = env.float("CONNECTOR_CONNECT_TIMEOUT", default=5.0)
CONNECTOR_READ_TIMEOUT = env.float("CONNECTOR_READ_TIMEOUT", default=30.0)

# The engine: retries back off exponentially with jitter from RETRY_BASE_SECONDS, up to
# RETRY_MAX_SECONDS, for at most JOB_MAX_ATTEMPTS vendor calls; the sweep re-enqueues due jobs.
JOB_MAX_ATTEMPTS = env.int("JOB_MAX_ATTEMPTS", default=6)
RETRY_BASE_SECONDS = env.float("RETRY_BASE_SECONDS", default=10.0)
RETRY_MAX_SECONDS = env.float("RETRY_MAX_SECONDS", default=3600.0)
# A running chunk renews its jobs' lease every second between vendor calls, so the lease only
# has to outlast one call: a dead worker's jobs are taken back within it (plus a sweep).
JOB_LEASE_SECONDS = env.int("JOB_LEASE_SECONDS", default=int(CONNECTOR_READ_TIMEOUT) + 15)
# A queued job whose message has not been taken up this long (lost with a broker, or held by a
# dead worker) is sent again by the sweep; a second delivery is harmless (the claim).
JOB_REQUEUE_SECONDS = env.int("JOB_REQUEUE_SECONDS", default=40)
# A big batch is cut into chunks (one message each) of at most this many jobs; a worker thread
# runs a chunk's jobs one after the other, renewing their lease as it goes.
JOBS_PER_MESSAGE = env.int("JOBS_PER_MESSAGE", default=250)
SWEEP_INTERVAL_SECONDS = env.float("SWEEP_INTERVAL_SECONDS", default=15.0)
# Shares of a worker process's threads (provisioning/shares.py): an app whose calls average
# more than SLOW_APP_SECONDS gets at most SLOW_APP_MAX_THREADS; an organization gets at most
# ORG_MAX_THREADS while another organization has jobs due (all of them otherwise).
SLOW_APP_SECONDS = env.float("SLOW_APP_SECONDS", default=2.0)
SLOW_APP_MAX_THREADS = env.int(
    "SLOW_APP_MAX_THREADS", default=max(1, CELERY_WORKER_CONCURRENCY // 4)
)
ORG_MAX_THREADS = env.int("ORG_MAX_THREADS", default=max(1, CELERY_WORKER_CONCURRENCY // 2))
# How old an app's kept reading of its accounts may get before the upkeep reads it again.
ACCOUNT_READ_INTERVAL_SECONDS = env.float("ACCOUNT_READ_INTERVAL_SECONDS", default=86400.0)
CELERY_BEAT_SCHEDULE = {
    "sweep-provisioning-jobs": {
        "task": "provisioning.tasks.sweep",
        "schedule": SWEEP_INTERVAL_SECONDS,
    },
    "sweep-emails": {
        "task": "notifications.tasks.sweep_emails",
        "schedule": SWEEP_INTERVAL_SECONDS,
    },
    "read-apps-accounts": {
        "task": "provisioning.tasks.reread_apps",
        "schedule": 3600.0,  # each app is read when its last reading is older than the interval
    },
    "refresh-first-sign-ins": {
        "task": "provisioning.tasks.refresh_sign_ins",
        "schedule": env.float("SIGN_IN_REFRESH_SECONDS", default=300.0),
    },
}
