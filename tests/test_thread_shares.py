"""One slow app cannot hold more than its share of a worker's threads, and one
organization's big batch steps aside (within a second) while another organization's jobs
are due."""

import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Organization
from provisioning import engine, shares
from provisioning.models import Job
from provisioning.services import AccountRequest, queue_jobs

from .conftest import add_app, make_user


@pytest.fixture
def fresh_app(vendor_app):
    """An app this process has not called yet."""
    shares._latency.pop(vendor_app.pk, None)
    yield vendor_app
    shares._latency.pop(vendor_app.pk, None)


def test_a_slow_app_gets_at_most_its_share(settings, testco, fresh_app):
    settings.SLOW_APP_MAX_THREADS = 1
    shares.note_call(fresh_app.pk, 0.05)
    with (
        shares.Share(testco.pk, fresh_app.pk) as first,
        shares.Share(testco.pk, fresh_app.pk) as second,
    ):
        assert not first.over() and not second.over()  # fast: no cap
        for _ in range(10):
            shares.note_call(fresh_app.pk, 30.0)  # it hangs
        assert not first.over() and second.over()
        assert second.may_start() is False and not second.keep()


def test_a_request_still_hanging_counts_before_it_ends(settings, testco, fresh_app):
    settings.SLOW_APP_MAX_THREADS, settings.SLOW_APP_SECONDS = 1, 0.05
    shares.note_call(fresh_app.pk, 0.01)  # fast so far
    with (
        shares.Share(testco.pk, fresh_app.pk) as first,
        shares.Share(testco.pk, fresh_app.pk) as second,
    ):
        with shares.calling(fresh_app.pk):  # the first chunk's request hangs
            assert not second.over()
            time.sleep(0.1)
            assert second.over() and not first.over()


def test_an_app_not_yet_heard_from_starts_on_its_share_only(settings, testco, fresh_app):
    """A vendor that hangs from the first request holds only its share of the threads: the
    chunks beyond it wait a moment for a first answer, then go back."""
    settings.SLOW_APP_MAX_THREADS = 1
    with (
        shares.Share(testco.pk, fresh_app.pk) as first,
        shares.Share(testco.pk, fresh_app.pk) as second,
    ):
        assert first.may_start()
        assert not second.may_start()  # no answer within LEARN_SECONDS

        # A first answer comes quickly: the others start without going back.
        answer = threading.Timer(0.1, shares.note_call, (fresh_app.pk, 0.05))
        answer.start()
        assert second.may_start()
        answer.join()


def test_an_organization_beyond_its_share_steps_aside_only_while_others_wait(
    settings, testco, vendor_app
):
    settings.ORG_MAX_THREADS = 1
    with (
        shares.Share(testco.pk, vendor_app.pk) as first,
        shares.Share(testco.pk, vendor_app.pk) as second,
    ):
        assert not second.over()  # nobody else is waiting: every thread may work
        other = Organization.objects.create(name="SmallCo")
        app = add_app(other, name="Their app")
        queue_jobs(app, [AccountRequest(user=make_user(other, "one@small.example"))], trigger="t")
        assert second.over() and not first.over()


def test_a_chunk_beyond_its_share_is_put_back_for_a_second(settings, testco, vendor_app):
    settings.ORG_MAX_THREADS = 0  # as if the organization's threads were all taken
    other = Organization.objects.create(name="SmallCo")
    queue_jobs(
        add_app(other, name="Their app"),
        [AccountRequest(user=make_user(other, "one@small.example"))],
        trigger="t",
    )
    people = [make_user(testco, f"p{i}@testco.example") for i in range(3)]
    jobs = queue_jobs(vendor_app, [AccountRequest(user=p) for p in people], trigger="t")
    before = timezone.now()
    assert engine.run_jobs([job.pk for job in jobs]) == ["bounced"] * 3
    for job in Job.objects.filter(app=vendor_app):
        assert job.state == Job.State.QUEUED and job.attempts == 0
        assert before < job.not_before <= before + timedelta(seconds=2)
