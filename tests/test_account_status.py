"""One status machine for app accounts; every change is an append-only event."""

import pytest

from provisioning.models import AccountEvent, AppAccount
from provisioning.services import move
from provisioning.status import TRANSITIONS, InvalidTransition, Status, check_transition

from .conftest import add_app


@pytest.fixture
def account(testco, member):
    return AppAccount.objects.create(
        organization=testco, app=add_app(testco), user=member, email=member.email
    )


def test_the_happy_path_is_allowed_and_recorded(account, admin):
    for status in (Status.PROVISIONING, Status.CREATED, Status.ACTIVE):
        move(account, status, actor=admin, message=f"to {status}")
    assert AppAccount.objects.get(pk=account.pk).status == Status.ACTIVE
    assert list(account.events.values_list("from_status", "to_status")) == [
        ("pending", "provisioning"),
        ("provisioning", "created"),
        ("created", "active"),
    ]
    assert account.events.last().actor == admin


@pytest.mark.parametrize(
    "from_status, to_status",
    [
        (Status.PENDING, Status.CREATED),  # never created without trying
        (Status.ACTIVE, Status.PENDING),
        (Status.DEPROVISIONED, Status.ACTIVE),
        (Status.FAILED, Status.ACTIVE),
    ],
)
def test_moves_outside_the_table_are_refused(from_status, to_status):
    with pytest.raises(InvalidTransition):
        check_transition(from_status, to_status)


def test_failed_can_be_retried():
    check_transition(Status.FAILED, Status.PENDING)


def test_every_status_has_a_row_in_the_table():
    assert set(TRANSITIONS) == set(Status)


def test_events_are_append_only(account):
    event = move(account, Status.PROVISIONING)
    event.message = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    assert AccountEvent.objects.get(pk=event.pk).message == ""


def test_the_event_names_who_asked(scim_app, member, admin):
    from provisioning import engine
    from provisioning.services import AccountRequest, queue_jobs

    (job,) = queue_jobs(scim_app, [AccountRequest(user=member)], trigger="test", requested_by=admin)
    assert engine.run_job(job.pk) == "succeeded"
    created = AccountEvent.objects.get(to_status=Status.CREATED)
    assert created.actor == admin and created.job_id == job.pk
