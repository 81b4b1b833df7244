"""Queueing many (person, app) pairs is a few bulk statements, whatever the count."""

import math

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from provisioning.models import AccountEvent, AppAccount, Job
from provisioning.services import AccountRequest, queue_jobs

from .conftest import add_app


def people(organization, count):
    return User.objects.bulk_create(
        User(
            organization=organization,
            email=f"p{i}@testco.example",
            first_name="P",
            last_name=str(i),
        )
        for i in range(count)
    )


def queries_to_queue(app, persons):
    with CaptureQueriesContext(connection) as captured:
        queue_jobs(app, [AccountRequest(user=p) for p in persons], trigger="test")
    return len(captured)


def test_queueing_10_or_900_people_costs_the_same_queries(testco):
    small = queries_to_queue(add_app(testco, name="A"), people(testco, 10))
    User.objects.filter(organization=testco).delete()
    large = queries_to_queue(add_app(testco, name="B"), people(testco, 900))
    assert small == large <= 6
    assert Job.objects.filter(app__name="B").count() == 900
    assert AccountEvent.objects.filter(account__app__name="B").count() == 900


def test_people_already_provisioned_are_left_alone(testco, member):
    app = add_app(testco)
    queue_jobs(app, [AccountRequest(user=member)], trigger="test")
    assert queue_jobs(app, [AccountRequest(user=member)], trigger="again") == []
    assert AppAccount.objects.count() == 1


def test_a_failed_account_is_queued_again_with_a_lookup_first(testco, member):
    from provisioning.status import Status

    app = add_app(testco)
    queue_jobs(app, [AccountRequest(user=member)], trigger="test")
    AppAccount.objects.update(status=Status.FAILED)
    (job,) = queue_jobs(app, [AccountRequest(user=member)], trigger="retry")
    assert job.options["lookup_first"] is True
    assert AppAccount.objects.get().status == Status.PENDING


def test_big_batches_travel_in_chunks_that_keep_every_thread_busy(settings):
    from provisioning.services import chunk_size

    settings.WORKER_THREADS = 8
    settings.JOBS_PER_MESSAGE = 250
    assert chunk_size(3) == 1  # every job on its own thread
    assert chunk_size(160) == 20  # one chunk a thread
    assert chunk_size(2000) == 250
    # Over 8 x 250: chunks of at most 250, in a multiple of 8 (3 rounds of 8 here).
    assert chunk_size(5000) == 209 and math.ceil(5000 / 209) == 24
