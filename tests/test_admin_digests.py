"""Admins are told by email: a connection that breaks (once per break), and a batch that
ended with failures (one digest per app when its work settles, not one email per account)."""

from datetime import timedelta

import responses
from django.utils import timezone

from notifications.models import Email
from provisioning import digests, engine, upkeep
from provisioning.models import Connection, Job
from provisioning.services import AccountRequest, queue_jobs

from .conftest import make_user
from .scim_payloads import USERS


def people(organization, count, prefix="p"):
    return [make_user(organization, f"{prefix}{i}@testco.example") for i in range(count)]


def queue(app, persons):
    return queue_jobs(app, [AccountRequest(user=p) for p in persons], trigger="test")


def fail(jobs, when=None):
    when = when or timezone.now()
    for job in jobs:
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.FAILED, finished_at=when, last_error="userName is taken (409)."
        )


def to(address):
    return Email.objects.filter(to=address)


@responses.activate
def test_a_broken_connection_is_told_once_to_each_admin(admin, testco, vendor_app, monkeypatch):
    monkeypatch.setattr("provisioning.services.enqueue", lambda *a, **k: None)
    second_admin = make_user(testco, "second@testco.example", role="admin")
    responses.post(USERS, status=401, json={"detail": "Token revoked"})
    jobs = queue(vendor_app, people(testco, 3))
    engine.run_jobs([job.pk for job in jobs])
    connection = Connection.objects.get(app=vendor_app)
    assert connection.state == Connection.State.BROKEN
    engine.mark_broken(connection, "again")  # another chunk hears the 401 too
    for address in (admin.email, second_admin.email):
        (email,) = to(address)
        assert email.subject == "Vendor SCIM: the connection failed"
        assert "Token revoked" in email.body and "3 jobs wait for working credentials" in email.body
        assert f"/apps/{vendor_app.pk}/assign/?step=credentials" in email.body
        assert "vendor-secret-token-123" not in email.body


def test_a_batch_with_failures_gets_one_digest_once_it_settles(admin, testco, vendor_app):
    batch = queue(vendor_app, people(testco, 4))
    fail(batch[:2])
    assert upkeep.sweep() is not None
    assert not to(admin.email).exists()  # two jobs of the batch are still queued
    Job.objects.filter(pk__in=[j.pk for j in batch[2:]]).update(
        state=Job.State.SUCCEEDED, finished_at=timezone.now()
    )
    digests.send_failure_digests()
    (email,) = to(admin.email)
    assert email.subject == "Vendor SCIM: 2 accounts could not be provisioned"
    assert "- p0@testco.example: userName is taken (409)." in email.body
    assert f"/apps/{vendor_app.pk}/users/?status=failed" in email.body
    digests.send_failure_digests()  # told already
    assert to(admin.email).count() == 1


def test_a_digest_does_not_wait_for_ever_behind_a_trickle_of_work(admin, testco, vendor_app):
    batch = queue(vendor_app, people(testco, 2))
    fail(batch[:1], when=timezone.now() - digests.LONGEST_WAIT - timedelta(minutes=1))
    Connection.objects.filter(app=vendor_app).update(
        failures_told_at=timezone.now() - timedelta(days=1)
    )
    digests.send_failure_digests()
    assert to(admin.email).count() == 1


def test_failures_before_the_last_digest_are_not_told_again(admin, testco, vendor_app):
    fail(queue(vendor_app, people(testco, 1)), when=timezone.now() - timedelta(hours=2))
    Connection.objects.filter(app=vendor_app).update(
        failures_told_at=timezone.now() - timedelta(hours=1)
    )
    digests.send_failure_digests()
    assert not Email.objects.exists()


def test_another_organizations_admins_hear_nothing(admin, other_admin, testco, vendor_app):
    fail(queue(vendor_app, people(testco, 2)))
    digests.send_failure_digests()
    assert to(admin.email).count() == 1 and not to(other_admin.email).exists()


def test_a_long_rejection_breaks_the_connection_with_its_reason_cut(admin, vendor_app):
    connection = Connection.objects.get(app=vendor_app)
    engine.mark_broken(connection, "The app rejected the credentials (401). " + "x" * 2000)
    connection.refresh_from_db()
    assert connection.state == Connection.State.BROKEN
    assert len(connection.state_message) == 500
    (email,) = to(admin.email)
    assert "x" * 1000 in email.body  # the admins read the whole answer
