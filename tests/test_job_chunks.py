"""A worker thread runs a chunk of jobs in one go: each job gets its own outcome, the
results are written together, and a failure of one job does not spoil the others'."""

import json

import responses
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from provisioning import engine, results
from provisioning.models import AccountEvent, AppAccount, Connection, Job
from provisioning.services import AccountRequest, queue_jobs
from provisioning.status import Status

from .conftest import make_user
from .scim_payloads import SCIM_JSON, USERS, error, list_response, user


def people(organization, count):
    return [make_user(organization, f"p{i}@testco.example") for i in range(count)]


def create_answers(refuse=(), reject_at=None):
    """The vendor's answers to creates, in order: 201, a 400 for the emails in refuse, and
    a 401 from the reject_at-th create on."""
    calls = []

    def answer(request):
        calls.append(request)
        email = json.loads(request.body)["emails"][0]["value"]
        if reject_at is not None and len(calls) >= reject_at:
            return 401, {"Content-Type": SCIM_JSON}, json.dumps(error(401, "Invalid token"))
        if email in refuse:
            return 400, {"Content-Type": SCIM_JSON}, json.dumps(error(400, "Not allowed"))
        return 201, {"Content-Type": SCIM_JSON}, json.dumps(user(f"r-{email}", email))

    responses.add_callback(responses.POST, USERS, callback=answer)
    return calls


@responses.activate
def test_each_job_of_a_chunk_gets_its_own_outcome(vendor_app, testco):
    team = people(testco, 4)
    create_answers(refuse={team[2].email})
    jobs = queue_jobs(vendor_app, [AccountRequest(user=p) for p in team], trigger="test")
    outcomes = engine.run_jobs([job.pk for job in jobs])
    assert outcomes == ["succeeded", "succeeded", "failed", "succeeded"]
    statuses = {a.user_id: a.status for a in AppAccount.objects.all()}
    assert [statuses[p.pk] for p in team] == [
        Status.CREATED,
        Status.CREATED,
        Status.FAILED,
        Status.CREATED,
    ]
    assert AppAccount.objects.get(user=team[0]).remote_id == f"r-{team[0].email}"
    assert AppAccount.objects.get(user=team[2]).last_error.endswith("Not allowed")
    # pending -> provisioning -> created, for each: the history is complete.
    for person in team:
        moves = AccountEvent.objects.filter(account__user=person).values_list(
            "from_status", "to_status"
        )
        assert list(moves)[-2][1] == Status.PROVISIONING


@responses.activate
def test_a_chunk_costs_the_same_statements_for_5_jobs_as_for_40(vendor_app, testco, monkeypatch):
    Connection.objects.filter(app=vendor_app).update(rate_limit_per_minute=1_000_000)
    monkeypatch.setattr(engine, "RECORD_EVERY_SECONDS", 3600)  # one write of the results
    create_answers()
    team = people(testco, 45)
    few = queue_jobs(vendor_app, [AccountRequest(user=p) for p in team[:5]], trigger="test")
    many = queue_jobs(vendor_app, [AccountRequest(user=p) for p in team[5:]], trigger="test")
    with CaptureQueriesContext(connection) as for_few:
        engine.run_jobs([job.pk for job in few])
    with CaptureQueriesContext(connection) as for_many:
        engine.run_jobs([job.pk for job in many])
    assert len(for_many) == len(for_few) <= 20


@responses.activate
def test_rejected_credentials_hold_the_rest_of_the_chunk_without_counting_attempts(
    vendor_app, testco
):
    create_answers(reject_at=2)
    jobs = queue_jobs(
        vendor_app, [AccountRequest(user=p) for p in people(testco, 4)], trigger="test"
    )
    assert engine.run_jobs([job.pk for job in jobs]) == ["succeeded", "held", "held", "held"]
    assert len(responses.calls) == 2  # nothing more is sent with rejected credentials
    attempts = dict(Job.objects.values_list("pk", "attempts"))
    assert [attempts[job.pk] for job in jobs] == [1, 1, 0, 0]
    assert Connection.objects.get(app=vendor_app).state == Connection.State.BROKEN
    for account in AppAccount.objects.exclude(user=jobs[0].account.user):
        assert account.status == Status.PENDING


@responses.activate
def test_a_long_chunk_keeps_the_lease_of_the_jobs_it_has_still_to_run(
    vendor_app, testco, settings, monkeypatch
):
    settings.JOB_LEASE_SECONDS = 60
    monkeypatch.setattr(engine, "RECORD_EVERY_SECONDS", 0)  # record after every job
    jobs = queue_jobs(
        vendor_app, [AccountRequest(user=p) for p in people(testco, 3)], trigger="test"
    )
    last = jobs[-1]
    leases = []

    def answer(request):
        leases.append(Job.objects.get(pk=last.pk).lease_until)
        email = json.loads(request.body)["emails"][0]["value"]
        return 201, {"Content-Type": SCIM_JSON}, json.dumps(user(f"r-{email}", email))

    responses.add_callback(responses.POST, USERS, callback=answer)
    engine.run_jobs([job.pk for job in jobs])
    assert leases[0] < leases[1] < leases[2]  # renewed after each recorded result
    assert leases[2] > timezone.now()


@responses.activate
def test_an_account_someone_else_owns_fails_only_its_own_job(vendor_app, testco):
    team = people(testco, 3)
    create_answers()
    owner = make_user(testco, "owner@testco.example")
    AppAccount.objects.create(
        organization=testco,
        app=vendor_app,
        user=owner,
        remote_id=f"r-{team[1].email}",  # the vendor answers with owner's account
        status=Status.ACTIVE,
    )
    jobs = queue_jobs(vendor_app, [AccountRequest(user=p) for p in team], trigger="test")
    assert engine.run_jobs([job.pk for job in jobs]) == ["succeeded", "failed", "succeeded"]
    assert AppAccount.objects.get(user=team[1]).last_error == results.OWNED_BY_ANOTHER


@responses.activate
def test_an_account_only_discovered_in_the_app_becomes_the_persons(vendor_app, testco):
    (person,) = people(testco, 1)
    discovered = AppAccount.objects.create(
        organization=testco,
        app=vendor_app,
        remote_id=f"r-{person.email}",
        email=person.email,
        origin=AppAccount.Origin.DISCOVERED,
        status=Status.ACTIVE,
    )
    responses.get(USERS, json=list_response(user(f"r-{person.email}", person.email)))
    (job,) = queue_jobs(
        vendor_app, [AccountRequest(user=person, action=Job.Action.LINK)], trigger="test"
    )
    assert engine.run_job(job.pk) == "succeeded"
    assert not AppAccount.objects.filter(pk=discovered.pk).exists()
    account = AppAccount.objects.get(app=vendor_app)
    assert (account.user, account.remote_id, account.status) == (
        person,
        f"r-{person.email}",
        Status.ACTIVE,
    )


def test_a_connector_that_cannot_be_built_retries_its_jobs_instead_of_stranding_them(
    vendor_app, testco, monkeypatch
):
    from provisioning import services
    from provisioning.connectors.scim import ScimConnector

    def broken(credentials):
        raise RuntimeError("a bug in the connector")

    monkeypatch.setattr(ScimConnector, "build", broken)
    services._connectors.__dict__.clear()  # this thread's connectors
    jobs = queue_jobs(
        vendor_app, [AccountRequest(user=p) for p in people(testco, 2)], trigger="test"
    )
    assert engine.run_jobs([job.pk for job in jobs]) == ["retrying", "retrying"]
    assert set(Job.objects.values_list("state", "attempts")) == {(Job.State.QUEUED, 1)}
