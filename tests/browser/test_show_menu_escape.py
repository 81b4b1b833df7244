"""Manage Apps' Show menu closes on Escape and gives the focus back to its button."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_escape_closes_the_show_menu_and_returns_focus(page, live_server, sign_in):
    from accounts.models import Organization, User

    org = Organization.objects.create(name="TestCo")
    make_user(org, "admin@testco.example", User.Role.ADMIN, "Alice", "Admin")
    sign_in("admin@testco.example", PASSWORD)
    page.goto(f"{live_server.url}/apps/")
    show = page.locator("details.menu > summary")
    show.click()
    expect(page.get_by_role("button", name="Apply")).to_be_visible()
    page.get_by_label("Auto-Provisioning").focus()
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Apply")).to_be_hidden()
    expect(show).to_be_focused()
