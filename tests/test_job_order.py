"""An account's jobs run one at a time, in the order they were queued: a suspension queued
while the create is still waiting runs after it, never beside it."""

from django.urls import reverse

from provisioning import engine
from provisioning.changes import assign
from provisioning.models import AppAccount, Job
from provisioning.plans import Step
from provisioning.runs import queue_lifecycle
from provisioning.services import AccountRequest, queue_jobs
from provisioning.status import Status

from .lifecycle_helpers import remote_user


def test_a_suspension_waits_for_the_create_before_it(scim_app, scim_server, member):
    (create,) = queue_jobs(scim_app, [AccountRequest(user=member)], trigger="test")
    account = AppAccount.objects.get(user=member)
    step = Step("suspend", member.pk, scim_app.pk, account.pk)
    (suspend,) = queue_lifecycle([step], scim_app.organization_id, trigger="test", by=None)
    assert engine.run_jobs([suspend.pk]) == ["not claimed"]  # its create comes first
    assert engine.run_jobs([create.pk, suspend.pk]) == ["succeeded", "not claimed"]
    assert engine.run_jobs([suspend.pk]) == ["succeeded"]
    account.refresh_from_db()
    assert account.status == Status.SUSPENDED
    assert remote_user(scim_server, account).active is False


def test_a_seat_not_created_yet_is_cancelled_not_created_then_suspended(
    as_admin, scim_app, scim_server, member
):
    queue_jobs(scim_app, [AccountRequest(user=member)], trigger="test")
    assign(scim_app, [member], None)
    page = as_admin.get(reverse("plan_deactivate", kwargs={"user_id": member.pk})).content.decode()
    assert "Cancel the seat (not created yet)" in page
    as_admin.post(reverse("plan_deactivate", kwargs={"user_id": member.pk}))
    account = AppAccount.objects.get(user=member)
    assert account.status == Status.DEPROVISIONED
    assert Job.objects.get().state == Job.State.FAILED
    assert scim_server.storage.resources == []
