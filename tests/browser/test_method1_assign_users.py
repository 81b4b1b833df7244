"""Method 1 by its visible labels, against a real SCIM server and a real Celery worker."""

import pytest
from playwright.sync_api import expect

from provisioning.connectors.base import NewAccount
from provisioning.connectors.scim import ScimConnector

from ..conftest import PASSWORD, SCIM_TOKEN, make_user, wait_until_settled

pytestmark = pytest.mark.django_db(transaction=True)


def remote_users(server):
    return sorted(
        u.user_name for u in server.storage.resources if type(u).__name__.startswith("User")
    )


def test_admin_follows_method_1(
    page, live_server, sign_in, celery_worker, scim_server, testco, admin, member
):
    carol = make_user(testco, "carol@testco.example", first="Carol", last="Ng")
    make_user(testco, "dave@testco.example", first="Dave", last="Diaz")
    ScimConnector.build({"base_url": scim_server.url, "token": SCIM_TOKEN}).create_account(
        NewAccount(
            email="MEMBER@testco.example",
            username="member@testco.example",
            first_name="Bob",
            last_name="Member",
        )
    )

    sign_in(admin.email, PASSWORD)
    page.get_by_role("link", name="Manage Apps").click()
    page.get_by_role("link", name="Add an App").first.click()
    page.get_by_label("Search the catalog").fill("scim")
    page.get_by_role("link", name="Add SCIM 2.0 app").click()
    page.get_by_label("Name in your console").fill("Acme HR")
    page.get_by_role("button", name="Add app").click()
    page.get_by_role("link", name="Assign Users").click()

    # A wrong token: a clear error, nothing saved.
    page.get_by_label("SCIM base URL").fill(scim_server.url)
    page.get_by_label("API token").fill("not-the-token")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("The app rejected the credentials (401).")).to_be_visible()
    expect(page.get_by_label("SCIM base URL")).to_have_value(scim_server.url)

    page.get_by_label("API token").fill(SCIM_TOKEN)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Acme HR is connected.")).to_be_visible()

    matched = page.locator("section", has_text="Existing accounts matched by email")
    expect(matched.get_by_text("Bob Member")).to_be_visible()
    page.get_by_label("Select Alice Admin").check()
    page.get_by_label("Select Carol Ng").check()
    row = page.get_by_role("row", name="Select Carol Ng")
    expect(row.get_by_label("Create a New User Account")).to_be_checked()
    page.get_by_role("button", name="Done").click()

    expect(page.get_by_role("heading", name="Acme HR", exact=True)).to_be_visible()
    accounts = page.locator("#app-accounts")
    for name in ("Alice Admin", "Carol Ng"):
        status = accounts.get_by_role("row", name=name).locator(".badge")
        expect(status).to_have_text("Created", timeout=20_000)
    assert remote_users(scim_server) == sorted(
        ["admin@testco.example", carol.email, "member@testco.example"]
    )
    wait_until_settled()
