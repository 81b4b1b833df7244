"""Two-factor sign-in: enrolment, the code step, recovery codes, the organization's setting
for admins, turning it off, and the throttle on codes (accounts/two_factor.py)."""

import base64
import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.models import RecoveryCode

from .conftest import PASSWORD, signed_in


def code_for(secret, steps_ahead=0):
    """What an authenticator app shows for a base32 secret (the next step's code with
    steps_ahead=1: a code once accepted is never accepted again, so a test that signs in
    right after enrolling uses the next one, within the one-step tolerance)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key, drift=steps_ahead).token():06d}"


def device_secret(user):
    return two_factor.secret_base32(TOTPDevice.objects.get(user=user).key)


def enrol(client):
    """Enrols through the pages; returns (secret, recovery codes)."""
    page = client.get(reverse("security_setup"))
    assert page.status_code == 200
    secret = re.search(r'id="totp-secret"[^>]*>([A-Z2-7]+)<', page.content.decode()).group(1)
    response = client.post(reverse("security_setup"), {"code": code_for(secret)})
    assert response.status_code == 200
    codes = re.findall(
        r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>", response.content.decode()
    )
    return secret, codes


def enrolled(user):
    """Enrols directly; returns (secret, recovery codes)."""
    key = two_factor.new_secret()
    _, codes = two_factor.enrol(user, key, last_t=-1)
    return two_factor.secret_base32(key), codes


def password_step(client, user, next_url=None):
    data = {"username": user.email, "password": PASSWORD}
    url = reverse("login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, data)


def is_signed_in(client):
    return client.get(reverse("my_apps")).status_code == 200


def test_enrolment_shows_the_secret_a_qr_code_and_recovery_codes_once(as_member, member):
    page = as_member.get(reverse("security_setup")).content.decode()
    assert 'src="data:image/svg+xml' in page
    assert "Authentication code" in page
    secret, codes = enrol(as_member)
    assert len(codes) == 10 and len(set(codes)) == 10
    device = TOTPDevice.objects.get(user=member)
    assert device.confirmed and device_secret(member) == secret
    # Stored hashed, never in clear.
    stored = list(RecoveryCode.objects.filter(device__user=member).values_list("hashed", flat=True))
    assert len(stored) == 10 and not any(code.replace("-", "") in stored for code in codes)
    security = as_member.get(reverse("security")).content.decode()
    assert "10 recovery codes left" in security
    assert codes[0] not in security


def test_enrolment_refuses_a_wrong_code(as_member, member):
    as_member.get(reverse("security_setup"))
    response = as_member.post(reverse("security_setup"), {"code": "000000"})
    assert "That code is not right." in response.content.decode()
    assert not TOTPDevice.objects.filter(user=member).exists()


def test_sign_in_asks_a_code_after_the_password(member):
    secret, _ = enrolled(member)
    client = Client()
    response = password_step(client, member, next_url="/my-apps/")
    assert response.status_code == 302 and response.url == reverse("sign_in_code")
    assert not is_signed_in(client)  # the password alone is not a session
    response = client.post(reverse("sign_in_code"), {"code": code_for(secret)})
    assert response.status_code == 302 and response.url == "/my-apps/"
    assert is_signed_in(client)


def test_a_wrong_code_is_refused(member):
    secret, _ = enrolled(member)
    client = Client()
    password_step(client, member)
    wrong = f"{(int(code_for(secret)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("sign_in_code"), {"code": wrong})
    assert response.status_code == 200
    assert "That code is not right." in response.content.decode()
    assert not is_signed_in(client)


def test_a_used_code_is_not_accepted_again(member):
    secret, _ = enrolled(member)
    first = Client()
    password_step(first, member)
    first.post(reverse("sign_in_code"), {"code": code_for(secret)})
    assert is_signed_in(first)
    second = Client()
    password_step(second, member)
    second.post(reverse("sign_in_code"), {"code": code_for(secret)})
    assert not is_signed_in(second)


def test_a_recovery_code_works_once(member):
    _, codes = enrolled(member)
    client = Client()
    password_step(client, member)
    response = client.post(reverse("sign_in_code"), {"code": codes[3].upper()}, follow=True)
    assert is_signed_in(client)
    assert "9 left" in response.content.decode()
    again = Client()
    password_step(again, member)
    response = again.post(reverse("sign_in_code"), {"code": codes[3]})
    assert "That code is not right." in response.content.decode()
    assert not is_signed_in(again)


def test_new_recovery_codes_replace_the_old(member):
    _, old = enrolled(member)
    client = Client()
    password_step(client, member)
    client.post(reverse("sign_in_code"), {"code": old[0]})
    response = client.post(reverse("security_recovery_codes"))
    new = re.findall(r"<code>([a-z0-9-]{14})</code>", response.content.decode())
    assert len(new) == 10
    other = Client()
    password_step(other, member)
    other.post(reverse("sign_in_code"), {"code": old[1]})
    assert not is_signed_in(other)
    other.post(reverse("sign_in_code"), {"code": new[1]})
    assert is_signed_in(other)


def test_the_code_step_needs_the_password_first(client, member):
    enrolled(member)
    response = client.get(reverse("sign_in_code"))
    assert response.status_code == 302 and response.url == reverse("login")


def test_a_session_not_verified_is_sent_to_the_code_step(member):
    """Another way in (here force_login, as a password reset's sign-in) is not verified."""
    secret, _ = enrolled(member)
    client = signed_in(member)
    response = client.get(reverse("my_apps"))
    assert response.status_code == 302 and response.url == reverse("sign_in_code")
    client.post(reverse("sign_in_code"), {"code": code_for(secret)})
    assert is_signed_in(client)


def test_people_without_a_device_sign_in_with_the_password_alone(client, member):
    response = password_step(client, member)
    assert response.status_code == 302 and response.url == reverse("dashboard")
    assert is_signed_in(client)


# --- the organization's setting ---------------------------------------------------------------


@pytest.fixture
def required(testco):
    testco.require_two_factor_for_admins = True
    testco.save()
    return testco


def test_the_setting_is_on_the_settings_page(as_admin, testco):
    page = as_admin.get(reverse("settings")).content.decode()
    assert "Require two-factor sign-in for admins" in page
    as_admin.post(reverse("settings"), {"name": "TestCo", "require_two_factor_for_admins": "on"})
    testco.refresh_from_db()
    assert testco.require_two_factor_for_admins
    # The admin who turned it on has no device yet: enrolment first.
    response = as_admin.get(reverse("people"))
    assert response.status_code == 302 and response.url == reverse("security_setup")


def test_when_required_an_admin_without_a_device_must_enrol_first(required, admin):
    client = Client()
    response = password_step(client, admin)
    assert response.status_code == 302
    for name in ("dashboard", "people", "settings", "my_apps"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url == reverse("security_setup"), name
    assert client.get(reverse("security")).status_code == 200
    enrol(client)
    assert client.get(reverse("people")).status_code == 200


def test_when_required_an_admin_not_verified_is_sent_to_the_code_step(required, admin):
    secret, _ = enrolled(admin)
    client = signed_in(admin)
    response = client.get(reverse("people"))
    assert response.status_code == 302 and response.url == reverse("sign_in_code")
    client.post(reverse("sign_in_code"), {"code": code_for(secret)})
    assert client.get(reverse("people")).status_code == 200


def test_members_are_not_affected_by_the_setting(required, as_member):
    assert as_member.get(reverse("my_apps")).status_code == 200
    assert as_member.get(reverse("security")).status_code == 200


def test_another_organizations_setting_does_not_apply(required, as_other_admin):
    assert as_other_admin.get(reverse("people")).status_code == 200


# --- turning it off ---------------------------------------------------------------------------


def test_turning_off_asks_a_current_code(member):
    secret, _ = enrolled(member)
    client = Client()
    password_step(client, member)
    client.post(reverse("sign_in_code"), {"code": code_for(secret)})
    response = client.post(reverse("security_disable"), {"code": ""})
    assert response.status_code == 400
    response = client.post(reverse("security_disable"), {"code": "123456"})
    assert "That code is not right." in response.content.decode()
    assert TOTPDevice.objects.filter(user=member).exists()
    response = client.post(reverse("security_disable"), {"code": code_for(secret, 1)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=member).exists()
    assert not RecoveryCode.objects.filter(device__user=member).exists()
    assert is_signed_in(client)
    fresh = Client()
    assert password_step(fresh, member).url == reverse("dashboard")


def test_turning_off_is_refused_while_the_organization_requires_it(required, admin):
    secret, _ = enrolled(admin)
    client = Client()
    password_step(client, admin)
    client.post(reverse("sign_in_code"), {"code": code_for(secret)})
    assert "it stays on" in client.get(reverse("security")).content.decode()
    response = client.post(reverse("security_disable"), {"code": code_for(secret, 1)}, follow=True)
    assert "it stays on" in response.content.decode()
    assert TOTPDevice.objects.filter(user=admin).exists()


# --- the throttle -----------------------------------------------------------------------------


def test_wrong_codes_are_throttled(member, settings):
    settings.TWO_FACTOR_MAX_FAILURES = 3
    secret, codes = enrolled(member)
    client = Client()
    password_step(client, member)
    for _ in range(3):
        client.post(reverse("sign_in_code"), {"code": "000000"})
    response = client.post(reverse("sign_in_code"), {"code": code_for(secret)})
    assert response.status_code == 429
    assert "Too many wrong codes" in response.content.decode()
    response = client.post(reverse("sign_in_code"), {"code": codes[0]})
    assert response.status_code == 429
    assert not is_signed_in(client)
    # Signing in again with the password does not reopen the guessing.
    other = Client()
    password_step(other, member)
    assert other.post(reverse("sign_in_code"), {"code": code_for(secret)}).status_code == 429


def test_a_right_code_clears_the_wrong_ones(member, settings):
    settings.TWO_FACTOR_MAX_FAILURES = 3
    secret, _ = enrolled(member)
    client = Client()
    password_step(client, member)
    for _ in range(2):
        client.post(reverse("sign_in_code"), {"code": "000000"})
    client.post(reverse("sign_in_code"), {"code": code_for(secret)})
    assert is_signed_in(client)
    assert two_factor.throttle.CODE_FAILURES.count(str(member.pk)) == 0
