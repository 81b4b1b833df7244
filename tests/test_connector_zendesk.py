"""The Zendesk connector, replaying the Support Users API.

Shapes from developer.zendesk.com/api-reference/ticketing/users/users/ ("Create User",
"List Users" with cursor pagination, "Search Users", "Show the Currently Authenticated
User", "Update User", "Delete User"), developer.zendesk.com/api-reference/ticketing/users/
user_identities/ ("List Identities", "Create Identity", "Make Identity Primary") and
developer.zendesk.com/api-reference/introduction/rate-limits/ (429, Retry-After)."""

import base64
import json

import pytest
import responses

from provisioning.connectors.base import AccountUpdate, NewAccount
from provisioning.connectors.errors import (
    AlreadyExists,
    AuthenticationError,
    NotFound,
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


# Lifecycle

NOT_FOUND = {"error": "RecordNotFound", "description": "Not found"}
FORBIDDEN = {
    "error": "Forbidden",
    "description": "You do not have access to this page. Please contact the account owner of "
    "this help desk for further help.",
}


def person(*changed, email="nina.new@testco.example"):
    return AccountUpdate(
        email=email,
        username=email,
        first_name="Nina",
        last_name="Newer",
        changed=frozenset(changed),
    )


def identity(number, value, primary, kind="email"):
    return {
        "id": number,
        "user_id": 99,
        "type": kind,
        "value": value,
        "primary": primary,
        "verified": primary,
        "verification_method": "low" if primary else "none",
        "created_at": "2026-11-26T10:00:00Z",
        "updated_at": "2026-11-26T10:00:00Z",
    }


def test_lifecycle_capabilities():
    capabilities = ZendeskConnector.capabilities
    assert (
        capabilities.update,
        capabilities.deactivate,
        capabilities.reactivate,
        capabilities.delete,
    ) == (True, True, True, True)


@responses.activate
def test_update_puts_only_the_name_when_only_the_name_changed():
    responses.put(
        f"{API}/users/99.json",
        json={"user": {**user(99, "nina@testco.example"), "name": "Nina Newer"}},
    )
    remote = zendesk().update_account("99", person("last_name"))
    assert (remote.remote_id, remote.first_name, remote.last_name) == ("99", "Nina", "Newer")
    (call,) = responses.calls
    assert (call.request.method, call.request.url) == ("PUT", f"{API}/users/99.json")
    assert_basic_auth(call.request)
    assert json.loads(call.request.body) == {"user": {"name": "Nina Newer"}}


@responses.activate
def test_a_new_email_becomes_a_primary_identity_not_a_secondary_one():
    responses.get(
        f"{API}/users/99/identities.json",
        json={
            "identities": [
                identity(1, "nina@testco.example", True),
                identity(2, "+15551234567", False, "phone_number"),
            ]
        },
    )
    responses.post(
        f"{API}/users/99/identities.json",
        status=201,
        json={"identity": identity(77, "nina.new@testco.example", False)},
    )
    responses.put(
        f"{API}/users/99/identities/77/make_primary.json",
        json={
            "identities": [
                identity(77, "nina.new@testco.example", True),
                identity(1, "nina@testco.example", False),
            ]
        },
    )
    assert zendesk().update_account("99", person("email")) is None
    listing, creation, primary = (call.request for call in responses.calls)
    assert (listing.method, listing.url) == ("GET", f"{API}/users/99/identities.json")
    assert (creation.method, creation.url) == ("POST", f"{API}/users/99/identities.json")
    assert json.loads(creation.body) == {
        "identity": {"type": "email", "value": "nina.new@testco.example"}
    }
    assert (primary.method, primary.url) == (
        "PUT",
        f"{API}/users/99/identities/77/make_primary.json",
    )
    assert primary.body is None
    for request in (listing, creation, primary):
        assert_basic_auth(request)


@responses.activate
def test_an_address_the_user_already_has_is_made_primary_without_adding_it():
    responses.get(
        f"{API}/users/99/identities.json",
        json={
            "identities": [
                identity(1, "nina@testco.example", True),
                identity(5, "Nina.New@TestCo.example", False),
            ]
        },
    )
    responses.put(f"{API}/users/99/identities/5/make_primary.json", json={"identities": []})
    responses.put(
        f"{API}/users/99.json",
        json={"user": {**user(99, "nina.new@testco.example"), "name": "Nina Newer"}},
    )
    remote = zendesk().update_account("99", person("email", "first_name"))
    assert remote.email == "nina.new@testco.example"
    assert [(c.request.method, c.request.url) for c in responses.calls] == [
        ("GET", f"{API}/users/99/identities.json"),
        ("PUT", f"{API}/users/99/identities/5/make_primary.json"),
        ("PUT", f"{API}/users/99.json"),
    ]
    assert json.loads(responses.calls[2].request.body) == {"user": {"name": "Nina Newer"}}


@responses.activate
def test_an_address_already_primary_needs_no_change():
    responses.get(
        f"{API}/users/99/identities.json",
        json={"identities": [identity(1, "nina.new@testco.example", True)]},
    )
    assert zendesk().update_account("99", person("email", "username")) is None
    assert len(responses.calls) == 1


@responses.activate
def test_an_address_another_user_has_is_a_failure_that_says_so():
    responses.get(
        f"{API}/users/99/identities.json",
        json={"identities": [identity(1, "nina@testco.example", True)]},
    )
    responses.post(
        f"{API}/users/99/identities.json",
        status=422,
        json={
            "error": "RecordInvalid",
            "description": "Record validation errors",
            "details": {
                "value": [
                    {
                        "description": "Value: nina.new@testco.example is already being used "
                        "by another user",
                        "error": "DuplicateValue",
                    }
                ]
            },
        },
    )
    with pytest.raises(PermanentError, match="Another Zendesk user already has"):
        zendesk().update_account("99", person("email"))


@responses.activate
def test_deactivate_and_reactivate_suspend_and_unsuspend():
    responses.put(
        f"{API}/users/99.json",
        json={"user": {**user(99, "nina@testco.example"), "suspended": True}},
    )
    connector = zendesk()
    assert connector.deactivate_account("99") is None
    assert connector.reactivate_account("99") is None
    suspend, unsuspend = (call.request for call in responses.calls)
    for request in (suspend, unsuspend):
        assert (request.method, request.url) == ("PUT", f"{API}/users/99.json")
        assert_basic_auth(request)
    assert json.loads(suspend.body) == {"user": {"suspended": True}}
    assert json.loads(unsuspend.body) == {"user": {"suspended": False}}


@responses.activate
def test_delete_is_zendesks_soft_delete():
    responses.delete(
        f"{API}/users/99.json",
        json={"user": {"active": False, "id": 99, "name": "Nina New"}},
    )
    assert zendesk().delete_account("99") is None
    (call,) = responses.calls
    assert (call.request.method, call.request.url) == ("DELETE", f"{API}/users/99.json")
    assert call.request.body is None
    assert_basic_auth(call.request)


LIFECYCLE_CALLS = [
    pytest.param(
        lambda c: c.update_account("99", person("first_name")),
        "PUT",
        f"{API}/users/99.json",
        id="update-name",
    ),
    pytest.param(
        lambda c: c.update_account("99", person("email")),
        "GET",
        f"{API}/users/99/identities.json",
        id="update-email",
    ),
    pytest.param(lambda c: c.deactivate_account("99"), "PUT", f"{API}/users/99.json", id="suspend"),
    pytest.param(lambda c: c.reactivate_account("99"), "PUT", f"{API}/users/99.json", id="resume"),
    pytest.param(lambda c: c.delete_account("99"), "DELETE", f"{API}/users/99.json", id="delete"),
]


@pytest.mark.parametrize("call, method, url", LIFECYCLE_CALLS)
@responses.activate
def test_a_user_that_is_gone_is_not_found(call, method, url):
    responses.add(method, url, status=404, json=NOT_FOUND)
    with pytest.raises(NotFound):
        call(zendesk())


@pytest.mark.parametrize("call, method, url", LIFECYCLE_CALLS)
@responses.activate
def test_an_agent_not_allowed_to_manage_users_is_an_authentication_error(call, method, url):
    responses.add(method, url, status=403, json=FORBIDDEN)
    with pytest.raises(AuthenticationError) as caught:
        call(zendesk())
    assert "(403)" in caught.value.message and TOKEN not in caught.value.message


@pytest.mark.parametrize("call, method, url", LIFECYCLE_CALLS)
@responses.activate
def test_a_rate_limited_lifecycle_call_is_retried(call, method, url):
    responses.add(method, url, status=429, headers={"Retry-After": "12"})
    with pytest.raises(TransientError) as caught:
        call(zendesk())
    assert caught.value.retry_after == 12
