"""A plan of a few hundred steps or more is made and run by the worker, with progress; the
change is rebuilt there from its ids."""

from django.urls import reverse

from apps_catalog.models import GroupApp
from groups.models import AssignmentSettings
from provisioning import background, changes
from provisioning.models import BackgroundAction, Job

from .test_plan_queries import group_of


def test_a_big_removal_runs_in_the_background(as_admin, testco, django_capture_on_commit_callbacks):
    settings = AssignmentSettings.for_organization(testco.pk)
    settings.approval_threshold, settings.approval_threshold_percent = 10_000, 100
    settings.save()
    group = group_of(testco, 70)  # 70 people x 3 apps = 210 suspensions
    app = GroupApp.objects.filter(group=group).first().app
    url = reverse("plan_delete_group", kwargs={"group_id": group.pk})
    assert "will suspend accounts in" in as_admin.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        response = as_admin.post(url)
    action = BackgroundAction.objects.get()
    assert response.url == reverse("background_action", kwargs={"action_id": action.pk})
    assert action.params == {"change": "DeleteGroup", "group": str(group.pk)}
    assert not Job.objects.exists()  # nothing made in the request
    with django_capture_on_commit_callbacks(execute=False):
        assert background.run(action.pk) == "done"
    action.refresh_from_db()
    assert action.message.startswith("Done. Deleting the group Team 70 will suspend accounts")
    assert Job.objects.filter(action=Job.Action.SUSPEND).count() == 210
    assert not GroupApp.objects.filter(app=app).exists()


def test_every_change_can_be_rebuilt_from_its_params(testco, admin, member, scim_app):
    group = group_of(testco, 2)
    account = scim_app.accounts.create(organization=testco, user=member, email=member.email)
    made = [
        changes.Deactivate(member),
        changes.Reactivate(member),
        changes.LeaveGroup(group, member),
        changes.DetachApp(group, scim_app),
        changes.DeleteGroup(group),
        changes.Unassign(member, scim_app),
        changes.Assign(member, scim_app),
        changes.ReconcileApp(scim_app),
        changes.ReconcileGroups(testco.pk),
        changes.AccountAction(account, "suspend"),
        changes.RemoveApp(scim_app, "delete"),
    ]
    for change in made:
        again = changes.rebuild(change.params())
        assert type(again) is type(change) and again.title == change.title
