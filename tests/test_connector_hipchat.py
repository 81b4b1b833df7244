"""The HipChat Server connector (legacy), replaying HipChat's REST API v2 Users resource
(POST /v2/user, GET /v2/user with start-index/max-results and links.next,
GET /v2/user/{id_or_email}, PUT /v2/user/{id_or_email} answering 204, DELETE
/v2/user/{id_or_email} answering 204: HipChat API v2 Users, as reconstructed in
api-evangelist/hipchat openapi/hipchat-rest-api-openapi.yml); errors as HipChat answers them
({"error": {"code", "message", "type"}})."""

import json

import pytest
import responses

from provisioning.connectors.base import AccountUpdate, NewAccount
from provisioning.connectors.errors import (
    AlreadyExists,
    AuthenticationError,
    NotFound,
    TransientError,
)
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


# Lifecycle: PUT and DELETE /v2/user/{id_or_email}.

USER_55 = f"{BASE}/user/55"


def hipchat_user(**changes):
    """GET /v2/user/{id} as HipChat answers it (the fields of its User object)."""
    return {
        "id": 55,
        "name": "Nina New",
        "mention_name": "nina.new",
        "email": "nina.new@testco.example",
        "title": "Engineer",
        "timezone": "Europe/Lisbon",
        "is_group_admin": True,
        "is_deleted": False,
        "is_guest": False,
        "presence": {"show": "away", "is_online": True},
        "xmpp_jid": "1_55@chat.hipchat.testco.example",
        "links": {"self": USER_55},
        **changes,
    }


def hipchat_error(code, message, kind):
    return {"error": {"code": code, "message": message, "type": kind}}


def account_update(*changed, **values):
    fields = {
        "email": "nina.new@testco.example",
        "username": "nina.new@testco.example",
        "first_name": "Nina",
        "last_name": "New",
        **values,
    }
    return AccountUpdate(**fields, changed=frozenset(changed))


def test_capabilities_are_what_api_v2_can_do():
    capabilities = HipChatConnector.capabilities
    assert (capabilities.update, capabilities.delete) == (True, True)
    assert (capabilities.deactivate, capabilities.reactivate) == (False, False)


@responses.activate
def test_update_pushes_the_changed_name_and_sends_the_rest_back_as_hipchat_has_it():
    responses.get(USER_55, json=hipchat_user(name="Nina N.", mention_name="nina"))
    responses.put(USER_55, status=204)
    answer = hipchat().update_account(
        "55", account_update("last_name", first_name="Nina", last_name="Novak")
    )
    assert answer is None  # HipChat answers 204, without the user
    read, put = (call.request for call in responses.calls)
    assert (read.method, read.url) == ("GET", USER_55)
    assert (put.method, put.url) == ("PUT", USER_55)
    assert put.headers["Authorization"] == f"Bearer {TOKEN}"
    assert json.loads(put.body) == {
        "name": "Nina Novak",
        "email": "nina.new@testco.example",  # unchanged: HipChat's own values
        "mention_name": "nina",
        "title": "Engineer",
        "timezone": "Europe/Lisbon",
        "is_group_admin": True,
    }


@responses.activate
def test_update_pushes_a_changed_email_and_mention_name():
    responses.get(USER_55, json=hipchat_user(title=None))
    responses.put(USER_55, status=204)
    hipchat().update_account(
        "55",
        account_update(
            "email",
            "username",
            email="nina.novak@testco.example",
            username="nina.novak@testco.example",
            first_name="Someone",  # not in changed: not pushed
        ),
    )
    assert json.loads(responses.calls[1].request.body) == {
        "name": "Nina New",
        "email": "nina.novak@testco.example",
        "mention_name": "nina.novak",
        "timezone": "Europe/Lisbon",
        "is_group_admin": True,
    }


@responses.activate
def test_update_with_nothing_changed_sends_nothing():
    assert hipchat().update_account("55", account_update()) is None
    assert len(responses.calls) == 0


@responses.activate
def test_update_of_a_user_that_is_gone_is_not_found():
    responses.get(USER_55, status=404, json=hipchat_error(404, "User not found", "Not Found"))
    with pytest.raises(NotFound):
        hipchat().update_account("55", account_update("email", email="n@testco.example"))
    assert [call.request.method for call in responses.calls] == ["GET"]


@responses.activate
def test_update_of_a_deleted_user_is_not_found():
    """HipChat keeps a deleted user readable, marked is_deleted."""
    responses.get(USER_55, json=hipchat_user(is_deleted=True))
    with pytest.raises(NotFound) as caught:
        hipchat().update_account("55", account_update("email", email="n@testco.example"))
    assert "deleted" in caught.value.message
    assert [call.request.method for call in responses.calls] == ["GET"]


@responses.activate
def test_update_refused_for_the_token_is_an_authentication_error():
    responses.get(USER_55, json=hipchat_user())
    responses.put(
        USER_55,
        status=403,
        json=hipchat_error(403, "You must be a group admin", "Forbidden"),
    )
    with pytest.raises(AuthenticationError) as caught:
        hipchat().update_account("55", account_update("email", email="n@testco.example"))
    assert TOKEN not in caught.value.message


@responses.activate
def test_update_rate_limited_is_transient():
    responses.get(USER_55, json=hipchat_user())
    responses.put(
        USER_55,
        status=429,
        headers={"Retry-After": "300"},
        json=hipchat_error(429, "Rate Limit exceeded", "Too Many Requests"),
    )
    with pytest.raises(TransientError) as caught:
        hipchat().update_account("55", account_update("email", email="n@testco.example"))
    assert caught.value.retry_after == 300


@responses.activate
def test_delete():
    responses.delete(USER_55, status=204)
    assert hipchat().delete_account("55") is None
    request = responses.calls[0].request
    assert (request.method, request.url, request.body) == ("DELETE", USER_55, None)
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


@responses.activate
def test_delete_of_a_user_that_is_gone_is_not_found():
    responses.delete(USER_55, status=404, json=hipchat_error(404, "User not found", "Not Found"))
    with pytest.raises(NotFound):
        hipchat().delete_account("55")


@responses.activate
def test_delete_refused_for_the_token_is_an_authentication_error():
    responses.delete(
        USER_55, status=403, json=hipchat_error(403, "You must be a group admin", "Forbidden")
    )
    with pytest.raises(AuthenticationError):
        hipchat().delete_account("55")


@responses.activate
def test_delete_rate_limited_is_transient():
    responses.delete(
        USER_55,
        status=429,
        headers={"Retry-After": "120"},
        json=hipchat_error(429, "Rate Limit exceeded", "Too Many Requests"),
    )
    with pytest.raises(TransientError) as caught:
        hipchat().delete_account("55")
    assert caught.value.retry_after == 120
