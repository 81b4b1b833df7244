"""The Zoom connector, replaying Zoom's Server-to-Server OAuth and Users API.

Shapes from developers.zoom.us/docs/internal-apps/s2s-oauth/ (the account_credentials
grant), developers.zoom.us/docs/api/users/ ("Create users", "List users" with
next_page_token, "Get a user", "Update a user", "Update a user's email", "Update user
status", "Delete a user"; 409 code 1005 for an existing user, 404 code 1001 for a missing
one; 429 with Retry-After) and developers.zoom.us/docs/api/errors (403; a token without a
scope)."""

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
from provisioning.connectors.zoom import ZoomConnector

TOKEN_URL = "https://zoom.us/oauth/token"
API = "https://api.zoom.us/v2"
ACCESS = "zoom-access-token-abc"


def zoom(**extra):
    return ZoomConnector.build(
        {"account_id": "acc-1", "client_id": "cid", "client_secret": "csecret", **extra}
    )


def grant():
    responses.post(
        TOKEN_URL,
        json={
            "access_token": ACCESS,
            "token_type": "bearer",
            "expires_in": 3599,
            "scope": "user:write:admin",
        },
    )


def zoom_user(number, email):
    return {
        "id": f"z{number}",
        "first_name": "Nina",
        "last_name": "New",
        "email": email,
        "type": 1,
        "status": "pending",
    }


@responses.activate
def test_connection_test_gets_a_token_then_reads_users():
    grant()
    responses.get(f"{API}/users", json={"page_size": 1, "total_records": 12, "users": []})
    assert zoom().test_connection() == {"accounts": 12}
    token_request, users_request = (call.request for call in responses.calls)
    assert token_request.method == "POST"
    assert token_request.url == f"{TOKEN_URL}?grant_type=account_credentials&account_id=acc-1"
    expected = base64.b64encode(b"cid:csecret").decode()
    assert token_request.headers["Authorization"] == f"Basic {expected}"
    assert users_request.headers["Authorization"] == f"Bearer {ACCESS}"


@responses.activate
def test_bad_client_credentials_are_an_authentication_error():
    responses.post(
        TOKEN_URL,
        status=401,
        json={"reason": "Invalid client_id or client_secret", "error": "invalid_client"},
    )
    with pytest.raises(AuthenticationError):
        zoom().test_connection()


@responses.activate
def test_create_uses_the_chosen_action_and_sends_no_password():
    grant()
    responses.post(f"{API}/users", status=201, json=zoom_user(7, "nina@testco.example"))
    remote = zoom(action="autoCreate").create_account(
        NewAccount(
            email="nina@testco.example",
            username="nina",
            first_name="Nina",
            last_name="New",
            password="never-sent",
        )
    )
    assert remote.remote_id == "z7" and remote.active is False  # pending until activated
    request = responses.calls[1].request
    assert (request.method, request.url) == ("POST", f"{API}/users")
    assert request.headers["Authorization"] == f"Bearer {ACCESS}"
    assert json.loads(request.body) == {
        "action": "autoCreate",
        "user_info": {
            "email": "nina@testco.example",
            "type": 1,
            "first_name": "Nina",
            "last_name": "New",
        },
    }


@responses.activate
def test_listing_follows_next_page_token_with_one_token():
    grant()
    responses.get(
        f"{API}/users",
        match=[responses.matchers.query_param_matcher({"page_size": "300"})],
        json={
            "users": [zoom_user(i, f"u{i}@x.example") for i in range(300)],
            "next_page_token": "t2",
        },
    )
    responses.get(
        f"{API}/users",
        match=[
            responses.matchers.query_param_matcher({"page_size": "300", "next_page_token": "t2"})
        ],
        json={"users": [zoom_user(300, "u300@x.example")], "next_page_token": ""},
    )
    assert len(list(zoom().list_accounts())) == 301
    assert sum(call.request.url.startswith(TOKEN_URL) for call in responses.calls) == 1


@responses.activate
def test_lookup_by_email_and_a_missing_user():
    grant()
    responses.get(f"{API}/users/nina@testco.example", json=zoom_user(7, "nina@testco.example"))
    responses.get(
        f"{API}/users/nobody@testco.example",
        status=404,
        json={"code": 1001, "message": "User does not exist: nobody@testco.example."},
    )
    connector = zoom()
    assert connector.find_account(email="nina@testco.example").remote_id == "z7"
    assert connector.find_account(email="nobody@testco.example") is None


@responses.activate
def test_an_existing_user_is_already_exists_and_a_rate_limit_is_retried():
    grant()
    responses.post(
        f"{API}/users",
        status=409,
        json={"code": 1005, "message": "User already in the account: a@b.example"},
    )
    with pytest.raises(AlreadyExists):
        zoom().create_account(
            NewAccount(email="a@b.example", username="a", first_name="A", last_name="B")
        )
    responses.replace(
        responses.POST,
        f"{API}/users",
        status=429,
        headers={"Retry-After": "12"},
        json={
            "code": 429,
            "message": "You have reached the maximum per-second rate limit for this API.",
        },
    )
    with pytest.raises(TransientError) as caught:
        zoom().create_account(
            NewAccount(email="c@d.example", username="c", first_name="C", last_name="D")
        )
    assert caught.value.retry_after == 12


@responses.activate
def test_the_access_token_stays_out_of_messages():
    grant()
    responses.get(
        f"{API}/users", status=400, json={"code": 300, "message": f"Token {ACCESS} is malformed"}
    )
    with pytest.raises(Exception) as caught:
        zoom().test_connection()
    assert ACCESS not in str(caught.value)


# Lifecycle

NO_USER = {"code": 1001, "message": "User does not exist: z7."}


def person(*changed):
    return AccountUpdate(
        email="nina.new@testco.example",
        username="nina.new@testco.example",
        first_name="Nina",
        last_name="Newer",
        changed=frozenset(changed),
    )


def sent(call):
    return call.request.method, call.request.url, json.loads(call.request.body or "null")


def test_lifecycle_capabilities():
    capabilities = ZoomConnector.capabilities
    assert (
        capabilities.update,
        capabilities.deactivate,
        capabilities.reactivate,
        capabilities.delete,
    ) == (True, True, True, True)


@responses.activate
def test_update_patches_only_the_changed_names():
    grant()
    responses.patch(f"{API}/users/z7", status=204)
    assert zoom().update_account("z7", person("last_name")) is None
    token, patch = responses.calls
    assert sent(patch) == ("PATCH", f"{API}/users/z7", {"last_name": "Newer"})
    assert patch.request.headers["Authorization"] == f"Bearer {ACCESS}"


@responses.activate
def test_a_new_email_goes_through_its_own_endpoint():
    grant()
    responses.patch(f"{API}/users/z7", status=204)
    responses.put(f"{API}/users/z7/email", status=204)
    assert zoom().update_account("z7", person("email", "first_name", "username")) is None
    token, patch, email = responses.calls
    assert sent(patch) == ("PATCH", f"{API}/users/z7", {"first_name": "Nina"})
    assert sent(email) == ("PUT", f"{API}/users/z7/email", {"email": "nina.new@testco.example"})
    assert email.request.headers["Authorization"] == f"Bearer {ACCESS}"


@responses.activate
def test_an_email_zoom_refuses_says_what_zoom_allows():
    grant()
    responses.put(
        f"{API}/users/z7/email",
        status=409,
        json={"code": 1005, "message": "User already in the account: nina.new@testco.example"},
    )
    with pytest.raises(PermanentError, match="Zoom already has a user"):
        zoom().update_account("z7", person("email"))
    responses.replace(
        responses.PUT,
        f"{API}/users/z7/email",
        status=400,
        json={"code": 300, "message": "Validation Failed."},
    )
    with pytest.raises(PermanentError, match="managed domain") as caught:
        zoom().update_account("z7", person("email"))
    assert "Validation Failed." in caught.value.message


@responses.activate
def test_deactivate_and_reactivate_set_the_user_status():
    grant()
    responses.put(f"{API}/users/z7/status", status=204)
    connector = zoom()
    assert connector.deactivate_account("z7") is None
    assert connector.reactivate_account("z7") is None
    token, deactivate, activate = responses.calls
    assert sent(deactivate) == ("PUT", f"{API}/users/z7/status", {"action": "deactivate"})
    assert sent(activate) == ("PUT", f"{API}/users/z7/status", {"action": "activate"})


@pytest.mark.parametrize(
    "status, action",
    [("active", "delete"), ("inactive", "delete"), ("pending", "disassociate")],
)
@responses.activate
def test_delete_deletes_for_good_and_cancels_a_pending_invitation(status, action):
    grant()
    responses.get(f"{API}/users/z7", json={**zoom_user(7, "nina@testco.example"), "status": status})
    responses.delete(
        f"{API}/users/z7",
        match=[responses.matchers.query_param_matcher({"action": action})],
        status=204,
    )
    assert zoom().delete_account("z7") is None
    token, lookup, delete = responses.calls
    assert (lookup.request.method, lookup.request.url) == ("GET", f"{API}/users/z7")
    assert (delete.request.method, delete.request.url) == (
        "DELETE",
        f"{API}/users/z7?action={action}",
    )
    assert delete.request.body is None


def user_found():
    responses.get(
        f"{API}/users/z7", json={**zoom_user(7, "nina@testco.example"), "status": "active"}
    )


LIFECYCLE_CALLS = [
    pytest.param(
        lambda c: c.update_account("z7", person("first_name")),
        "PATCH",
        f"{API}/users/z7",
        id="update-names",
    ),
    pytest.param(
        lambda c: c.update_account("z7", person("email")),
        "PUT",
        f"{API}/users/z7/email",
        id="update-email",
    ),
    pytest.param(
        lambda c: c.deactivate_account("z7"), "PUT", f"{API}/users/z7/status", id="deactivate"
    ),
    pytest.param(
        lambda c: c.reactivate_account("z7"), "PUT", f"{API}/users/z7/status", id="reactivate"
    ),
    pytest.param(lambda c: c.delete_account("z7"), "DELETE", f"{API}/users/z7", id="delete"),
]


@pytest.mark.parametrize("call, method, url", LIFECYCLE_CALLS)
@responses.activate
def test_a_user_that_is_gone_is_not_found(call, method, url):
    grant()
    responses.add(method, url, status=404, json=NO_USER)
    responses.get(f"{API}/users/z7", status=404, json=NO_USER)  # delete reads the user first
    with pytest.raises(NotFound):
        call(zoom())


@pytest.mark.parametrize(
    "status, body",
    [
        (403, {"code": 200, "message": "No permission."}),
        (
            400,
            {
                "code": 4711,
                "message": "Invalid access token, does not contain scopes:[user:write:admin].",
            },
        ),
    ],
    ids=["forbidden", "missing-scope"],
)
@pytest.mark.parametrize("call, method, url", LIFECYCLE_CALLS)
@responses.activate
def test_an_app_not_allowed_to_manage_users_is_an_authentication_error(
    call, method, url, status, body
):
    grant()
    user_found()
    responses.add(method, url, status=status, json=body)
    with pytest.raises(AuthenticationError) as caught:
        call(zoom())
    assert body["message"] in caught.value.message
    assert ACCESS not in caught.value.message and "csecret" not in caught.value.message


@pytest.mark.parametrize("call, method, url", LIFECYCLE_CALLS)
@responses.activate
def test_a_rate_limited_lifecycle_call_is_retried(call, method, url):
    grant()
    user_found()
    responses.add(
        method,
        url,
        status=429,
        headers={"Retry-After": "12"},
        json={"code": 429, "message": "You have reached the maximum per-second rate limit."},
    )
    with pytest.raises(TransientError) as caught:
        call(zoom())
    assert caught.value.retry_after == 12
