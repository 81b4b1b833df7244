"""How the engine meets a vendor's faults (replayed with `responses`)."""

from datetime import timedelta

import pytest
import requests
import responses
from django.utils import timezone

from provisioning import budget, engine
from provisioning.models import AppAccount, Connection, Job
from provisioning.services import AccountRequest, connect, queue_jobs
from provisioning.status import Status

from .conftest import make_user
from .scim_payloads import BASE, SCIM_JSON, USERS, error, list_response, register_discovery, user


def queue(app, *people):
    return queue_jobs(app, [AccountRequest(user=p) for p in people], trigger="test")


def make_due(job):
    """Time passes: the job's backoff is over."""
    Job.objects.filter(pk=job.pk).update(not_before=timezone.now())


def time_passes(connection):
    """The app's pause and its budget clock are over."""
    Connection.objects.filter(pk=connection.pk).update(
        next_slot_at=timezone.now(), paused_until=None
    )
    budget._paused.pop(connection.pk, None)


def empty_lookup():
    responses.get(USERS, json=list_response(), content_type=SCIM_JSON)


@responses.activate
def test_429_is_retried_no_sooner_than_retry_after(vendor_app, member):
    responses.post(
        USERS,
        status=429,
        headers={"Retry-After": "120"},
        json=error(429, "Too many requests"),
        content_type=SCIM_JSON,
    )
    (job,) = queue(vendor_app, member)
    before = timezone.now()
    assert engine.run_job(job.pk) == "retrying"
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED
    assert job.not_before >= before + timedelta(seconds=120)
    assert "rate limiting us (429)" in job.last_error
    assert engine.run_job(job.pk) == "not claimed"  # too early: nothing is sent
    assert len(responses.calls) == 1
    connection = Connection.objects.get(app=vendor_app)
    assert connection.next_slot_at >= before + timedelta(seconds=120)  # the app slows down
    assert connection.paused_until >= before + timedelta(seconds=120)  # the whole app waits

    responses.replace(
        responses.POST, USERS, status=201, json=user("r1", member.email), content_type=SCIM_JSON
    )
    empty_lookup()
    make_due(job)
    time_passes(connection)
    assert engine.run_job(job.pk) == "succeeded"
    assert AppAccount.objects.get(user=member).status == Status.CREATED


def test_retry_after_as_an_http_date_is_understood():
    from email.utils import format_datetime

    from provisioning.connectors.http import parse_retry_after

    later = format_datetime(timezone.now() + timedelta(seconds=90), usegmt=True)
    assert 85 <= parse_retry_after(later) <= 91
    assert parse_retry_after("7") == 7
    assert parse_retry_after("soon") is None


@responses.activate
def test_500s_are_retried_with_growing_backoff_then_fail_with_a_readable_reason(
    vendor_app, member, settings
):
    settings.RETRY_BASE_SECONDS = 10
    settings.RETRY_MAX_SECONDS = 10_000
    responses.post(
        USERS, status=500, json=error(500, "Database unavailable"), content_type=SCIM_JSON
    )
    empty_lookup()
    (job,) = queue(vendor_app, member)
    for attempt in range(1, settings.JOB_MAX_ATTEMPTS):
        started = timezone.now()
        assert engine.run_job(job.pk) == "retrying"
        job.refresh_from_db()
        ceiling = 10 * 2 ** (attempt - 1)
        waited = (job.not_before - started).total_seconds()
        assert ceiling / 2 - 1 <= waited <= ceiling + 1, (attempt, waited)
        make_due(job)
    assert engine.run_job(job.pk) == "failed"
    account = AppAccount.objects.get(user=member)
    assert account.status == Status.FAILED
    assert account.last_error == (
        "The app had an error (500). The app said: Database unavailable "
        f"Gave up after {settings.JOB_MAX_ATTEMPTS} attempts."
    )
    posts = [c for c in responses.calls if c.request.method == "POST"]
    assert len(posts) == settings.JOB_MAX_ATTEMPTS


@responses.activate
def test_timeouts_are_retried_then_fail(vendor_app, member, settings):
    settings.JOB_MAX_ATTEMPTS = 2
    responses.post(USERS, body=requests.ReadTimeout("read timed out"))
    empty_lookup()
    (job,) = queue(vendor_app, member)
    assert engine.run_job(job.pk) == "retrying"
    make_due(job)
    assert engine.run_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.last_error.startswith("The app did not answer within 30.0 seconds.")


@responses.activate
def test_401_marks_the_app_broken_and_holds_its_other_jobs_until_fixed(vendor_app, testco):
    people = [make_user(testco, f"p{i}@testco.example") for i in range(3)]
    responses.post(USERS, status=401, json=error(401, "Invalid token"), content_type=SCIM_JSON)
    jobs = queue(vendor_app, *people)
    assert engine.run_job(jobs[0].pk) == "held"
    connection = Connection.objects.get(app=vendor_app)
    assert connection.state == Connection.State.BROKEN
    assert "rejected the credentials (401)" in connection.state_message
    assert set(Job.objects.values_list("state", flat=True)) == {Job.State.HELD}
    assert engine.run_job(jobs[1].pk) == "not claimed"
    assert len(responses.calls) == 1
    assert AppAccount.objects.get(user=people[0]).status == Status.PENDING

    # The admin types a working token: the connection test passes and the jobs resume.
    register_discovery(BASE)
    empty_lookup()
    ok, _ = connect(vendor_app, {"base_url": BASE, "auth": "bearer", "token": "fixed-token"})
    assert ok
    assert set(Job.objects.values_list("state", flat=True)) == {Job.State.QUEUED}
    responses.replace(
        responses.POST,
        USERS,
        status=201,
        json=user("r1", "x@testco.example"),
        content_type=SCIM_JSON,
    )
    assert engine.run_job(jobs[1].pk) == "succeeded"
    assert responses.calls[-1].request.headers["Authorization"] == "Bearer fixed-token"


@responses.activate
def test_403_says_the_admin_account_must_be_allowed_to_add_seats(vendor_app, member):
    responses.post(USERS, status=403, json=error(403, "Forbidden"), content_type=SCIM_JSON)
    (job,) = queue(vendor_app, member)
    assert engine.run_job(job.pk) == "held"
    assert "must be allowed to add seats" in Connection.objects.get(app=vendor_app).state_message


@responses.activate
def test_409_looks_the_account_up_and_links_it(vendor_app, member):
    responses.post(
        USERS,
        status=409,
        content_type=SCIM_JSON,
        json=error(409, "userName is already taken", "uniqueness"),
    )
    responses.get(
        USERS, json=list_response(user("existing-7", member.email)), content_type=SCIM_JSON
    )
    (job,) = queue(vendor_app, member)
    assert engine.run_job(job.pk) == "succeeded"
    account = AppAccount.objects.get(user=member)
    assert (account.remote_id, account.origin, account.status) == (
        "existing-7",
        AppAccount.Origin.LINKED,
        Status.ACTIVE,
    )


@responses.activate
def test_a_refusal_fails_at_once_with_the_vendors_words(vendor_app, member):
    responses.post(
        USERS,
        status=400,
        content_type=SCIM_JSON,
        json=error(400, "userName must be an email", "invalidValue"),
    )
    (job,) = queue(vendor_app, member)
    assert engine.run_job(job.pk) == "failed"
    assert AppAccount.objects.get(user=member).last_error == (
        "The app refused the request (400). The app said: userName must be an email"
    )


@pytest.mark.parametrize("state", [Connection.State.NOT_CONFIGURED, Connection.State.BROKEN])
def test_jobs_of_an_app_without_working_credentials_wait(vendor_app, member, state):
    Connection.objects.filter(app=vendor_app).update(state=state)
    (job,) = queue(vendor_app, member)
    assert engine.run_job(job.pk) == "held"


@responses.activate
def test_a_429_pauses_the_whole_app_not_one_job(vendor_app, testco, member, admin):
    """The chunk's other jobs are not sent after a 429: they wait for the Retry-After too,
    without an attempt counted."""
    carol = make_user(testco, "carol@testco.example", first="Carol")
    responses.post(USERS, status=429, headers={"Retry-After": "30"}, content_type=SCIM_JSON)
    jobs = queue(vendor_app, member, admin, carol)
    before = timezone.now()
    assert engine.run_jobs([job.pk for job in jobs]) == ["retrying"] * 3
    assert len([c for c in responses.calls if c.request.method == "POST"]) == 1
    for job in Job.objects.all():
        assert job.not_before >= before + timedelta(seconds=30)
    assert sorted(Job.objects.values_list("attempts", flat=True)) == [0, 0, 1]
    time_passes(Connection.objects.get(app=vendor_app))
