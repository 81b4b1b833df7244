"""Two-factor sign-in by its visible labels: an admin opens Security from the sidebar, sets
up an authenticator app by typing the secret shown as text (the test computes the codes as
an app would, with django-otp's TOTP), keeps the recovery codes, signs out, and signs in
again with the password and then a code."""

import pytest
from playwright.sync_api import expect

from ..conftest import PASSWORD
from ..test_two_factor import code_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_admin_enrols_then_signs_in_with_a_code(page, live_server, sign_in, admin):
    sign_in(admin.email, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Security").click()
    expect(page.get_by_role("heading", name="Security")).to_be_visible()
    page.get_by_role("link", name="Set up two-factor sign-in").click()

    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    secret = page.get_by_label("Secret key").inner_text().strip()
    page.get_by_label("Authentication code").fill(code_for(secret))
    page.get_by_role("button", name="Turn on").click()

    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.get_by_role("list", name="Recovery codes").get_by_role("listitem")).to_have_count(
        10
    )
    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_text("10 recovery codes left.")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    sign_in(admin.email, PASSWORD)
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    # The enrolment's code was used: the app's next code (within the one-step tolerance).
    page.get_by_label("Authentication code").fill(code_for(secret, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="People")).to_be_visible()
    nav.get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", name="People")).to_be_visible()
