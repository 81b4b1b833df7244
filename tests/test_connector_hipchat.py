"""The HipChat Server connector (legacy), replaying HipChat's REST API v2 Users resource
(POST /v2/user, GET /v2/user with start-index/max-results and links.next,
GET /v2/user/{id_or_email}); errors as HipChat answers them ({"error": {"code", "message"}})."""

import json

import pytest
import responses

from provisioning.connectors.base import NewAccount
from provisioning.connectors.errors import AlreadyExists, AuthenticationError, TransientError
from provisioning.connectors.hipchat import HipChatConnector, mention_name

BASE = "https://hipchat.testco.example/v2"
TOKEN = "hipchat-admin-token-1"


def hipchat():
    return HipChatConnector.build({"base_url": "https://hipchat.testco.example", "token": TOKEN})


def new_account(password=None):
    return NewAccount(
        email="nina.new@testco.example",
        username="nina.new@testco.example",
        first_name="Nina",
        last_name="New",
        password=password,
    )


@responses.activate
def test_connection_test_good_and_bad_token():
    responses.get(f"{BASE}/user", json={"items": [{"id": 1, "mention_name": "owner"}], "links": {}})
    assert hipchat().test_connection() == {"accounts_on_first_page": 1}
    assert responses.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"
    responses.replace(
        responses.GET,
        f"{BASE}/user",
        status=401,
        json={"error": {"code": 401, "message": "Invalid OAuth session", "type": "Unauthorized"}},
    )
    with pytest.raises(AuthenticationError):
        hipchat().test_connection()


@responses.activate
def test_create_sets_the_temporary_password():
    responses.post(f"{BASE}/user", status=201, json={"id": 55, "links": {"self": "x"}})
    remote = hipchat().create_account(new_account(password="Temp-Passw0rd!"))
    assert remote.remote_id == "55" and remote.username == "nina.new"
    request = responses.calls[0].request
    assert (request.method, request.url) == ("POST", f"{BASE}/user")
    assert json.loads(request.body) == {
        "name": "Nina New",
        "email": "nina.new@testco.example",
        "mention_name": "nina.new",
        "password": "Temp-Passw0rd!",
    }


@responses.activate
def test_listing_follows_links_next():
    responses.get(
        f"{BASE}/user",
        match=[responses.matchers.query_param_matcher({"start-index": "0", "max-results": "100"})],
        json={
            "items": [{"id": i, "mention_name": f"u{i}"} for i in range(100)],
            "links": {"next": f"{BASE}/user?start-index=100"},
        },
    )
    responses.get(
        f"{BASE}/user",
        match=[
            responses.matchers.query_param_matcher({"start-index": "100", "max-results": "100"})
        ],
        json={"items": [{"id": 100, "mention_name": "u100"}], "links": {}},
    )
    assert len(list(hipchat().list_accounts())) == 101


@responses.activate
def test_lookup_by_email():
    responses.get(
        f"{BASE}/user/nina.new%40testco.example",
        json={"id": 55, "mention_name": "nina.new", "email": "nina.new@testco.example"},
    )
    assert hipchat().find_account(email="nina.new@testco.example").remote_id == "55"


@responses.activate
def test_a_duplicate_and_a_rate_limit():
    responses.post(
        f"{BASE}/user",
        status=400,
        json={
            "error": {
                "code": 400,
                "message": "The email address is already in use",
                "type": "Bad Request",
            }
        },
    )
    with pytest.raises(AlreadyExists):
        hipchat().create_account(new_account())
    responses.replace(
        responses.POST,
        f"{BASE}/user",
        status=429,
        headers={"Retry-After": "300"},
        json={"error": {"code": 429, "message": "Rate Limit exceeded"}},
    )
    with pytest.raises(TransientError) as caught:
        hipchat().create_account(new_account())
    assert caught.value.retry_after == 300


def test_mention_names_are_what_hipchat_accepts():
    assert mention_name("josé.núñez@testco.example") == "josé.núñez"
    assert mention_name("a b@c") == "ab"
