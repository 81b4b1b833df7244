"""Every side effect the console promises has a row that says it is due, and the sweeps
finish it whatever was lost: a broker that is down when work is handed over, a welcome
task that vanished, an email a dead worker was sending. Nothing is sent twice."""

from datetime import timedelta
from unittest import mock

from django.utils import timezone

from notifications import sending
from notifications.models import Email
from notifications.services import queue_email
from provisioning import upkeep
from provisioning.models import AppAccount, Job
from provisioning.services import AccountRequest, queue_jobs
from provisioning.status import Status

BROKER_DOWN = mock.patch(
    "celery.app.task.Task.apply_async", side_effect=ConnectionError("broker down")
)


def an_email(member, testco):
    return queue_email(
        [member.email],
        "accounts/email/activation_subject.txt",
        "accounts/email/activation.txt",
        None,
        {"person": member, "organization": testco, "url": "http://x/activate/t/"},
        organization_id=testco.pk,
    )


def test_an_email_handed_over_while_the_broker_is_down_is_sent_by_the_sweep(
    testco, member, committed
):
    with BROKER_DOWN, committed():  # no exception reaches the admin's request
        email = an_email(member, testco)
    assert Email.objects.get().state == "queued"
    assert sending.sweep() == []  # fresh: its own message may still come
    Email.objects.update(created_at=timezone.now() - timedelta(minutes=1))
    assert sending.sweep() == [str(email.pk)]
    assert sending.send(sending.sweep()) == 1
    assert Email.objects.get().state == "sent"
    assert sending.send([str(email.pk)]) == 0  # never twice


def test_an_email_a_dead_worker_was_sending_is_taken_back(testco, member):
    email = an_email(member, testco)
    Email.objects.update(
        state="sending",
        lease_until=timezone.now() - timedelta(seconds=1),
        created_at=timezone.now() - timedelta(minutes=5),
    )
    assert sending.sweep() == [str(email.pk)]
    assert sending.send([str(email.pk)]) == 1


def test_jobs_handed_over_while_the_broker_is_down_are_sent_by_the_sweep(
    scim_app, member, committed
):
    with BROKER_DOWN, committed():
        queue_jobs(scim_app, [AccountRequest(user=member)], trigger="test")
    job = Job.objects.get()
    assert job.state == Job.State.QUEUED and job.enqueued_at is None  # says: not sent
    with mock.patch("provisioning.upkeep.enqueue") as enqueue:
        assert upkeep.sweep() == 1
    enqueue.assert_called_once_with(job.organization_id, [job.pk], None)


def test_a_lost_welcome_is_sent_by_the_sweep_once(scim_app, scim_server, member, committed):
    from provisioning import engine

    (job,) = queue_jobs(scim_app, [AccountRequest(user=member)], trigger="test")
    with mock.patch("provisioning.welcome.schedule"):  # its message is lost
        assert engine.run_job(job.pk) == "succeeded"
    AppAccount.objects.update(updated_at=timezone.now() - timedelta(minutes=5))
    for _ in range(2):  # two sweeps: one email
        with committed():
            upkeep.sweep()
    welcome = Email.objects.get()
    assert welcome.to == member.email and welcome.subject == "TestCo set up 1 new app for you"
    assert AppAccount.objects.get().welcomed_at is not None


def test_a_reserved_place_long_past_is_given_up_for_a_new_one(vendor_app, member):
    from provisioning.budget import reserve_slots
    from provisioning.models import Connection

    (job,) = queue_jobs(vendor_app, [AccountRequest(user=member)], trigger="test")
    job.slot_at = timezone.now() - timedelta(minutes=10)  # held up by an outage
    connection = Connection.objects.get(app=vendor_app)
    Connection.objects.filter(pk=connection.pk).update(
        next_slot_at=timezone.now() + timedelta(seconds=30)
    )
    connection.refresh_from_db()
    (slot,) = reserve_slots(connection, [job])
    assert slot >= timezone.now() + timedelta(seconds=29)  # behind the others, not first


def test_a_job_paced_far_ahead_gets_no_message_the_sweep_sends_it_ahead(vendor_app, member):
    from provisioning.engine import release

    (job,) = queue_jobs(vendor_app, [AccountRequest(user=member)], trigger="test")
    job.slot_at = timezone.now() + timedelta(minutes=30)
    with mock.patch("provisioning.engine.enqueue_on_commit") as enqueue:
        release([job])
    enqueue.assert_not_called()
    job.refresh_from_db()
    assert job.enqueued_at is None and job.not_before == job.slot_at
    with mock.patch("provisioning.upkeep.enqueue") as enqueue:
        upkeep.sweep()
    enqueue.assert_not_called()  # half an hour out: not yet

    # Within the minute before its place, the sweep sends it, due at its second.
    place = timezone.now() + timedelta(seconds=30.5)
    Job.objects.filter(pk=job.pk).update(not_before=place, slot_at=place)
    with mock.patch("provisioning.upkeep.enqueue") as enqueue:
        upkeep.sweep()
    enqueue.assert_called_once_with(job.organization_id, [job.pk], place.replace(microsecond=0))
    job.refresh_from_db()
    assert job.enqueued_at == place.replace(microsecond=0)  # not sent again until then + 40 s
    with mock.patch("provisioning.upkeep.enqueue") as enqueue:
        upkeep.sweep()
    enqueue.assert_not_called()


def test_a_seat_recovered_after_a_crash_says_its_password_was_lost(
    scim_app, scim_server, member, as_member
):
    from django.urls import reverse

    from provisioning import engine
    from provisioning.connectors.base import NewAccount
    from provisioning.connectors.scim import ScimConnector

    from .conftest import SCIM_TOKEN

    (job,) = queue_jobs(scim_app, [AccountRequest(user=member)], trigger="test")
    # The killed attempt created the account (and its password) before it died.
    ScimConnector.build({"base_url": scim_server.url, "token": SCIM_TOKEN}).create_account(
        NewAccount(email=member.email, username=member.email, first_name="B", last_name="M")
    )
    Job.objects.filter(pk=job.pk).update(attempts=1)
    assert engine.run_job(job.pk) == "succeeded"
    account = AppAccount.objects.get()
    assert account.status == Status.CREATED and account.secrets == {"password_lost": True}
    page = as_member.get(reverse("my_apps")).content.decode()
    assert "temporary password set for it was lost" in page
    assert "Reveal temporary password" not in page
