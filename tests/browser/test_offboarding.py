"""Offboarding by its visible labels: an admin deactivates a person, reads the plan,
confirms, and the real SCIM server shows the account inactive (a real Celery worker runs
it); the person's page shows it suspended. Reactivating brings it back."""

import pytest
from playwright.sync_api import expect

from provisioning.changes import Assign, confirm
from provisioning.models import AppAccount

from ..conftest import PASSWORD, wait_for, wait_until_settled

pytestmark = pytest.mark.django_db(transaction=True)


def remote_active(server, account_id):
    remote_id = AppAccount.objects.get(pk=account_id).remote_id
    return next(r.active for r in server.storage.resources if r.id == remote_id)


def test_admin_offboards_a_person_after_reading_the_plan(
    page, live_server, sign_in, celery_worker, scim_app, scim_server, admin, member
):
    confirm(Assign(member, scim_app), scim_app.organization_id, admin)
    wait_for(lambda: AppAccount.objects.filter(user=member, status="created").exists())
    account = AppAccount.objects.get(user=member)
    assert remote_active(scim_server, account.pk) is True

    sign_in(admin.email, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    page.get_by_role("link", name="Bob Member").click()
    apps = page.locator("#person-apps")
    expect(apps.get_by_role("row", name="SCIM app")).to_contain_text("Created")
    expect(apps.get_by_role("row", name="SCIM app")).to_contain_text("assigned directly")

    page.get_by_role("link", name="Deactivate").click()
    expect(page.get_by_role("heading", name="Deactivating Bob Member")).to_be_visible()
    expect(
        page.get_by_text("Deactivating Bob Member will suspend accounts in SCIM app.")
    ).to_be_visible()
    expect(page.get_by_role("row", name="SCIM app")).to_contain_text("Suspend")
    assert remote_active(scim_server, account.pk) is True  # nothing before Confirm
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Done. Deactivating Bob Member will suspend")).to_be_visible()

    wait_for(lambda: remote_active(scim_server, account.pk) is False)
    wait_for(lambda: AppAccount.objects.get(pk=account.pk).status == "suspended")
    page.reload()
    expect(page.locator(".page-head").get_by_text("Deactivated")).to_be_visible()
    expect(page.locator("#person-apps").get_by_role("row", name="SCIM app")).to_contain_text(
        "Suspended"
    )

    page.get_by_role("link", name="Reactivate").first.click()
    expect(page.get_by_text("will reactivate accounts in SCIM app")).to_be_visible()
    page.get_by_role("button", name="Confirm").click()
    wait_for(lambda: remote_active(scim_server, account.pk) is True)
    wait_until_settled()
