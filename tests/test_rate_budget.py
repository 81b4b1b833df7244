"""Each app has a request budget: a big batch paces itself instead of collecting 429s."""

from datetime import timedelta

import responses
from django.utils import timezone

from provisioning import budget, engine
from provisioning.connectors.scim import ScimConnector
from provisioning.models import Connection, Job
from provisioning.services import AccountRequest, queue_jobs

from .conftest import make_user
from .scim_payloads import SCIM_JSON, USERS, user


def test_slots_are_spaced_by_the_apps_budget(vendor_app, testco):
    Connection.objects.filter(app=vendor_app).update(rate_limit_per_minute=60)
    people = [make_user(testco, f"p{i}@testco.example") for i in range(5)]
    jobs = queue_jobs(vendor_app, [AccountRequest(user=p) for p in people], trigger="test")
    connection = Connection.objects.get(app=vendor_app)
    start = timezone.now()
    waits = [(slot - start).total_seconds() for slot in budget.reserve_slots(connection, jobs)]
    assert waits[0] < 0.5
    for earlier, later in zip(waits, waits[1:], strict=False):
        assert 0.9 <= later - earlier <= 1.1  # 60 a minute: one a second
    connection.refresh_from_db()
    assert connection.next_slot_at >= start + timedelta(seconds=5)


def test_the_connectors_default_applies_without_an_override(vendor_app):
    connection = Connection.objects.get(app=vendor_app)
    assert connection.rate_limit_per_minute is None
    assert budget.request_interval(connection, vendor_app) == timedelta(
        seconds=60 / ScimConnector.default_rate_limit_per_minute
    )


@responses.activate
def test_a_job_beyond_its_slot_is_paced_then_keeps_its_place(vendor_app, member):
    responses.post(USERS, status=201, json=user("r1", member.email), content_type=SCIM_JSON)
    Connection.objects.filter(app=vendor_app).update(
        next_slot_at=timezone.now() + timedelta(seconds=30)
    )
    (job,) = queue_jobs(vendor_app, [AccountRequest(user=member)], trigger="test")
    assert engine.run_job(job.pk) == "paced"
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED and job.attempts == 0
    assert job.not_before == job.slot_at
    assert len(responses.calls) == 0  # nothing sent ahead of the budget
    next_slot = Connection.objects.get(app=vendor_app).next_slot_at

    # Its time comes: it runs in the place it reserved, without taking another.
    slot = timezone.now()
    Job.objects.filter(pk=job.pk).update(not_before=slot, slot_at=slot)
    assert engine.run_job(job.pk) == "succeeded"
    assert Connection.objects.get(app=vendor_app).next_slot_at == next_slot


def sleeps(monkeypatch):
    """The request clock's waits, recorded instead of slept."""
    waited = []
    monkeypatch.setattr(budget.time, "sleep", waited.append)
    return waited


def test_requests_take_places_on_the_request_clock(vendor_app, monkeypatch):
    Connection.objects.filter(app=vendor_app).update(
        rate_limit_per_minute=600, next_call_at=timezone.now() - timedelta(minutes=1)
    )  # 0.1 s apart, after a quiet minute
    connection = Connection.objects.get(app=vendor_app)
    pacer = budget.Pacer(connection, vendor_app)
    waited = sleeps(monkeypatch)
    started = timezone.now()
    for _ in range(8):
        pacer.wait_for_place()
    # After a quiet spell a small burst goes at once (the clock's tolerance of 0.2 s)...
    assert len(waited) <= 6
    # ...then each request waits for its place: 8 places span 0.8 s from 0.2 s ago.
    clock = Connection.objects.get(app=vendor_app).next_call_at
    assert started + timedelta(seconds=0.55) <= clock <= timezone.now() + timedelta(seconds=0.65)
    assert waited == sorted(waited) and 0.45 < waited[-1] < 0.55
    assert pacer.requests == 8


@responses.activate
def test_jobs_late_for_their_places_do_not_reach_the_vendor_at_once(
    vendor_app, testco, monkeypatch
):
    """After an outage, jobs whose planned places just passed keep them: the request clock
    still spaces their requests by the budget."""
    Connection.objects.filter(app=vendor_app).update(rate_limit_per_minute=600)
    people = [make_user(testco, f"late{i}@testco.example") for i in range(20)]
    for person in people:
        responses.post(
            USERS, status=201, json=user(f"r-{person.pk}", person.email), content_type=SCIM_JSON
        )
    jobs = queue_jobs(vendor_app, [AccountRequest(user=p) for p in people], trigger="test")
    late = timezone.now() - timedelta(seconds=2)  # all 20 places within the last 2 s
    Job.objects.filter(app=vendor_app).update(slot_at=late, not_before=late)
    waited = sleeps(monkeypatch)
    outcomes = engine.run_jobs([job.pk for job in jobs])
    assert outcomes == ["succeeded"] * 20 and len(responses.calls) == 20
    # 20 requests at 10 a second: all but the first few waited, 1.6 s or more in all.
    assert sum(waited) >= 1.5


@responses.activate
def test_requests_beyond_one_per_job_take_places_in_the_plan(vendor_app, member, monkeypatch):
    """A second attempt looks the account up before it creates it: two requests, two places."""
    Connection.objects.filter(app=vendor_app).update(rate_limit_per_minute=60)
    responses.get(
        USERS, json={"schemas": [], "totalResults": 0, "Resources": []}, content_type=SCIM_JSON
    )
    responses.post(USERS, status=201, json=user("r1", member.email), content_type=SCIM_JSON)
    (job,) = queue_jobs(vendor_app, [AccountRequest(user=member)], trigger="test")
    Job.objects.filter(pk=job.pk).update(attempts=1)  # an earlier attempt was cut short
    sleeps(monkeypatch)
    before = timezone.now()
    assert engine.run_job(job.pk) == "succeeded"
    assert [call.request.method for call in responses.calls] == ["GET", "GET", "POST"]
    # One place for the job, one each for the requests beyond its first.
    assert Connection.objects.get(app=vendor_app).next_slot_at >= before + timedelta(seconds=3)


@responses.activate
def test_a_job_with_no_place_soon_goes_back_uncounted(vendor_app, member, monkeypatch):
    responses.post(USERS, status=201, json=user("r1", member.email), content_type=SCIM_JSON)
    Connection.objects.filter(app=vendor_app).update(
        next_call_at=timezone.now() + timedelta(seconds=60)  # a long reading took the budget
    )
    (job,) = queue_jobs(vendor_app, [AccountRequest(user=member)], trigger="test")
    assert engine.run_job(job.pk) == "retrying"
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED and job.attempts == 0
    assert "request budget" in job.last_error
    assert len(responses.calls) == 0
