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
    assert budget.connector_default_rate(vendor_app) == (
        ScimConnector.default_rate_limit_per_minute
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
