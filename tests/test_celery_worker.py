"""The engine through a real Celery worker and broker (Redis in CI)."""

import pytest

from provisioning import tasks, upkeep
from provisioning.models import AppAccount, Connection, Job
from provisioning.services import AccountRequest, queue_jobs
from provisioning.status import Status

from .conftest import make_user, wait_for, wait_until_settled

pytestmark = pytest.mark.django_db(transaction=True)


def all_jobs_succeeded():
    return not Job.objects.exclude(state=Job.State.SUCCEEDED).exists()


def remote_users(server):
    return [r for r in server.storage.resources if type(r).__name__.startswith("User")]


def test_the_worker_provisions_a_batch(celery_worker, scim_app, scim_server, testco):
    Connection.objects.filter(app=scim_app).update(rate_limit_per_minute=60_000)
    people = [make_user(testco, f"p{i}@testco.example", first=f"P{i}") for i in range(25)]
    queue_jobs(scim_app, [AccountRequest(user=p) for p in people], trigger="test")
    wait_for(all_jobs_succeeded)
    assert sorted(u.user_name for u in remote_users(scim_server)) == sorted(p.email for p in people)
    assert set(AppAccount.objects.values_list("status", flat=True)) == {Status.CREATED}
    wait_until_settled()


def test_a_message_delivered_twice_creates_one_account(
    celery_worker, scim_app, scim_server, member, monkeypatch
):
    monkeypatch.setattr("provisioning.services.enqueue_on_commit", lambda *a, **k: None)
    (job,) = queue_jobs(scim_app, [AccountRequest(user=member)], trigger="test")
    for _ in range(2):
        tasks.run_jobs.delay(str(job.organization_id), [str(job.pk)])
    wait_for(all_jobs_succeeded)
    assert len(remote_users(scim_server)) == 1
    wait_until_settled()


def test_losing_the_broker_loses_no_work(celery_worker, scim_app, scim_server, testco, settings):
    settings.JOB_REQUEUE_SECONDS = 0
    people = [make_user(testco, f"q{i}@testco.example") for i in range(5)]
    celery_worker.conf.task_always_eager = False
    from unittest import mock

    with mock.patch("provisioning.services.enqueue_on_commit"):  # the messages never arrive
        queue_jobs(scim_app, [AccountRequest(user=p) for p in people], trigger="test")
    assert Job.objects.filter(state=Job.State.QUEUED).count() == 5
    tasks.sweep.delay()  # what Celery beat sends every SWEEP_INTERVAL_SECONDS
    wait_for(all_jobs_succeeded)
    assert len(remote_users(scim_server)) == 5
    assert upkeep.sweep() == 0
    wait_until_settled()
