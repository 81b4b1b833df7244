"""The Slack connector, replaying Slack's SCIM API.

Payloads and errors follow https://docs.slack.dev/reference/scim-api (SCIM 2.0 Users) and
https://docs.slack.dev/reference/scim-api/rate-limits (429 with Retry-After; 180 creates a
minute)."""

import json

import pytest
import responses

from provisioning import budget, engine
from provisioning.connectors.base import NewAccount
from provisioning.connectors.errors import AlreadyExists, AuthenticationError, TransientError
from provisioning.connectors.slack import SlackConnector
from provisioning.models import AppAccount, Connection
from provisioning.services import AccountRequest, queue_jobs
from provisioning.status import Status

from .conftest import add_app
from .scim_payloads import register_discovery

USERS = "https://api.slack.com/scim/v2/Users"
TOKEN = "xoxp-slack-admin-token"
SCIM_JSON = "application/scim+json"


# What Confirm stores for a Slack that filters as its docs say.
PROVEN = {"filter": True, "filters": {"userName": True, "emails.value": True}}


def slack():
    return SlackConnector.build({"token": TOKEN}, server_info=PROVEN)


def slack_user(remote_id, email, username):
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": remote_id,
        "userName": username,
        "name": {"givenName": "Nina", "familyName": "New"},
        "emails": [{"value": email, "primary": True}],
        "active": True,
    }


def page(users, start, total):
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": total,
        "itemsPerPage": len(users),
        "startIndex": start,
        "Resources": users,
    }


def error(status, detail):
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": status,
        "detail": detail,
    }


@responses.activate
def test_connection_test_good_and_bad_token():
    base = "https://api.slack.com/scim/v2"
    register_discovery(base)
    responses.get(USERS, content_type=SCIM_JSON, json=page([], 1, 42))
    info = slack().test_connection()
    assert info["accounts"] == 42 and info["patch"] is True
    request = responses.calls[0].request
    assert request.method == "GET" and request.url == f"{base}/ServiceProviderConfig"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"

    responses.replace(
        responses.GET,
        f"{base}/ServiceProviderConfig",
        status=401,
        json=error("401", "invalid_authentication"),
        content_type=SCIM_JSON,
    )
    with pytest.raises(AuthenticationError):
        slack().test_connection()


@responses.activate
def test_create_sends_no_password_and_slack_invites():
    responses.post(
        USERS,
        status=201,
        content_type=SCIM_JSON,
        json=slack_user("U0123", "nina@testco.example", "nina"),
    )
    remote = slack().create_account(
        NewAccount(
            email="nina@testco.example",
            username="nina",
            first_name="Nina",
            last_name="New",
            password="must-not-be-sent",
        )
    )
    assert remote.remote_id == "U0123"
    request = responses.calls[0].request
    assert (request.method, request.url) == ("POST", USERS)
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Content-Type"] == SCIM_JSON
    body = json.loads(request.body)
    assert body["userName"] == "nina" and body["emails"][0]["value"] == "nina@testco.example"
    assert body["name"] == {"givenName": "Nina", "familyName": "New", "formatted": "Nina New"}
    assert "password" not in body  # Slack's capabilities never set one
    assert SlackConnector.capabilities.invites and not SlackConnector.capabilities.set_password


@responses.activate
def test_listing_walks_pages():
    responses.get(
        USERS,
        content_type=SCIM_JSON,
        match=[responses.matchers.query_param_matcher({"startIndex": "1", "count": "100"})],
        json=page([slack_user(f"U{i}", f"u{i}@x.example", f"u{i}") for i in range(100)], 1, 150),
    )
    responses.get(
        USERS,
        content_type=SCIM_JSON,
        match=[responses.matchers.query_param_matcher({"startIndex": "101", "count": "100"})],
        json=page(
            [slack_user(f"U{i}", f"u{i}@x.example", f"u{i}") for i in range(100, 150)], 101, 150
        ),
    )
    assert len(list(slack().list_accounts())) == 150


@responses.activate
def test_lookup_by_email_sends_a_scim_filter():
    responses.get(
        USERS,
        content_type=SCIM_JSON,
        json=page([slack_user("U7", "nina@testco.example", "nina")], 1, 1),
    )
    assert slack().find_account(email="nina@testco.example").remote_id == "U7"
    assert "filter=emails.value+eq+%22nina%40testco.example%22" in responses.calls[0].request.url


@responses.activate
def test_a_duplicate_is_already_exists():
    responses.post(USERS, status=409, content_type=SCIM_JSON, json=error("409", "username_taken"))
    with pytest.raises(AlreadyExists):
        slack().create_account(
            NewAccount(email="a@b.example", username="a", first_name="A", last_name="B")
        )


@responses.activate
def test_a_rate_limit_carries_retry_after():
    responses.post(USERS, status=429, headers={"Retry-After": "30"})
    with pytest.raises(TransientError) as caught:
        slack().create_account(
            NewAccount(email="a@b.example", username="a", first_name="A", last_name="B")
        )
    assert caught.value.retry_after == 30


@responses.activate
def test_new_slack_members_start_invited_under_slacks_budget(testco, member):
    app = add_app(testco, "slack", "Slack")
    Connection.objects.create(
        organization=testco, app=app, state=Connection.State.CONNECTED, credentials={"token": TOKEN}
    )
    responses.post(
        USERS, status=201, content_type=SCIM_JSON, json=slack_user("U9", member.email, member.email)
    )
    (job,) = queue_jobs(app, [AccountRequest(user=member)], trigger="test")
    assert engine.run_job(job.pk) == "succeeded"
    account = AppAccount.objects.get(user=member)
    assert account.status == Status.INVITED and account.secrets == {}
    assert budget.request_interval(app.connection, app).total_seconds() == round(60 / 180, 6)
