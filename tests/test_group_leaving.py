"""Leaving a group, a group losing an app, or the app's toggle turned off: a person keeps an
account while anything still grants it (another group, a direct assignment)."""

from django.urls import reverse

from apps_catalog.models import GroupApp
from groups.models import AssignmentSettings, Group, Membership
from groups.services import add_members
from provisioning import changes
from provisioning.models import AppAccount, Job
from provisioning.status import Status

from .lifecycle_helpers import remote_user, run_queued


def group_with(testco, name, app):
    group = Group.objects.create(organization=testco, name=name)
    GroupApp.objects.create(organization=testco, group=group, app=app)
    return group


def provisioned_by_groups(testco, scim_app, member, *names):
    scim_app.group_auto_provisioning = True
    scim_app.save()
    groups = [group_with(testco, name, scim_app) for name in names]
    for group in groups:
        add_members(group, [member], by=None)
    run_queued()
    return groups, AppAccount.objects.get(app=scim_app, user=member)


def test_leaving_one_of_two_granting_groups_changes_nothing(
    as_admin, testco, member, scim_app, scim_server
):
    (sales, support), account = provisioned_by_groups(testco, scim_app, member, "Sales", "Support")
    url = reverse("plan_leave_group", kwargs={"group_id": sales.pk, "user_id": member.pk})
    assert "changes no account" in as_admin.get(url).content.decode()
    as_admin.post(url)
    run_queued()
    assert not Membership.objects.filter(group=sales, user=member).exists()
    assert not Job.objects.filter(action=Job.Action.SUSPEND).exists()
    assert remote_user(scim_server, account).active is True


def test_leaving_the_only_granting_group_suspends(as_admin, testco, member, scim_app, scim_server):
    (sales,), account = provisioned_by_groups(testco, scim_app, member, "Sales")
    url = reverse("plan_leave_group", kwargs={"group_id": sales.pk, "user_id": member.pk})
    page = as_admin.get(url).content.decode()
    assert "will suspend accounts in SCIM app" in page and "no longer assigned" in page
    as_admin.post(url)
    run_queued()
    assert remote_user(scim_server, account).active is False
    assert AppAccount.objects.get(pk=account.pk).status == Status.SUSPENDED

    add_members(sales, [member], by=None)  # back in the group: the seat comes back
    run_queued()
    assert remote_user(scim_server, account).active is True
    assert AppAccount.objects.get(pk=account.pk).status == Status.ACTIVE


def test_a_direct_assignment_keeps_the_account_when_the_group_goes(
    as_admin, admin, testco, member, scim_app, scim_server
):
    (sales,), account = provisioned_by_groups(testco, scim_app, member, "Sales")
    changes.assign(scim_app, [member], admin)
    as_admin.post(reverse("plan_delete_group", kwargs={"group_id": sales.pk}))
    run_queued()
    assert not Group.objects.filter(pk=sales.pk).exists()
    assert remote_user(scim_server, account).active is True


def test_a_group_losing_the_app_suspends_its_members_seats(
    as_admin, testco, member, scim_app, scim_server
):
    (sales,), account = provisioned_by_groups(testco, scim_app, member, "Sales")
    url = reverse("plan_detach_app", kwargs={"group_id": sales.pk, "app_id": scim_app.pk})
    assert "Removing SCIM app from Sales" in as_admin.get(url).content.decode()
    as_admin.post(url)
    run_queued()
    assert not GroupApp.objects.filter(group=sales).exists()
    assert remote_user(scim_server, account).active is False


def test_turning_the_toggle_off_shows_the_plan_for_its_groups_seats(
    as_admin, testco, member, scim_app, scim_server
):
    provisioned_by_groups(testco, scim_app, member, "Sales")
    response = as_admin.post(
        reverse("app_settings", kwargs={"app_id": scim_app.pk}),
        {"name": scim_app.name, "sign_in_url": "", "username_convention": "", "deprovisioning": ""},
    )
    plan_url = reverse("plan_reconcile_app", kwargs={"app_id": scim_app.pk})
    assert response.status_code == 302 and response["Location"] == plan_url
    assert "will suspend accounts in SCIM app" in as_admin.get(plan_url).content.decode()
    as_admin.post(plan_url)
    run_queued()
    assert AppAccount.objects.get(app=scim_app).status == Status.SUSPENDED


def test_turning_the_mode_off_shows_the_plan(as_admin, testco, member, scim_app):
    settings = AssignmentSettings.for_organization(testco.pk)
    settings.group_auto_provisioning = "all"
    settings.save()
    provisioned_by_groups(testco, scim_app, member, "Sales")
    response = as_admin.post(
        reverse("assignment_settings"),
        {"group_auto_provisioning": "off", "username_convention": "email"},
    )
    assert response["Location"] == reverse("plan_reconcile_groups")
    page = as_admin.get(response["Location"]).content.decode()
    assert "will suspend accounts in SCIM app" in page


def test_unassigning_a_direct_app(as_admin, admin, member, scim_app, scim_server):
    changes.confirm(changes.Assign(member, scim_app), scim_app.organization_id, admin)
    run_queued()
    account = AppAccount.objects.get(app=scim_app, user=member)
    url = reverse("plan_unassign", kwargs={"user_id": member.pk, "app_id": scim_app.pk})
    assert "Unassigning SCIM app" in as_admin.get(url).content.decode()
    as_admin.post(url)
    run_queued()
    assert remote_user(scim_server, account).active is False
