"""No account is linked to a person unless it is positively theirs: its email (or a userName
that is the email), or its username on an account that carries no other email."""

import json

import pytest
import responses

from provisioning import engine
from provisioning.connectors.base import RemoteAccount, identify, identity_match
from provisioning.connectors.errors import PermanentError
from provisioning.connectors.scim import ScimConnector
from provisioning.models import AppAccount, Job
from provisioning.services import AccountRequest, queue_jobs
from provisioning.status import Status

from .scim_payloads import SCIM_JSON, USERS, list_response, user


def account(remote_id="r1", username="", email="", emails=()):
    return RemoteAccount(remote_id=remote_id, username=username, email=email, emails=emails)


def test_an_email_among_the_accounts_addresses_is_a_match():
    found = account(username="bob", email="bob@work.example", emails=("Bob@Home.example",))
    assert identity_match(found, email="bob@home.example") == "email"
    assert identity_match(account(username="BOB@work.example"), email="bob@work.example")


def test_a_username_matches_without_case_only_where_no_other_email_is_held():
    assert identity_match(account(username="José.Ñúñez"), username="josé.ñúñez") == "username"
    held = account(username="bob", email="bob@elsewhere.example")
    assert identity_match(held, username="bob", email="bob@testco.example") == ""
    assert identity_match(held, username="bob") == "username"


def test_an_account_with_neither_is_nobodys():
    found = account(username="seed-000", email="seed-000@vendor.example")
    assert identity_match(found, username="seed-137", email="seed-137@vendor.example") == ""
    assert identify([found], email="seed-137@vendor.example") is None


def test_two_matches_are_a_failure_not_a_guess():
    twins = [account("a", "ana", "ana@x.example"), account("b", "ana2", "ANA@x.example")]
    with pytest.raises(PermanentError, match="2 accounts in the app match ana@x.example"):
        identify(twins, email="ana@x.example")


def test_the_engine_refuses_what_a_connector_wrongly_returns(vendor_app, member, monkeypatch):
    """Whatever a connector's lookup answers, the engine checks it again before linking."""
    stranger = account("r-stranger", "seed-000", "seed-000@vendor.example")
    monkeypatch.setattr(ScimConnector, "find_account", lambda self, **lookup: stranger)
    request = AccountRequest(user=member, action=Job.Action.LINK)
    (job,) = queue_jobs(vendor_app, [request], trigger="test")
    assert engine.run_job(job.pk) == "failed"
    linked = AppAccount.objects.get(user=member)
    assert linked.remote_id == "" and linked.status == Status.FAILED
    assert "r-stranger" in linked.last_error and "not this person's" in linked.last_error


@responses.activate
def test_a_retry_against_a_server_that_ignores_filters_creates_instead_of_linking_a_stranger(
    vendor_app, member
):
    """After a crash the next attempt looks the account up first. The server answers every
    filter with its whole list: seed-000 is not the member, so the account is created."""
    strangers = [user(f"s{i}", f"seed-{i:03}@vendor.example") for i in range(3)]
    responses.get(USERS, content_type=SCIM_JSON, json=list_response(*strangers))
    responses.post(USERS, status=201, content_type=SCIM_JSON, json=user("new-1", member.email))
    (job,) = queue_jobs(vendor_app, [AccountRequest(user=member)], trigger="test")
    Job.objects.filter(pk=job.pk).update(attempts=1)  # an earlier attempt died mid-way
    assert engine.run_job(job.pk) == "succeeded"
    created = AppAccount.objects.get(user=member)
    assert (created.remote_id, created.origin) == ("new-1", AppAccount.Origin.CREATED)
    posted = [c for c in responses.calls if c.request.method == "POST"]
    assert len(posted) == 1 and json.loads(posted[0].request.body)["userName"] == member.email
