"""The Google Workspace connector, replaying Google's OAuth 2.0 service-account flow and the
Admin SDK Directory API (developers.google.com/identity/protocols/oauth2/service-account;
developers.google.com/admin-sdk/directory/reference/rest/v1/users: insert, list with
pageToken, get; errors "Entity already exists." 409 and rateLimitExceeded 403). Lifecycle, from
the same reference: users.update (PUT /users/{userKey}, patch semantics: only the fields to
change; name.givenName / familyName, primaryEmail, suspended) answering the User, and
users.delete (DELETE /users/{userKey}, an empty 204); errors "Resource Not Found: userKey" 404,
"Not Authorized to access this resource/api" 403, userRateLimitExceeded 403 and 429."""

import base64
import json

import pytest
import responses
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from provisioning.connectors.base import AccountUpdate, NewAccount
from provisioning.connectors.errors import (
    AlreadyExists,
    AuthenticationError,
    NotFound,
    PermanentError,
    TransientError,
)
from provisioning.connectors.google_workspace import GoogleWorkspaceConnector

TOKEN_URL = "https://oauth2.googleapis.com/token"
API = "https://admin.googleapis.com/admin/directory/v1"
ACCESS = "ya29.google-access-token"
PRIVATE = rsa.generate_private_key(public_exponent=65537, key_size=2048)
KEY_JSON = json.dumps(
    {
        "type": "service_account",
        "client_email": "provisioner@testco.iam.gserviceaccount.com",
        "private_key": PRIVATE.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
    }
)


def google(**changes):
    return GoogleWorkspaceConnector.build(
        {"service_account_key": KEY_JSON, "admin_email": "admin@testco.example", **changes}
    )


def grant():
    responses.post(
        TOKEN_URL, json={"access_token": ACCESS, "expires_in": 3599, "token_type": "Bearer"}
    )


def unb64(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def google_user(number, email):
    return {
        "kind": "admin#directory#user",
        "id": str(number),
        "primaryEmail": email,
        "name": {"givenName": "Nina", "familyName": "New"},
        "suspended": False,
    }


@responses.activate
def test_the_signed_jwt_is_traded_for_a_token_then_users_are_read():
    grant()
    responses.get(f"{API}/users", json={"users": [google_user(1, "a@testco.example")]})
    assert google().test_connection() == {"accounts_on_first_page": 1}
    token_request, users_request = (call.request for call in responses.calls)
    form = dict(pair.split("=", 1) for pair in token_request.body.split("&"))
    assert form["grant_type"] == "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
    header, claims, signature = form["assertion"].split(".")
    assert json.loads(unb64(header)) == {"alg": "RS256", "typ": "JWT"}
    claims = json.loads(unb64(claims))
    assert claims["iss"] == "provisioner@testco.iam.gserviceaccount.com"
    assert claims["sub"] == "admin@testco.example" and claims["aud"] == TOKEN_URL
    assert claims["scope"] == "https://www.googleapis.com/auth/admin.directory.user"
    PRIVATE.public_key().verify(
        unb64(signature),
        f"{header}.{form['assertion'].split('.')[1]}".encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    assert users_request.headers["Authorization"] == f"Bearer {ACCESS}"
    assert "customer=my_customer" in users_request.url


@responses.activate
def test_a_refused_grant_and_a_broken_key():
    responses.post(
        TOKEN_URL,
        status=401,
        json={"error": "unauthorized_client", "error_description": "Client is unauthorized"},
    )
    with pytest.raises(AuthenticationError):
        google().test_connection()
    with pytest.raises(PermanentError, match="not a Google JSON key"):
        google(service_account_key="{not json").test_connection()


@responses.activate
def test_insert_sets_a_temporary_password_to_change_at_next_login():
    grant()
    responses.post(f"{API}/users", json=google_user(77, "nina@testco.example"))
    remote = google().create_account(
        NewAccount(
            email="nina@testco.example",
            username="nina@testco.example",
            first_name="Nina",
            last_name="New",
            password="Temp-Passw0rd!",
        )
    )
    assert remote.remote_id == "77"
    request = responses.calls[1].request
    assert (request.method, request.url) == ("POST", f"{API}/users")
    assert json.loads(request.body) == {
        "primaryEmail": "nina@testco.example",
        "name": {"givenName": "Nina", "familyName": "New"},
        "password": "Temp-Passw0rd!",
        "changePasswordAtNextLogin": True,
    }


@responses.activate
def test_listing_follows_page_tokens():
    grant()
    responses.get(
        f"{API}/users",
        match=[
            responses.matchers.query_param_matcher({"customer": "my_customer", "maxResults": "500"})
        ],
        json={
            "users": [google_user(i, f"u{i}@testco.example") for i in range(500)],
            "nextPageToken": "p2",
        },
    )
    responses.get(
        f"{API}/users",
        match=[
            responses.matchers.query_param_matcher(
                {"customer": "my_customer", "maxResults": "500", "pageToken": "p2"}
            )
        ],
        json={"users": [google_user(500, "u500@testco.example")]},
    )
    assert len(list(google().list_accounts())) == 501


@responses.activate
def test_lookup_duplicate_and_rate_limit():
    grant()
    responses.get(f"{API}/users/nina@testco.example", json=google_user(7, "nina@testco.example"))
    responses.get(
        f"{API}/users/nobody@testco.example",
        status=404,
        json={"error": {"code": 404, "message": "Resource Not Found: userKey"}},
    )
    assert google().find_account(email="nina@testco.example").remote_id == "7"
    assert google().find_account(email="nobody@testco.example") is None
    responses.post(
        f"{API}/users",
        status=409,
        json={"error": {"code": 409, "message": "Entity already exists."}},
    )
    account = NewAccount(
        email="nina@testco.example",
        username="nina@testco.example",
        first_name="Nina",
        last_name="New",
        password="Temp-Passw0rd!",
    )
    with pytest.raises(AlreadyExists):
        google().create_account(account)
    responses.replace(
        responses.POST,
        f"{API}/users",
        status=403,
        json={
            "error": {
                "code": 403,
                "message": "Rate Limit Exceeded",
                "errors": [{"reason": "rateLimitExceeded", "message": "Rate Limit Exceeded"}],
            }
        },
    )
    with pytest.raises(TransientError):
        google().create_account(account)


USER = f"{API}/users/77"


def person(*changed, **values):
    return AccountUpdate(
        **{
            "email": "nina@testco.example",
            "username": "nina@testco.example",
            "first_name": "Nina",
            "last_name": "New",
            **values,
        },
        changed=frozenset(changed),
    )


def google_error(code, message, reason):
    return {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": reason}],
        }
    }


# Each lifecycle call: how it is made, and the request it sends (method, body).
LIFECYCLE = {
    "update": (
        lambda c: c.update_account("77", person("last_name", last_name="Neu")),
        ("PUT", {"name": {"familyName": "Neu"}}),
    ),
    "deactivate": (lambda c: c.deactivate_account("77"), ("PUT", {"suspended": True})),
    "reactivate": (lambda c: c.reactivate_account("77"), ("PUT", {"suspended": False})),
    "delete": (lambda c: c.delete_account("77"), ("DELETE", None)),
}


def answer(call, **kwargs):
    method = LIFECYCLE[call][1][0]
    responses.add(method, USER, **kwargs)


def sent(call):
    request = responses.calls[1].request  # after the token grant
    body = json.loads(request.body) if request.body else None
    assert (request.method, request.url, body) == (
        LIFECYCLE[call][1][0],
        USER,
        LIFECYCLE[call][1][1],
    )


def test_capabilities_update_suspend_restore_and_delete():
    capabilities = GoogleWorkspaceConnector.capabilities
    assert capabilities.update and capabilities.deactivate
    assert capabilities.reactivate and capabilities.delete


@responses.activate
def test_update_puts_only_the_changed_fields_and_reads_the_user_back():
    grant()
    renamed = {
        **google_user(77, "nina.neu@testco.example"),
        "name": {"givenName": "Nina", "familyName": "Neu", "fullName": "Nina Neu"},
        "aliases": ["nina@testco.example"],
    }
    responses.put(USER, json=renamed)
    remote = google().update_account(
        "77",
        person("email", "last_name", email="nina.neu@testco.example", last_name="Neu"),
    )
    request = responses.calls[1].request
    assert (request.method, request.url) == ("PUT", USER)
    assert request.headers["Authorization"] == f"Bearer {ACCESS}"
    assert json.loads(request.body) == {
        "name": {"familyName": "Neu"},
        "primaryEmail": "nina.neu@testco.example",
    }
    assert (remote.remote_id, remote.email, remote.last_name) == (
        "77",
        "nina.neu@testco.example",
        "Neu",
    )
    assert "nina@testco.example" in remote.addresses()  # the old address, kept as an alias


@responses.activate
def test_update_of_the_username_alone_sends_nothing():
    # Google's only username is the primary email: nothing to push, no request made.
    assert google().update_account("77", person("username", username="nina.n")) is None
    assert len(responses.calls) == 0


@responses.activate
def test_update_to_an_address_already_taken_is_a_clear_failure():
    grant()
    responses.put(USER, status=409, json=google_error(409, "Entity already exists.", "duplicate"))
    with pytest.raises(PermanentError, match="taken@testco.example.*already has it") as caught:
        google().update_account("77", person("email", email="taken@testco.example"))
    assert not isinstance(caught.value, AlreadyExists)


@responses.activate
def test_suspend_restore_and_delete():
    grant()
    responses.put(USER, json={**google_user(77, "nina@testco.example"), "suspended": True})
    responses.delete(USER, status=204)
    connector = google()
    connector.deactivate_account("77")
    connector.reactivate_account("77")
    connector.delete_account("77")
    suspend, restore, delete = (call.request for call in responses.calls[1:])
    assert (suspend.method, suspend.url, json.loads(suspend.body)) == (
        "PUT",
        USER,
        {"suspended": True},
    )
    assert (restore.method, restore.url, json.loads(restore.body)) == (
        "PUT",
        USER,
        {"suspended": False},
    )
    assert (delete.method, delete.url, delete.body) == ("DELETE", USER, None)


@pytest.mark.parametrize("call", LIFECYCLE)
@responses.activate
def test_lifecycle_call_on_a_user_that_is_gone_is_not_found(call):
    grant()
    answer(call, status=404, json=google_error(404, "Resource Not Found: userKey", "notFound"))
    with pytest.raises(NotFound):
        LIFECYCLE[call][0](google())
    sent(call)


@pytest.mark.parametrize("call", LIFECYCLE)
@responses.activate
def test_lifecycle_call_refused_by_google_is_an_authentication_error(call):
    grant()
    message = "Not Authorized to access this resource/api"
    answer(call, status=403, json=google_error(403, message, "forbidden"))
    with pytest.raises(AuthenticationError, match="not allowed to manage users") as caught:
        LIFECYCLE[call][0](google())
    assert ACCESS not in caught.value.message and "PRIVATE KEY" not in caught.value.message
    sent(call)


@pytest.mark.parametrize("call", LIFECYCLE)
@responses.activate
def test_lifecycle_call_rate_limited_is_retried_later(call):
    grant()
    answer(
        call,
        status=429,
        headers={"Retry-After": "30"},
        json=google_error(429, "Quota exceeded for quota metric 'Queries'", "rateLimitExceeded"),
    )
    with pytest.raises(TransientError) as caught:
        LIFECYCLE[call][0](google())
    assert caught.value.retry_after == 30
    responses.reset()
    grant()
    answer(
        call,
        status=403,
        json=google_error(403, "User Rate Limit Exceeded", "userRateLimitExceeded"),
    )
    with pytest.raises(TransientError) as caught:
        LIFECYCLE[call][0](google())
    assert caught.value.retry_after == 10
