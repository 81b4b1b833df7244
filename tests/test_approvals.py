"""A plan that would suspend or delete more than the organization's threshold is not run:
it waits on Pending Approvals, approved or rejected whole. Rejected, it sends nothing."""

from django.urls import reverse

from apps_catalog.models import GroupApp
from groups.models import AssignmentSettings, Group
from groups.services import add_members
from provisioning import plans
from provisioning.models import AppAccount, Job, Plan
from provisioning.status import Status

from .conftest import make_user
from .lifecycle_helpers import run_queued


def big_group(testco, scim_app, size):
    scim_app.group_auto_provisioning = True
    scim_app.save()
    group = Group.objects.create(organization=testco, name="Contractors")
    GroupApp.objects.create(organization=testco, group=group, app=scim_app)
    people = [make_user(testco, f"c{i}@testco.example", first=f"C{i}") for i in range(size)]
    add_members(group, people, by=None)
    run_queued()
    return group


def set_threshold(testco, accounts, percent=20):
    settings = AssignmentSettings.for_organization(testco.pk)
    settings.approval_threshold, settings.approval_threshold_percent = accounts, percent
    settings.save()


def live_remote(scim_server):
    return sum(1 for r in scim_server.storage.resources if r.active)


def test_a_removal_over_the_threshold_waits_and_sends_nothing(
    as_admin, admin, testco, scim_app, scim_server
):
    set_threshold(testco, 3)
    group = big_group(testco, scim_app, 5)
    url = reverse("plan_detach_app", kwargs={"group_id": group.pk, "app_id": scim_app.pk})
    preview = as_admin.get(url).content.decode()
    assert "It would suspend or delete 5 accounts, more than the 3" in preview
    response = as_admin.post(url, follow=True)
    assert "The plan waits on Pending Approvals: nothing was sent." in response.content.decode()
    run_queued()
    assert not Job.objects.filter(action=Job.Action.SUSPEND).exists()
    assert live_remote(scim_server) == 5
    plan = Plan.objects.get()
    assert plan.state == Plan.State.AWAITING and plan.counts == {"suspend": 5}
    assert not GroupApp.objects.filter(group=group).exists()  # the change itself is made

    listing = as_admin.get(reverse("approvals")).content.decode()
    assert "will suspend accounts in SCIM app" in listing
    as_admin.post(reverse("plan_detail", kwargs={"plan_id": plan.pk}), {"decision": "approve"})
    run_queued()
    assert live_remote(scim_server) == 0
    assert set(AppAccount.objects.values_list("status", flat=True)) == {Status.SUSPENDED}
    plan.refresh_from_db()
    assert plan.state == Plan.State.APPROVED and plan.decided_by == admin


def test_a_rejected_plan_never_sends(as_admin, testco, scim_app, scim_server):
    set_threshold(testco, 3)
    group = big_group(testco, scim_app, 5)
    as_admin.post(reverse("plan_detach_app", kwargs={"group_id": group.pk, "app_id": scim_app.pk}))
    plan = Plan.objects.get()
    as_admin.post(reverse("plan_detail", kwargs={"plan_id": plan.pk}), {"decision": "reject"})
    run_queued()
    assert live_remote(scim_server) == 5
    assert not Job.objects.filter(action=Job.Action.SUSPEND).exists()
    plan.refresh_from_db()
    assert plan.state == Plan.State.REJECTED
    response = as_admin.post(
        reverse("plan_detail", kwargs={"plan_id": plan.pk}), {"decision": "approve"}, follow=True
    )
    assert "already decided" in response.content.decode()
    run_queued()
    assert live_remote(scim_server) == 5


def test_the_percent_rule_counts_from_ten_accounts_of_one_app(testco, scim_app, member):
    set_threshold(testco, 1000, percent=20)
    group = big_group(testco, scim_app, 12)
    leavers = list(group.memberships.values_list("user_id", flat=True))
    small = plans.reconcile(leavers[:2], testco.pk, title="Two leave")
    for step in small.steps:  # as if they had left
        step.action = "suspend"
    assert plans.needs_approval(small, testco.pk) == ""  # 2 of 12: too few to count
    Job.objects.all().delete()
    GroupApp.objects.filter(group=group).delete()
    many = plans.reconcile(leavers[:10], testco.pk, title="Ten leave")
    assert len(many.destructive()) == 10
    assert "10 of SCIM app's 12 accounts (83%)" in plans.needs_approval(many, testco.pk)


def test_the_thresholds_are_settings(as_admin, testco):
    as_admin.post(
        reverse("assignment_settings"),
        {
            "group_auto_provisioning": "per_app",
            "username_convention": "email",
            "approval_threshold": "40",
            "approval_threshold_percent": "10",
        },
    )
    settings = AssignmentSettings.for_organization(testco.pk)
    assert (settings.approval_threshold, settings.approval_threshold_percent) == (40, 10)
    page = as_admin.post(
        reverse("assignment_settings"),
        {"group_auto_provisioning": "per_app", "approval_threshold_percent": "150"},
    ).content.decode()
    assert "less than or equal to 100" in page
