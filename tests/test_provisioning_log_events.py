"""What the engine writes for the provisioning log: each event names its app, its action and
its outcome, and one from a vendor call says which attempt it was, what was sent (no
secret), the HTTP status of the answer, each request with its time, and their total."""

import pytest
import responses

from provisioning import engine
from provisioning.models import AccountEvent, AppAccount, Connection
from provisioning.services import AccountRequest, queue_jobs, record_first_sign_in
from provisioning.status import Status

from .scim_payloads import SCIM_JSON, USERS, error, list_response, user

E = AccountEvent


def queue(app, person, admin=None, **request):
    (job,) = queue_jobs(
        app, [AccountRequest(user=person, **request)], trigger="assign users", requested_by=admin
    )
    return job


def events_of(person):
    return list(AccountEvent.objects.filter(account__user=person).order_by("created_at", "id"))


def test_a_created_seat_says_what_was_sent_and_answered(vendor_app, member, admin):
    with responses.RequestsMock() as vendor:
        vendor.post(USERS, status=201, json=user("r-1", member.email), content_type=SCIM_JSON)
        job = queue(vendor_app, member, admin)
        assert engine.run_job(job.pk) == "succeeded"
    queued, started, created = events_of(member)
    assert {e.app_id for e in (queued, started, created)} == {vendor_app.pk}
    assert {e.action for e in (queued, started, created)} == {E.Action.CREATE}
    assert (queued.outcome, started.outcome, created.outcome) == ("queued", "started", "succeeded")
    assert queued.job_id == started.job_id == created.job_id == job.pk
    assert started.detail == {"attempt": 1}
    detail = created.detail
    assert detail["attempt"] == 1 and detail["status"] == 201
    assert detail["sent"]["email"] == member.email and detail["sent"]["password"] == "[set]"
    assert detail["answer"] == {"remote_id": "r-1", "username": member.email}
    (call,) = detail["calls"]
    assert call["method"] == "POST" and call["path"] == "/v2/Users" and call["status"] == 201
    assert detail["ms"] == call["ms"] >= 0
    password = AppAccount.objects.get(user=member).secrets["temporary_password"]
    assert password not in str(detail)


@pytest.mark.parametrize(
    "status, outcome, message",
    [
        (400, E.Outcome.FAILED, "The app refused the request (400)"),
        (401, E.Outcome.HELD, "The app rejected the credentials (401)"),
        (429, E.Outcome.RETRYING, "The app is rate limiting us (429)"),
        (503, E.Outcome.RETRYING, "The app had an error (503)"),
    ],
)
def test_an_error_carries_its_http_status(vendor_app, member, status, outcome, message):
    with responses.RequestsMock() as vendor:
        vendor.post(USERS, status=status, json=error(status, "No."), content_type=SCIM_JSON)
        engine.run_job(queue(vendor_app, member).pk)
    last = events_of(member)[-1]
    assert last.outcome == outcome and message in last.message
    assert last.detail["status"] == status and last.detail["attempt"] == 1
    assert last.detail["sent"]["email"] == member.email  # what the failed call asked for
    assert [c["status"] for c in last.detail["calls"]] == [status]


def test_an_unreachable_app_has_no_status_but_its_request(vendor_app, member):
    with responses.RequestsMock() as vendor:
        vendor.post(USERS, body=ConnectionError("refused"))
        engine.run_job(queue(vendor_app, member).pk)
    last = events_of(member)[-1]
    assert last.outcome == E.Outcome.RETRYING and "status" not in last.detail
    assert last.detail["calls"][0]["status"] is None


def test_a_retry_records_its_attempt(vendor_app, member):
    with responses.RequestsMock() as vendor:
        vendor.post(USERS, status=500, json=error(500, "Oops"), content_type=SCIM_JSON)
        job = queue(vendor_app, member)
        engine.run_job(job.pk)
        job.refresh_from_db()
        job.not_before = job.created_at
        job.save()
        vendor.get(USERS, json=list_response(user("r-2", member.email)), content_type=SCIM_JSON)
        assert engine.run_job(job.pk) == "succeeded"
    found = events_of(member)[-1]
    assert found.detail["attempt"] == 2 and found.detail["status"] == 200
    assert found.detail["sent"] == {"looked up": {"email": member.email, "username": member.email}}


def test_jobs_held_without_credentials_say_nothing_was_sent(vendor_app, member):
    Connection.objects.filter(app=vendor_app).update(state=Connection.State.BROKEN)
    job = queue(vendor_app, member)
    engine.run_job(job.pk)
    events = events_of(member)
    assert [e.outcome for e in events] == [E.Outcome.QUEUED]  # still pending: no new event
    job.refresh_from_db()
    assert job.state == "held"


def test_events_without_a_job_say_what_they_were(vendor_app, member, admin):
    account = AppAccount.objects.create(
        organization=vendor_app.organization,
        app=vendor_app,
        user=member,
        email=member.email,
        status=Status.CREATED,
        remote_id="r-3",
    )
    record_first_sign_in(account, "First sign-in via My Apps.", actor=member)
    (signed_in,) = events_of(member)
    assert signed_in.action == E.Action.SIGN_IN and signed_in.outcome == E.Outcome.NOTED
    assert signed_in.app_id == vendor_app.pk
