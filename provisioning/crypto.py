"""Credentials at rest: Fernet tokens under MultiFernet, keys from CREDENTIAL_KEYS.

The first key encrypts; every key decrypts. To rotate, put a new key first, run
`manage.py rotate_credentials`, then drop the old key (README: "Rotating credential keys").
"""

import json
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@cache
def _fernet(keys):
    if not keys:
        raise ImproperlyConfigured("CREDENTIAL_KEYS is empty: set at least one Fernet key.")
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet():
    return _fernet(tuple(settings.CREDENTIAL_KEYS))


def encrypt(data: dict) -> str:
    return fernet().encrypt(json.dumps(data).encode()).decode()


def decrypt(token: str) -> dict:
    try:
        return json.loads(fernet().decrypt(token.encode()))
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "Stored credentials cannot be decrypted: CREDENTIAL_KEYS lacks the key they were "
            "encrypted with."
        ) from error


def rotate(token: str) -> str:
    return fernet().rotate(token.encode()).decode()


class EncryptedJSONField(models.TextField):
    """A dict stored as a Fernet token: the raw column never holds the plaintext."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else {}

    def to_python(self, value):
        if isinstance(value, dict) or value is None:
            return value or {}
        return decrypt(value) if value else {}

    def get_prep_value(self, value):
        return encrypt(value) if value else ""
