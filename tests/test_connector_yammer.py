"""The Yammer connector (legacy), replaying Yammer's REST API v1 (POST /invitations.json,
GET /users.json?page=N with 50 a page, GET /users/by_email.json, GET /users/current.json)."""

import pytest
import responses

from provisioning.connectors.base import NewAccount
from provisioning.connectors.errors import AuthenticationError, TransientError
from provisioning.connectors.yammer import YammerConnector

API = "https://www.yammer.com/api/v1"
TOKEN = "yammer-admin-token"


def yammer():
    return YammerConnector.build({"token": TOKEN})


def user(number, email, state="active"):
    return {
        "id": number,
        "name": email.split("@")[0],
        "state": state,
        "first_name": "Nina",
        "last_name": "New",
        "contact": {"email_addresses": [{"type": "primary", "address": email}]},
    }


@responses.activate
def test_connection_test_good_and_bad_token():
    responses.get(f"{API}/users/current.json", json={"id": 1, "network_name": "TestCo"})
    assert yammer().test_connection() == {"network": "TestCo"}
    assert responses.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"
    responses.replace(responses.GET, f"{API}/users/current.json", status=401, json={})
    with pytest.raises(AuthenticationError):
        yammer().test_connection()


@responses.activate
def test_create_invites_by_email_then_finds_the_invited_person():
    responses.post(f"{API}/invitations.json", status=201, body="")
    responses.get(
        f"{API}/users/by_email.json", json=[user(9, "nina@testco.example", state="pending")]
    )
    remote = yammer().create_account(
        NewAccount(
            email="nina@testco.example",
            username="nina",
            first_name="Nina",
            last_name="New",
            password="never-sent",
        )
    )
    assert remote.remote_id == "9" and remote.active is False
    invite = responses.calls[0].request
    assert (invite.method, invite.url, invite.body) == (
        "POST",
        f"{API}/invitations.json",
        "email=nina%40testco.example",
    )
    assert invite.headers["Content-Type"] == "application/x-www-form-urlencoded"


@responses.activate
def test_listing_walks_pages_of_fifty():
    responses.get(
        f"{API}/users.json",
        match=[responses.matchers.query_param_matcher({"page": "1"})],
        json=[user(i, f"u{i}@x.example") for i in range(50)],
    )
    responses.get(
        f"{API}/users.json",
        match=[responses.matchers.query_param_matcher({"page": "2"})],
        json=[user(50, "u50@x.example")],
    )
    accounts = list(yammer().list_accounts())
    assert len(accounts) == 51 and accounts[0].email == "u0@x.example"


@responses.activate
def test_lookup_and_a_missing_person():
    responses.get(f"{API}/users/by_email.json", status=404, json={})
    assert yammer().find_account(email="nobody@testco.example") is None


@responses.activate
def test_a_rate_limit_is_retried():
    responses.post(f"{API}/invitations.json", status=429, headers={"Retry-After": "10"})
    with pytest.raises(TransientError) as caught:
        yammer().create_account(
            NewAccount(email="a@b.example", username="a", first_name="A", last_name="B")
        )
    assert caught.value.retry_after == 10


@responses.activate
def test_inviting_a_member_already_in_the_network_is_already_exists():
    from provisioning.connectors.errors import AlreadyExists

    responses.post(
        f"{API}/invitations.json",
        status=400,
        json={"base": ["nina@testco.example is already a member of this network"]},
    )
    with pytest.raises(AlreadyExists):
        yammer().create_account(
            NewAccount(
                email="nina@testco.example", username="nina", first_name="Nina", last_name="New"
            )
        )
