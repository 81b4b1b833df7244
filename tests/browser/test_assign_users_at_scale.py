"""Assign Users in a big organization, by its labels: search, select all matching, Done;
the background action shows its progress, and the real SCIM server gets every account."""

import pytest
from playwright.sync_api import expect

from accounts.models import User

from ..conftest import PASSWORD, wait_until_settled

pytestmark = pytest.mark.django_db(transaction=True)


def test_admin_searches_selects_all_matching_and_clicks_done(
    page, live_server, sign_in, celery_worker, scim_app, scim_server, testco, admin
):
    User.objects.bulk_create(
        User(
            organization=testco, email=f"eng{i}@testco.example", first_name="Eng", last_name=str(i)
        )
        for i in range(220)
    )
    User.objects.bulk_create(
        User(
            organization=testco, email=f"ops{i}@testco.example", first_name="Ops", last_name=str(i)
        )
        for i in range(40)
    )
    sign_in(admin.email, PASSWORD)
    page.goto(f"{live_server.url}/apps/{scim_app.pk}/assign/")
    page.get_by_label("Search people and accounts").fill("eng")
    page.get_by_role("button", name="Search").click()
    page.get_by_label("Select all 220 matching “eng”").check()
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_text("Provisioning 220 accounts in SCIM app.")).to_be_visible(timeout=60_000)
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", name="SCIM app", exact=True)).to_be_visible()
    wait_until_settled(timeout=120)
    users = [r for r in scim_server.storage.resources if type(r).__name__.startswith("User")]
    assert sorted(u.emails[0].value for u in users) == sorted(
        f"eng{i}@testco.example" for i in range(220)
    )
