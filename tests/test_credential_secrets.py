"""Credentials are encrypted at rest and never shown back, logged or put in messages."""

import logging

import pytest
import responses
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection as db
from django.urls import reverse

from provisioning import crypto, engine
from provisioning.models import AccountEvent, AppAccount, Connection, Job
from provisioning.services import AccountRequest, connect, queue_jobs

from .conftest import SCIM_TOKEN
from .scim_payloads import SCIM_JSON, USERS, error

VENDOR_TOKEN = "vendor-secret-token-123"  # the vendor_app fixture's token


def raw_column(instance, column):
    """The column as the database holds it, read past the ORM's decryption."""
    model = type(instance)
    pk = model._meta.pk.get_db_prep_value(instance.pk, db)
    with db.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {model._meta.db_table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_the_raw_database_column_does_not_hold_the_token(scim_app):
    stored = Connection.objects.get(app=scim_app)
    raw = raw_column(stored, "credentials")
    assert SCIM_TOKEN not in raw and "token" not in raw
    assert stored.credentials["token"] == SCIM_TOKEN  # decrypted on read


def test_temporary_passwords_are_encrypted_at_rest(scim_app, member):
    (job,) = queue_jobs(scim_app, [AccountRequest(user=member)], trigger="test")
    engine.run_job(job.pk)
    account = AppAccount.objects.get(user=member)
    password = account.secrets["temporary_password"]
    raw = raw_column(account, "secrets")
    assert raw and password not in raw
    for event in AccountEvent.objects.filter(account=account):
        assert password not in f"{event.message} {event.detail}"


@responses.activate
def test_the_token_is_in_no_log_event_error_or_page(vendor_app, member, admin, caplog, as_admin):
    caplog.set_level(logging.DEBUG)
    # A careless vendor repeats the token in its error message.
    responses.post(
        USERS,
        status=400,
        content_type=SCIM_JSON,
        json=error(400, f"token {VENDOR_TOKEN} may not create users"),
    )
    (job,) = queue_jobs(
        vendor_app, [AccountRequest(user=member)], trigger="test", requested_by=admin
    )
    assert engine.run_job(job.pk) == "failed"
    responses.post(
        USERS, status=401, json=error(401, f"bad token {VENDOR_TOKEN}"), content_type=SCIM_JSON
    )
    ok, message = connect(
        vendor_app, {"base_url": USERS.rsplit("/", 1)[0], "auth": "bearer", "token": VENDOR_TOKEN}
    )
    places = [
        caplog.text,
        message,
        *Job.objects.values_list("last_error", flat=True),
        *AppAccount.objects.values_list("last_error", flat=True),
        *(f"{e.message} {e.detail}" for e in AccountEvent.objects.all()),
        *(Connection.objects.values_list("state_message", flat=True)),
        *(
            as_admin.get(url).content.decode()
            for url in (
                reverse("manage_apps"),
                reverse("app_detail", kwargs={"app_id": vendor_app.pk}),
                reverse("app_settings", kwargs={"app_id": vendor_app.pk}),
                reverse("dashboard"),
            )
        ),
    ]
    assert "[redacted]" in AppAccount.objects.get(user=member).last_error
    for text in places:
        assert VENDOR_TOKEN not in text


def test_keys_rotate_without_losing_credentials(scim_app, settings):
    old_key = settings.CREDENTIAL_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.CREDENTIAL_KEYS = [new_key, old_key]
    call_command("rotate_credentials")
    settings.CREDENTIAL_KEYS = [new_key]
    assert Connection.objects.get(app=scim_app).credentials["token"] == SCIM_TOKEN


def test_a_missing_key_says_what_is_wrong(scim_app, settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.CREDENTIAL_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="lacks the key"):
        Connection.objects.get(app=scim_app)


def test_encrypt_round_trip():
    token = crypto.encrypt({"token": "abc"})
    assert "abc" not in token and crypto.decrypt(token) == {"token": "abc"}


def test_temporary_passwords_meet_vendors_rules_and_do_not_repeat():
    import string

    passwords = [engine.temporary_password() for _ in range(2000)]
    assert len(set(passwords)) == len(passwords)
    for password in passwords:
        assert len(password) == 16
        assert sum(c in engine.SYMBOLS for c in password) == 1
        for letters in (string.ascii_uppercase, string.ascii_lowercase, string.digits):
            assert any(c in letters for c in password), password
    # Every position holds the symbol sometimes: it is not always at the same place.
    assert {next(i for i, c in enumerate(p) if c in engine.SYMBOLS) for p in passwords} == set(
        range(16)
    )
