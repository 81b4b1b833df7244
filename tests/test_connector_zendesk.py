"""The Zendesk connector, replaying the Support Users API.

Shapes from developer.zendesk.com/api-reference/ticketing/users/users/ ("Create User",
"List Users" with cursor pagination, "Search Users", "Show the Currently Authenticated
User") and developer.zendesk.com/api-reference/introduction/rate-limits/ (429, Retry-After)."""

import base64
import json

import pytest
import responses

from provisioning.connectors.base import NewAccount
from provisioning.connectors.errors import (
    AlreadyExists,
    AuthenticationError,
    PermanentError,
    TransientError,
)
from provisioning.connectors.zendesk import ZendeskConnector

API = "https://testco.zendesk.com/api/v2"
TOKEN = "zd-api-token-6b1f"


def zendesk(**extra):
    return ZendeskConnector.build(
        {"subdomain": "testco", "email": "admin@testco.example", "token": TOKEN, **extra}
    )


def user(number, email, role="end-user"):
    return {
        "id": number,
        "name": "Nina New",
        "email": email,
        "role": role,
        "active": True,
        "verified": False,
    }


def assert_basic_auth(request):
    expected = base64.b64encode(f"admin@testco.example/token:{TOKEN}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"


@responses.activate
def test_connection_test_good_bad_and_not_an_admin():
    responses.get(f"{API}/users/me.json", json={"user": user(1, "admin@testco.example", "admin")})
    assert zendesk().test_connection() == {"account": "admin@testco.example"}
    assert_basic_auth(responses.calls[0].request)
    responses.replace(
        responses.GET,
        f"{API}/users/me.json",
        json={"user": user(1, "agent@testco.example", "agent")},
    )
    with pytest.raises(PermanentError, match="is not a Zendesk admin"):
        zendesk().test_connection()
    responses.replace(
        responses.GET,
        f"{API}/users/me.json",
        status=401,
        json={"error": "Couldn't authenticate you"},
    )
    with pytest.raises(AuthenticationError):
        zendesk().test_connection()


@responses.activate
def test_create_sends_the_user_without_a_password():
    responses.post(
        f"{API}/users.json", status=201, json={"user": user(99, "nina@testco.example", "agent")}
    )
    remote = zendesk(role="agent").create_account(
        NewAccount(
            email="nina@testco.example",
            username="nina",
            first_name="Nina",
            last_name="New",
            password="never-sent",
        )
    )
    assert remote.remote_id == "99"
    request = responses.calls[0].request
    assert (request.method, request.url) == ("POST", f"{API}/users.json")
    assert_basic_auth(request)
    assert json.loads(request.body) == {
        "user": {
            "name": "Nina New",
            "email": "nina@testco.example",
            "role": "agent",
            "verified": False,
        }
    }


@responses.activate
def test_listing_follows_the_cursor():
    responses.get(
        f"{API}/users.json",
        match=[responses.matchers.query_param_matcher({"page[size]": "100"})],
        json={
            "users": [user(i, f"u{i}@x.example") for i in range(100)],
            "meta": {"has_more": True, "after_cursor": "abc"},
            "links": {"next": f"{API}/users.json?page[size]=100&page[after]=abc"},
        },
    )
    responses.get(
        f"{API}/users.json",
        match=[responses.matchers.query_param_matcher({"page[size]": "100", "page[after]": "abc"})],
        json={
            "users": [user(100, "u100@x.example")],
            "meta": {"has_more": False},
            "links": {"next": None},
        },
    )
    assert len(list(zendesk().list_accounts())) == 101


@responses.activate
def test_lookup_searches_by_email():
    responses.get(f"{API}/users/search.json", json={"users": [user(7, "nina@testco.example")]})
    assert zendesk().find_account(email="nina@testco.example").remote_id == "7"
    assert "query=email%3Anina%40testco.example" in responses.calls[0].request.url


@responses.activate
def test_a_duplicate_email_is_already_exists():
    responses.post(
        f"{API}/users.json",
        status=422,
        json={
            "error": "RecordInvalid",
            "description": "Record validation errors",
            "details": {
                "email": [
                    {
                        "description": "Email: nina@testco.example is already being "
                        "used by another user"
                    }
                ]
            },
        },
    )
    with pytest.raises(AlreadyExists) as caught:
        zendesk().create_account(
            NewAccount(email="nina@testco.example", username="n", first_name="N", last_name="N")
        )
    assert "is already being used by another user" in caught.value.message


@responses.activate
def test_a_rate_limit_is_retried():
    responses.post(f"{API}/users.json", status=429, headers={"Retry-After": "93"})
    with pytest.raises(TransientError) as caught:
        zendesk().create_account(
            NewAccount(email="a@b.example", username="a", first_name="A", last_name="B")
        )
    assert caught.value.retry_after == 93
