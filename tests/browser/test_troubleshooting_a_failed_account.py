"""An admin troubleshoots a failed account by its labels: the dashboard says what failed,
the account's history shows the app's answer (a 409 from the wrong instance of the app),
the admin fixes the credentials and retries, and the account is created where it belongs."""

import pytest
from playwright.sync_api import expect

from apps_catalog.models import TenantApp
from provisioning.connectors.base import NewAccount
from provisioning.connectors.scim import ScimConnector
from provisioning.services import AccountRequest, connect, queue_jobs

from ..conftest import PASSWORD, SCIM_TOKEN, add_app, wait_for, wait_until_settled

pytestmark = pytest.mark.django_db(transaction=True)


def user_names(server):
    return sorted(
        u.user_name for u in server.storage.resources if type(u).__name__.startswith("User")
    )


def test_admin_reads_the_apps_answer_fixes_the_credentials_and_retries(
    page,
    live_server,
    sign_in,
    celery_worker,
    scim_server,
    another_scim_server,
    testco,
    admin,
    member,
):
    # The app was connected to its staging instance by mistake, where somebody else
    # already holds the username the console gives Bob.
    staging = another_scim_server
    ScimConnector.build({"base_url": staging.url, "token": SCIM_TOKEN}).create_account(
        NewAccount(
            email="bob@elsewhere.example", username="bob.member", first_name="B", last_name="Other"
        )
    )
    app = add_app(testco, name="Acme HR")
    ok, message = connect(app, {"base_url": staging.url, "token": SCIM_TOKEN})
    assert ok, message
    queue_jobs(app, [AccountRequest(user=member, username="bob.member")], trigger="assign users")
    wait_for(lambda: TenantApp.objects.get(pk=app.pk).accounts.filter(status="failed").exists())

    sign_in(admin.email, PASSWORD)
    attention = page.locator("section", has_text="Needs attention")
    expect(attention.get_by_text("1 failed")).to_be_visible()
    attention.get_by_role("link", name="See why").click()

    # The failed account, then its history: what was sent and what the app answered.
    page.get_by_role("link", name="bob.member").click()
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    failed = page.get_by_role("row").filter(has_text="HTTP 409")
    expect(failed.first).to_be_visible()
    failed.first.get_by_text("Request and answer").click()
    expect(failed.first.get_by_text("POST /v2/Users → 409")).to_be_visible()

    # The wrong instance: the admin saves the production one's credentials.
    page.get_by_role("link", name="Assign Users").click()
    page.get_by_role("link", name="Change credentials").click()
    page.get_by_label("SCIM base URL").fill(scim_server.url)
    page.get_by_label("API token").fill(SCIM_TOKEN)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Acme HR is connected.")).to_be_visible()

    page.get_by_role("navigation", name="Acme HR").get_by_role("link", name="Users").click()
    page.get_by_role("button", name="Retry all failed (1)").click()
    row = page.locator("#app-accounts").get_by_role("row", name="Bob Member")
    expect(row.locator(".badge")).to_have_text("Created", timeout=20_000)
    assert user_names(scim_server) == ["bob.member"]
    assert user_names(staging) == ["bob.member"]  # the other person's, untouched
    wait_until_settled()
