"""Sign-ins, failed sign-ins, sign-outs and two-factor changes are in the audit trail. A
failed sign-in for an email nobody has is kept under no organization (no tenant sees it)."""

import base64
import re

from django.contrib.auth import authenticate
from django.test import Client, RequestFactory
from django.urls import reverse
from django_otp.oath import TOTP

from accounts import audit, two_factor
from accounts.models import AuditEntry

from .conftest import PASSWORD


def rows(action):
    return list(AuditEntry.objects.filter(action=action))


def code_for(secret, steps_ahead=0):
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key, drift=steps_ahead).token():06d}"


def sign_in(client, email, password=PASSWORD):
    return client.post(reverse("login"), {"username": email, "password": password})


def test_a_sign_in_is_recorded_with_the_address(member, testco):
    client = Client(REMOTE_ADDR="203.0.113.7")
    assert sign_in(client, member.email).status_code == 302
    [row] = rows(audit.SIGN_IN)
    assert (row.organization_id, row.actor, row.actor_email, row.ip_address) == (
        testco.pk,
        member,
        member.email,
        "203.0.113.7",
    )
    assert (row.object_kind, row.object_id) == ("person", str(member.pk))


def test_a_failed_sign_in_is_recorded_under_the_persons_organization(member, testco):
    client = Client()
    response = sign_in(client, "MEMBER@testco.example", "not the password")
    assert response.status_code == 200
    [row] = rows(audit.SIGN_IN_FAILED)
    assert row.organization_id == testco.pk and row.actor == member
    assert row.ip_address == "127.0.0.1"
    assert "not the password" not in str(AuditEntry.objects.values_list())


def test_a_failed_sign_in_for_an_unknown_email_belongs_to_no_organization(testco, admin):
    sign_in(Client(), "nobody@nowhere.example", "guess")
    [row] = rows(audit.SIGN_IN_FAILED)
    assert row.organization_id is None and row.actor is None
    assert row.actor_email == "nobody@nowhere.example"
    assert not AuditEntry.objects.filter(organization=testco, action=audit.SIGN_IN_FAILED)


def test_what_is_not_an_email_is_not_kept(testco):
    # A password typed into the email box (Django's admin site does not check the format).
    request = RequestFactory().post("/django-admin/login/")
    assert authenticate(request, username="hunter2-my-password", password="x") is None
    [row] = rows(audit.SIGN_IN_FAILED)
    assert row.actor_email == "" and row.object_label == ""


def test_a_failure_that_locks_says_so(member, settings):
    settings.SIGN_IN_MAX_FAILURES = 2
    client = Client()
    for _ in range(2):
        sign_in(client, member.email, "wrong")
    failures = AuditEntry.objects.filter(action=audit.SIGN_IN_FAILED).order_by("created_at")
    assert [row.detail for row in failures] == [{}, {"locked": True}]


def test_a_sign_out_is_recorded(as_member, member, testco):
    as_member.post(reverse("logout"))
    [row] = rows(audit.SIGN_OUT)
    assert row.organization_id == testco.pk and row.actor == member


def test_two_factor_on_new_codes_and_off_are_recorded(as_member, member, testco):
    page = as_member.get(reverse("security_setup")).content.decode()
    secret = re.search(r'id="totp-secret"[^>]*>([A-Z2-7]+)<', page).group(1)
    as_member.post(reverse("security_setup"), {"code": code_for(secret)})
    [on] = rows(audit.TWO_FACTOR_ON)
    assert on.organization_id == testco.pk and on.actor == member
    assert on.object_id == str(member.pk)
    as_member.post(reverse("security_recovery_codes"))
    assert len(rows(audit.RECOVERY_CODES_RENEWED)) == 1
    as_member.post(reverse("security_disable"), {"code": code_for(secret, 1)})
    assert not two_factor.has_device(member)
    [off] = rows(audit.TWO_FACTOR_OFF)
    assert off.actor == member
    assert secret not in str(AuditEntry.objects.values_list())


def test_a_wrong_code_at_sign_in_is_a_failed_sign_in(member, testco):
    key = two_factor.new_secret()
    two_factor.enrol(member, key, last_t=-1)
    client = Client()
    sign_in(client, member.email)
    assert not rows(audit.SIGN_IN)  # not signed in until the code
    client.post(reverse("sign_in_code"), {"code": "000000"})
    [row] = rows(audit.SIGN_IN_FAILED)
    assert row.actor == member and row.detail == {"step": "code"}
    client.post(reverse("sign_in_code"), {"code": code_for(two_factor.secret_base32(key))})
    assert len(rows(audit.SIGN_IN)) == 1


def test_behind_a_proxy_the_address_is_the_one_our_proxy_saw(member, settings):
    settings.THROTTLE_PROXY_HOPS = 1
    client = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.9, 203.0.113.7")
    sign_in(client, member.email)
    [row] = rows(audit.SIGN_IN)
    assert row.ip_address == "203.0.113.7"  # what the client wrote left of it is not trusted
