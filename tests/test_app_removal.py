"""Removing an app asks what to do with its accounts, shows the plan, and archives the app:
its accounts, jobs and events stay readable; nothing cascades away."""

from django.urls import reverse

from apps_catalog.models import GroupApp, TenantApp
from groups.models import Group
from provisioning import changes
from provisioning.models import AccountEvent, AppAccount, Assignment, Job

from .lifecycle_helpers import remote_user, run_queued


def test_removing_an_app_that_suspends_its_accounts(
    as_admin, admin, testco, member, scim_app, scim_server
):
    changes.confirm(changes.Assign(member, scim_app), testco.pk, admin)
    run_queued()
    account = AppAccount.objects.get(app=scim_app)
    sales = Group.objects.create(organization=testco, name="Sales")
    GroupApp.objects.create(organization=testco, group=sales, app=scim_app)
    url = reverse("plan_remove_app", kwargs={"app_id": scim_app.pk})
    page = as_admin.get(url, {"leaving": "suspend"}).content.decode()
    assert "Removing SCIM app will suspend accounts in SCIM app." in page
    assert "Delete the account" in page and "Leave the account alone" in page
    as_admin.post(url, {"leaving": "suspend"})
    run_queued()
    assert remote_user(scim_server, account).active is False
    app = TenantApp.objects.get(pk=scim_app.pk)
    assert app.archived_at and not GroupApp.objects.exists() and not Assignment.objects.exists()
    assert AccountEvent.objects.filter(account=account).count() >= 4  # history kept
    assert Job.objects.filter(app=app).count() == 2
    users_tab = as_admin.get(reverse("app_users", kwargs={"app_id": app.pk})).content.decode()
    assert "Removed from your console" in users_tab and "Suspended" in users_tab


def test_a_removed_apps_name_is_free_and_it_is_offered_nowhere(
    as_admin, admin, testco, member, scim_app
):
    as_admin.post(reverse("plan_remove_app", kwargs={"app_id": scim_app.pk}), {"leaving": "leave"})
    assert TenantApp.objects.create(
        organization=testco, catalog_app=scim_app.catalog_app, name="SCIM app"
    )
    part = as_admin.get(reverse("person_apps", kwargs={"user_id": member.pk})).content.decode()
    assert "(removed" not in part
    assert (
        as_admin.get(reverse("plan_remove_app", kwargs={"app_id": scim_app.pk})).status_code == 404
    )
