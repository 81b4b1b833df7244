"""At 390 px the Users tab stacks each account into a labelled card: Status is on screen, not
hidden off to the side of a table that scrolls."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, add_app, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_status_is_visible_at_phone_width(page, live_server, sign_in):
    from accounts.models import Organization, User
    from provisioning.models import AppAccount

    org = Organization.objects.create(name="TestCo")
    admin = make_user(org, "admin@testco.example", User.Role.ADMIN, "Alice", "Admin")
    app = add_app(org, name="Team Wiki")
    AppAccount.objects.create(
        organization=org, app=app, user=admin, username="alice", status="created", remote_id="1"
    )
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in("admin@testco.example", PASSWORD)
    page.goto(f"{live_server.url}/apps/{app.pk}/users/")
    status = page.locator("td[data-label=Status]").first
    expect(status).to_contain_text("Created")
    box = status.locator(".badge").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    label = status.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert label == '"Status"'
