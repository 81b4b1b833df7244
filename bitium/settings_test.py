"""Settings for the test suite: the production settings with test keys, whatever .env says."""

import os

os.environ["READ_DOT_ENV"] = "false"
os.environ.setdefault("SECRET_KEY", "test-secret-key-only-for-the-test-suite")
os.environ.setdefault("CREDENTIAL_KEYS", "k0eNtLvAbGT3yD4_8ZpXq2mJcW9sHfR1uE6iOaV7bYw=")
os.environ.setdefault("SITE_URL", "http://testserver")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Tests that need the real worker start one (tests/conftest.py); the benchmarks run theirs
# in processes of their own, so they keep the production broker (BENCH=true).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)  # noqa: F405
if not env.bool("BENCH", default=False):  # noqa: F405
    CELERY_BROKER_URL = REDIS_URL or "memory://"  # noqa: F405  Redis in CI, in-process otherwise
    CELERY_BROKER_TRANSPORT_OPTIONS = {"polling_interval": 0.05}
CELERY_TASK_EAGER_PROPAGATES = True
WHITENOISE_AUTOREFRESH = True  # serve from the finders; no collectstatic before tests
CONNECTOR_ALLOW_PRIVATE_URLS = True  # tests run real SCIM servers on localhost
RETRY_BASE_SECONDS = 0.05
RETRY_MAX_SECONDS = 2.0
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not shared-cache memory: worker threads then get WAL and the busy timeout.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405
WELCOME_DELAY_SECONDS = env.float("WELCOME_DELAY_SECONDS", default=0.0)  # noqa: F405
# Test workers close their database connections after each task, so the test database can be
# dropped at the end (the benchmark's workers keep them, as in production).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=0)  # noqa: F405
# The tests clear the cache: in memory, never the Redis database the broker uses.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
