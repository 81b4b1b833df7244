"""A job reaches the vendor once, however often it is delivered or interrupted."""

import threading

import pytest
from django import db

from provisioning import engine, tasks, upkeep
from provisioning.connectors.scim import ScimConnector
from provisioning.models import AppAccount, Job
from provisioning.services import AccountRequest, queue_jobs
from provisioning.status import Status

from .test_engine_faults import make_due


def remote_users(server):
    return [r for r in server.storage.resources if type(r).__name__.startswith("User")]


@pytest.mark.django_db(transaction=True)
def test_the_same_job_delivered_twice_at_once_creates_one_remote_account(
    scim_app, scim_server, member, monkeypatch
):
    monkeypatch.setattr("provisioning.services.enqueue_on_commit", lambda *a, **k: None)
    (job,) = queue_jobs(scim_app, [AccountRequest(user=member)], trigger="test")
    results, barrier = [], threading.Barrier(2)

    def deliver():
        barrier.wait()
        try:
            results.extend(tasks.run_jobs(str(job.organization_id), [str(job.pk)]))
        finally:
            db.connection.close()  # this thread's own connection

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["not claimed", "succeeded"]
    assert len(remote_users(scim_server)) == 1


def test_a_finished_job_delivered_again_does_nothing(scim_app, scim_server, member):
    (job,) = queue_jobs(scim_app, [AccountRequest(user=member)], trigger="test")
    assert engine.run_job(job.pk) == "succeeded"
    assert engine.run_job(job.pk) == "not claimed"
    assert len(remote_users(scim_server)) == 1


def test_a_crash_between_the_vendors_create_and_our_commit_leaves_one_account(
    scim_app, scim_server, member, monkeypatch
):
    real_create = ScimConnector.create_account

    def create_then_crash(self, new_account):
        real_create(self, new_account)  # the vendor has the account now...
        raise RuntimeError("worker lost before commit")  # ...and we never recorded it

    monkeypatch.setattr(ScimConnector, "create_account", create_then_crash)
    (job,) = queue_jobs(scim_app, [AccountRequest(user=member)], trigger="test")
    assert engine.run_job(job.pk) == "retrying"
    assert len(remote_users(scim_server)) == 1
    account = AppAccount.objects.get(user=member)
    assert account.status == Status.PENDING and account.remote_id == ""

    monkeypatch.setattr(ScimConnector, "create_account", real_create)
    make_due(job)
    assert engine.run_job(job.pk) == "succeeded"  # looks up first, finds it, records it
    account.refresh_from_db()
    assert len(remote_users(scim_server)) == 1
    assert account.remote_id == remote_users(scim_server)[0].id
    assert (account.status, account.origin) == (Status.CREATED, AppAccount.Origin.CREATED)
    assert Job.objects.get(pk=job.pk).attempts == 2


def test_a_worker_that_died_mid_job_is_reclaimed_by_the_sweep(
    scim_app, scim_server, member, settings
):
    settings.JOB_LEASE_SECONDS = 0
    (job,) = queue_jobs(scim_app, [AccountRequest(user=member)], trigger="test")
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, attempts=1)  # died here
    upkeep.sweep()  # eager in this test: the re-enqueued job runs at once
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED
    assert len(remote_users(scim_server)) == 1
