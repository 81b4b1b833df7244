"""The Yammer connector (legacy), replaying Yammer's REST API v1 (POST /invitations.json,
GET /users.json?page=N with 50 a page, GET /users/by_email.json, GET /users/current.json;
and, from Microsoft's Yammer REST reference at learn.microsoft.com/rest/api/yammer,
users_id_put: PUT /users/{id}.json with full_name and email, form-encoded; users_id_delete:
DELETE /users/{id}.json suspends, with delete=true it deletes)."""

from urllib.parse import parse_qsl

import pytest
import responses

from provisioning.connectors.base import AccountUpdate, NewAccount
from provisioning.connectors.errors import AuthenticationError, NotFound, TransientError
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


# Lifecycle: PUT and DELETE /users/{id}.json.

USER_9 = f"{API}/users/9.json"


def account_update(*changed, **values):
    fields = {
        "email": "nina@testco.example",
        "username": "nina",
        "first_name": "Nina",
        "last_name": "New",
        **values,
    }
    return AccountUpdate(**fields, changed=frozenset(changed))


def form(request):
    return dict(parse_qsl(request.body))


# What Yammer answers when the request cannot go through (the same for PUT and DELETE).
REFUSALS = [
    pytest.param(404, {}, NotFound, id="gone"),
    pytest.param(403, {}, AuthenticationError, id="not-a-verified-admin"),
    pytest.param(429, {"Retry-After": "10"}, TransientError, id="rate-limited"),
]


def test_capabilities_are_what_the_rest_api_can_do():
    capabilities = YammerConnector.capabilities
    assert (capabilities.update, capabilities.deactivate, capabilities.delete) == (True,) * 3
    assert capabilities.reactivate is False  # only the person's own sign-in reactivates


@responses.activate
def test_update_pushes_the_changed_name_as_full_name():
    responses.put(USER_9, json=user(9, "nina@testco.example") | {"full_name": "Nina Novak"})
    answer = yammer().update_account(
        "9", account_update("last_name", last_name="Novak", email="other@testco.example")
    )
    request = responses.calls[0].request
    assert (request.method, request.url) == ("PUT", USER_9)
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form(request) == {"full_name": "Nina Novak"}  # the email was not in changed
    assert answer.remote_id == "9"


@responses.activate
def test_update_pushes_a_changed_email():
    responses.put(USER_9, body="")  # the docs show no answer body
    answer = yammer().update_account("9", account_update("email", email="nina.n@testco.example"))
    assert answer is None
    assert form(responses.calls[0].request) == {"email": "nina.n@testco.example"}


@responses.activate
def test_update_of_the_username_alone_sends_nothing():
    """Yammer derives its username itself: the API takes none."""
    assert yammer().update_account("9", account_update("username", username="nn")) is None
    assert len(responses.calls) == 0


@responses.activate
@pytest.mark.parametrize("status,headers,error", REFUSALS)
def test_update_refused(status, headers, error):
    responses.put(USER_9, status=status, headers=headers, json={})
    with pytest.raises(error) as caught:
        yammer().update_account("9", account_update("email", email="n@testco.example"))
    assert TOKEN not in caught.value.message
    if status == 429:
        assert caught.value.retry_after == 10


@responses.activate
def test_deactivate_suspends_with_a_plain_delete():
    responses.delete(USER_9, match=[responses.matchers.query_string_matcher("")], body="")
    assert yammer().deactivate_account("9") is None
    request = responses.calls[0].request
    assert (request.method, request.url, request.body) == ("DELETE", USER_9, None)
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


@responses.activate
@pytest.mark.parametrize("status,headers,error", REFUSALS)
def test_deactivate_refused(status, headers, error):
    responses.delete(USER_9, status=status, headers=headers, json={})
    with pytest.raises(error):
        yammer().deactivate_account("9")


@responses.activate
def test_delete_passes_delete_true():
    responses.delete(
        USER_9, match=[responses.matchers.query_param_matcher({"delete": "true"})], body=""
    )
    assert yammer().delete_account("9") is None
    request = responses.calls[0].request
    assert (request.method, request.url, request.body) == ("DELETE", f"{USER_9}?delete=true", None)


@responses.activate
@pytest.mark.parametrize("status,headers,error", REFUSALS)
def test_delete_refused(status, headers, error):
    responses.delete(USER_9, status=status, headers=headers, json={})
    with pytest.raises(error):
        yammer().delete_account("9")


@responses.activate
def test_an_invited_account_is_found_by_its_email_first():
    """create_account records "invited:<email>" when Yammer did not list the person yet."""
    responses.get(
        f"{API}/users/by_email.json",
        match=[responses.matchers.query_param_matcher({"email": "nina@testco.example"})],
        json=[user(9, "nina@testco.example")],
    )
    responses.delete(USER_9, body="")
    yammer().deactivate_account("invited:nina@testco.example")
    assert [(c.request.method, c.request.url) for c in responses.calls][-1] == ("DELETE", USER_9)


@responses.activate
def test_an_invited_account_yammer_does_not_know_is_not_found():
    responses.get(f"{API}/users/by_email.json", status=404, json={})
    with pytest.raises(NotFound) as caught:
        yammer().delete_account("invited:nina@testco.example")
    assert "nina@testco.example" in caught.value.message
    assert [c.request.method for c in responses.calls] == ["GET"]
