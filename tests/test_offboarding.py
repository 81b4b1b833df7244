"""Deactivating a person shows the plan for all their apps and, on Confirm, suspends their
accounts in the real SCIM server; reactivating restores what their assignments say."""

from django.urls import reverse

from provisioning import changes
from provisioning.models import AccountEvent, AppAccount, Job
from provisioning.status import Status

from .conftest import add_app
from .lifecycle_helpers import remote_user, run_queued


def assign(app, person, by):
    changes.confirm(changes.Assign(person, app), app.organization_id, by)
    run_queued()
    return AppAccount.objects.get(app=app, user=person)


def test_deactivating_shows_the_plan_and_changes_nothing_until_confirmed(
    as_admin, admin, member, scim_app, scim_server
):
    account = assign(scim_app, member, admin)
    page = as_admin.get(reverse("plan_deactivate", kwargs={"user_id": member.pk}))
    text = page.content.decode()
    assert f"Deactivating {member.full_name} will suspend accounts in SCIM app." in text
    assert "Suspend" in text and "deactivated" in text and "Confirm" in text
    member.refresh_from_db()
    assert member.is_active and not Job.objects.filter(action=Job.Action.SUSPEND).exists()
    assert remote_user(scim_server, account).active is True


def test_confirm_suspends_the_account_in_the_app_and_reactivating_restores_it(
    as_admin, admin, member, scim_app, scim_server
):
    account = assign(scim_app, member, admin)
    response = as_admin.post(reverse("plan_deactivate", kwargs={"user_id": member.pk}))
    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.is_active
    run_queued()
    account.refresh_from_db()
    assert account.status == Status.SUSPENDED and account.secrets == {}
    assert remote_user(scim_server, account).active is False
    event = AccountEvent.objects.filter(account=account).last()
    assert (event.from_status, event.to_status) == (Status.CREATED, Status.SUSPENDED)
    assert event.actor == admin and event.job.trigger == "person deactivated"

    as_admin.post(reverse("plan_reactivate", kwargs={"user_id": member.pk}))
    run_queued()
    account.refresh_from_db()
    assert account.status == Status.ACTIVE
    assert remote_user(scim_server, account).active is True


def test_the_persons_page_lists_their_apps_and_why(as_admin, admin, member, scim_app):
    account = assign(scim_app, member, admin)
    part = as_admin.get(reverse("person_apps", kwargs={"user_id": member.pk})).content.decode()
    assert "SCIM app" in part and "Created" in part and "assigned directly" in part
    assert reverse("plan_suspend_account", kwargs={"account_id": account.pk}) in part
    assert reverse("plan_unassign", kwargs={"user_id": member.pk, "app_id": scim_app.pk}) in part
    as_admin.post(reverse("plan_deactivate", kwargs={"user_id": member.pk}))
    run_queued()
    part = as_admin.get(reverse("person_apps", kwargs={"user_id": member.pk})).content.decode()
    assert "Suspended" in part  # and no per-account action while the person is deactivated
    assert reverse("plan_reactivate_account", kwargs={"account_id": account.pk}) not in part


def test_an_app_that_cannot_suspend_gets_a_to_do_the_admin_ticks_off(
    as_admin, admin, member, testco, scim_app
):
    """GitHub cannot suspend; with its setting at "suspend" the step becomes a to-do."""
    github = add_app(testco, catalog_key="github", name="GitHub")
    github.deprovisioning = "suspend"
    github.save()
    AppAccount.objects.create(
        organization=testco,
        app=github,
        user=member,
        email=member.email,
        remote_id="invitation:7",
        status=Status.INVITED,
    )
    changes.assign(github, [member], admin)
    page = as_admin.get(reverse("plan_deactivate", kwargs={"user_id": member.pk})).content.decode()
    assert "GitHub cannot suspend: a to-do will be listed" in page
    as_admin.post(reverse("plan_deactivate", kwargs={"user_id": member.pk}))
    approvals = as_admin.get(reverse("approvals")).content.decode()
    assert "Suspend the account in GitHub by hand" in approvals
    todo = AppAccount.objects.get(app=github).todos.get()
    as_admin.post(reverse("todo_done", kwargs={"todo_id": todo.pk}))
    assert AppAccount.objects.get(app=github).status == Status.SUSPENDED
    assert not Job.objects.filter(app=github).exists()  # nothing was sent to GitHub


def test_a_delete_policy_deletes_the_user_from_the_app(
    as_admin, admin, member, scim_app, scim_server
):
    scim_app.deprovisioning = "delete"
    scim_app.save()
    account = assign(scim_app, member, admin)
    as_admin.post(reverse("plan_deactivate", kwargs={"user_id": member.pk}))
    run_queued()
    account.refresh_from_db()
    assert account.status == Status.DEPROVISIONED
    assert remote_user(scim_server, account) is None


def test_a_leave_alone_policy_sends_nothing(as_admin, admin, member, scim_app, scim_server):
    scim_app.deprovisioning = "leave"
    scim_app.save()
    account = assign(scim_app, member, admin)
    as_admin.post(reverse("plan_deactivate", kwargs={"user_id": member.pk}))
    run_queued()
    assert remote_user(scim_server, account).active is True
    assert not Job.objects.filter(action=Job.Action.SUSPEND).exists()


def test_an_account_already_gone_from_the_app_counts_as_suspended(
    as_admin, admin, member, scim_app, scim_server
):
    account = assign(scim_app, member, admin)
    scim_server.storage.resources = []  # someone deleted it in the app
    as_admin.post(reverse("plan_deactivate", kwargs={"user_id": member.pk}))
    run_queued()
    account.refresh_from_db()
    assert account.status == Status.DEPROVISIONED
    assert "Already gone from the app." in account.events.last().message
