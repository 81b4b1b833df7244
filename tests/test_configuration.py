"""With DEBUG off the app refuses to start on unsafe defaults, saying what to set."""

import os
import subprocess
import sys

from django.conf import settings

CHECK = [sys.executable, "-c", "import django; django.setup()"]


def start(**env):
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "CREDENTIAL_KEYS", "DEBUG", "DJANGO_SETTINGS_MODULE"}
    }
    base |= {"DJANGO_SETTINGS_MODULE": "bitium.settings", "READ_DOT_ENV": "false"} | env
    return subprocess.run(CHECK, cwd=settings.BASE_DIR, env=base, capture_output=True, text=True)


def test_refuses_the_default_secret_key():
    result = start(DEBUG="false", CREDENTIAL_KEYS="k0eNtLvAbGT3yD4_8ZpXq2mJcW9sHfR1uE6iOaV7bYw=")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_refuses_a_missing_credential_key():
    result = start(DEBUG="false", SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "CREDENTIAL_KEYS is not set" in result.stderr


def test_starts_when_both_are_set():
    result = start(
        DEBUG="false",
        SECRET_KEY="x" * 50,
        CREDENTIAL_KEYS="k0eNtLvAbGT3yD4_8ZpXq2mJcW9sHfR1uE6iOaV7bYw=",
    )
    assert result.returncode == 0, result.stderr


def test_debug_mode_starts_on_defaults_for_local_work():
    assert start(DEBUG="true").returncode == 0
