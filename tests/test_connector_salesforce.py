"""The Salesforce connector, replaying the REST API (v60.0): the OAuth username-password flow
(help.salesforce.com "OAuth 2.0 Username-Password Flow"), SOQL query with nextRecordsUrl,
sObject User create, the User password resource, and error bodies
([{"errorCode": "DUPLICATE_USERNAME" | "INVALID_SESSION_ID" | "REQUEST_LIMIT_EXCEEDED"}])
from developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/. The lifecycle calls
follow "Update a Record" (dome_update_fields.htm: PATCH /sobjects/User/{id}, 204 and no body),
"Status Codes and Error Responses" (errorcodes.htm: 404 NOT_FOUND, 403 REQUEST_LIMIT_EXCEEDED,
INSUFFICIENT_ACCESS_OR_READONLY), the Object Reference's User (IsActive; its supported calls
have no delete()) and help.salesforce.com "Guidelines for Adding Users" (a Username is in the
format of an email address, unique across all Salesforce orgs)."""

import json
from urllib.parse import parse_qs, urlsplit

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
from provisioning.connectors.salesforce import SalesforceConnector

INSTANCE = "https://testco.my.salesforce.com"
DATA = f"{INSTANCE}/services/data/v60.0"
TOKEN = "00Dxx!session-token"


def salesforce(**extra):
    return SalesforceConnector.build(
        {"instance_url": INSTANCE, "access_token": TOKEN, "profile": "Standard User", **extra}
    )


def soql(request):
    return parse_qs(urlsplit(request.url).query)["q"][0]


def profiles(found=True):
    responses.get(
        f"{DATA}/query",
        match=[
            responses.matchers.query_param_matcher(
                {"q": "SELECT Id FROM Profile WHERE Name = 'Standard User'"}
            )
        ],
        json={
            "totalSize": int(found),
            "done": True,
            "records": [{"Id": "00e000000000001"}] if found else [],
        },
    )


@responses.activate
def test_connection_resolves_the_profile_and_explains_a_wrong_name():
    profiles()
    assert salesforce().test_connection() == {"profile_id": "00e000000000001"}
    request = responses.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    responses.reset()
    profiles(found=False)
    responses.get(
        f"{DATA}/query",
        match=[responses.matchers.query_param_matcher({"q": "SELECT Name FROM Profile"})],
        json={
            "done": True,
            "records": [{"Name": "System Administrator"}, {"Name": "Standard Platform User"}],
        },
    )
    with pytest.raises(
        PermanentError,
        match="no profile named “Standard User”.*Standard Platform User, System Administrator",
    ):
        salesforce().test_connection()


@responses.activate
def test_bad_credentials_and_the_username_password_flow():
    responses.get(
        f"{DATA}/query",
        status=401,
        json=[{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
    )
    with pytest.raises(AuthenticationError):
        salesforce().test_connection()
    responses.reset()
    responses.post(
        "https://login.salesforce.com/services/oauth2/token",
        json={"access_token": "00Dyy!fresh", "instance_url": INSTANCE, "token_type": "Bearer"},
    )
    profiles()
    connector = SalesforceConnector.build(
        {
            "client_id": "3MVG9",
            "client_secret": "csecret",
            "username": "admin@testco.example",
            "password": "pw+securitytoken",
            "profile": "Standard User",
        }
    )
    connector.test_connection()
    login = responses.calls[0].request
    assert parse_qs(login.body) == {
        "grant_type": ["password"],
        "client_id": ["3MVG9"],
        "client_secret": ["csecret"],
        "username": ["admin@testco.example"],
        "password": ["pw+securitytoken"],
    }
    assert responses.calls[1].request.headers["Authorization"] == "Bearer 00Dyy!fresh"


@responses.activate
def test_create_a_user_with_its_profile_then_set_the_temporary_password():
    profiles()
    responses.post(
        f"{DATA}/sobjects/User/",
        status=201,
        json={"id": "005000000000042", "success": True, "errors": []},
    )
    responses.post(f"{DATA}/sobjects/User/005000000000042/password", status=204)
    remote = salesforce().create_account(
        NewAccount(
            email="jose.nunez@testco.example",
            username="jose.nunez@testco.example",
            first_name="José",
            last_name="Ñúñez-García",
            password="Temp-Passw0rd!",
        )
    )
    assert remote.remote_id == "005000000000042"
    create, password = responses.calls[1].request, responses.calls[2].request
    assert (create.method, create.url) == ("POST", f"{DATA}/sobjects/User/")
    assert json.loads(create.body) == {
        "Username": "jose.nunez@testco.example",
        "Email": "jose.nunez@testco.example",
        "FirstName": "José",
        "LastName": "Ñúñez-García",
        "Alias": "jñúñezga",
        "ProfileId": "00e000000000001",
        "TimeZoneSidKey": "America/Los_Angeles",
        "LocaleSidKey": "en_US",
        "EmailEncodingKey": "UTF-8",
        "LanguageLocaleKey": "en_US",
    }
    assert (password.method, json.loads(password.body)) == (
        "POST",
        {"NewPassword": "Temp-Passw0rd!"},
    )


@responses.activate
def test_soql_listing_follows_next_records_url():
    responses.get(
        f"{DATA}/query",
        json={
            "done": False,
            "nextRecordsUrl": "/services/data/v60.0/query/01g-2000",
            "records": [
                {"Id": f"005{i}", "Username": f"u{i}@t.x", "Email": f"u{i}@t.x", "IsActive": True}
                for i in range(2000)
            ],
        },
    )
    responses.get(
        f"{DATA}/query/01g-2000",
        json={
            "done": True,
            "records": [
                {"Id": "005x", "Username": "last@t.x", "Email": "last@t.x", "IsActive": False}
            ],
        },
    )
    accounts = list(salesforce().list_accounts())
    assert len(accounts) == 2001 and accounts[-1].active is False
    assert "FROM User WHERE UserType = 'Standard'" in soql(responses.calls[0].request)


@responses.activate
def test_lookup_by_username_or_email_escapes_quotes():
    responses.get(
        f"{DATA}/query",
        json={
            "done": True,
            "records": [
                {
                    "Id": "005a",
                    "Username": "o'brien@testco.example",
                    "Email": "o'brien@testco.example",
                }
            ],
        },
    )
    found = salesforce().find_account(email="o'brien@testco.example")
    assert found.remote_id == "005a"
    assert "Email = 'o\\'brien@testco.example'" in soql(responses.calls[0].request)


@responses.activate
def test_a_duplicate_username_and_the_request_limit():
    profiles()
    responses.post(
        f"{DATA}/sobjects/User/",
        status=400,
        json=[{"message": "Duplicate Username.", "errorCode": "DUPLICATE_USERNAME", "fields": []}],
    )
    account = NewAccount(
        email="a@testco.example", username="a@testco.example", first_name="A", last_name="B"
    )
    with pytest.raises(AlreadyExists):
        salesforce().create_account(account)
    responses.replace(
        responses.POST,
        f"{DATA}/sobjects/User/",
        status=403,
        json=[{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}],
    )
    with pytest.raises(TransientError) as caught:
        salesforce().create_account(account)
    assert caught.value.retry_after == 3600


@responses.activate
def test_deactivate_sets_is_active_false():
    responses.patch(f"{DATA}/sobjects/User/005a", status=204)
    salesforce().deactivate_account("005a")
    request = responses.calls[0].request
    assert (request.method, json.loads(request.body)) == ("PATCH", {"IsActive": False})


USER = f"{DATA}/sobjects/User/005000000000042"


def person(*changed, **values):
    return AccountUpdate(
        **{
            "email": "jose.nunez@testco.example",
            "username": "jose.nunez@testco.example",
            "first_name": "José",
            "last_name": "Ñúñez-García",
            **values,
        },
        changed=frozenset(changed),
    )


# Each lifecycle call, with what it PATCHes when there is one field to change.
LIFECYCLE = {
    "update": (
        lambda c: c.update_account("005000000000042", person("first_name", first_name="Pepe")),
        {"FirstName": "Pepe"},
    ),
    "deactivate": (lambda c: c.deactivate_account("005000000000042"), {"IsActive": False}),
    "reactivate": (lambda c: c.reactivate_account("005000000000042"), {"IsActive": True}),
}


def test_capabilities_update_deactivate_reactivate_but_never_delete():
    capabilities = SalesforceConnector.capabilities
    assert capabilities.update and capabilities.deactivate and capabilities.reactivate
    assert capabilities.delete is False  # the User object supports no delete() call
    with pytest.raises(NotImplementedError):
        salesforce().delete_account("005000000000042")


@responses.activate
def test_update_patches_only_the_changed_fields_and_salesforce_answers_204():
    responses.patch(USER, status=204)
    changed = person(
        "email",
        "username",
        "last_name",
        email="jose.garcia@testco.example",
        username="jose.garcia@testco.example",
        last_name="García",
    )
    assert salesforce().update_account("005000000000042", changed) is None
    request = responses.calls[0].request
    assert (request.method, request.url) == ("PATCH", USER)
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert json.loads(request.body) == {
        "Email": "jose.garcia@testco.example",
        "Username": "jose.garcia@testco.example",
        "LastName": "García",
    }


@responses.activate
def test_update_sends_a_username_only_in_the_format_of_an_email_address():
    responses.patch(USER, status=204)
    salesforce().update_account(
        "005000000000042",
        person("username", "first_name", username="jnunez", first_name="Pepe"),
    )
    assert json.loads(responses.calls[0].request.body) == {"FirstName": "Pepe"}
    # Nothing Salesforce takes is left: no request at all.
    assert salesforce().update_account("005000000000042", person("username", username="jn")) is None
    assert len(responses.calls) == 1


@responses.activate
def test_update_clearing_the_last_name_keeps_the_required_field_filled():
    responses.patch(USER, status=204)
    salesforce().update_account("005000000000042", person("last_name", last_name=""))
    assert json.loads(responses.calls[0].request.body) == {"LastName": "jose.nunez"}


@responses.activate
def test_update_to_a_username_another_org_holds_is_a_clear_failure():
    responses.patch(
        USER,
        status=400,
        json=[
            {
                "message": "Duplicate Username.<br>The username already exists in this or "
                "another Salesforce organization. Usernames must be unique across all "
                "Salesforce organizations. To resolve, use a different username (it doesn't "
                "need to match the user's email address).",
                "errorCode": "DUPLICATE_USERNAME",
                "fields": ["Username"],
            }
        ],
    )
    with pytest.raises(PermanentError, match="username taken@testco.example.*unique") as caught:
        salesforce().update_account(
            "005000000000042", person("username", username="taken@testco.example")
        )
    assert not isinstance(caught.value, AlreadyExists)


@responses.activate
def test_deactivate_and_reactivate_patch_is_active():
    responses.patch(USER, status=204)
    salesforce().deactivate_account("005000000000042")
    salesforce().reactivate_account("005000000000042")
    deactivate, reactivate = (call.request for call in responses.calls)
    assert (deactivate.method, deactivate.url, json.loads(deactivate.body)) == (
        "PATCH",
        USER,
        {"IsActive": False},
    )
    assert (reactivate.method, reactivate.url, json.loads(reactivate.body)) == (
        "PATCH",
        USER,
        {"IsActive": True},
    )


@pytest.mark.parametrize("call", LIFECYCLE)
@responses.activate
def test_lifecycle_call_on_a_user_that_is_gone_is_not_found(call):
    invoke, body = LIFECYCLE[call]
    responses.patch(
        USER,
        status=404,
        json=[{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}],
    )
    with pytest.raises(NotFound):
        invoke(salesforce())
    request = responses.calls[0].request
    assert (request.method, request.url, json.loads(request.body)) == ("PATCH", USER, body)


@pytest.mark.parametrize("status", [400, 403])
@pytest.mark.parametrize("call", LIFECYCLE)
@responses.activate
def test_lifecycle_call_refused_for_insufficient_access_names_the_permission(call, status):
    invoke, _ = LIFECYCLE[call]
    responses.patch(
        USER,
        status=status,
        json=[
            {
                "message": "insufficient access rights on object id",
                "errorCode": "INSUFFICIENT_ACCESS_OR_READONLY",
                "fields": [],
            }
        ],
    )
    with pytest.raises(AuthenticationError, match="Manage Internal Users") as caught:
        invoke(salesforce())
    assert caught.value.status_code == status
    assert TOKEN not in caught.value.message


@pytest.mark.parametrize("call", LIFECYCLE)
@responses.activate
def test_lifecycle_call_at_the_api_request_limit_is_retried_later(call):
    invoke, _ = LIFECYCLE[call]
    responses.patch(
        USER,
        status=403,
        json=[{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}],
    )
    with pytest.raises(TransientError) as caught:
        invoke(salesforce())
    assert caught.value.retry_after == 3600


@responses.activate
def test_reactivate_without_a_free_license_says_so():
    responses.patch(
        USER,
        status=400,
        json=[
            {
                "message": "License Limit Exceeded",
                "errorCode": "LICENSE_LIMIT_EXCEEDED",
                "fields": [],
            }
        ],
    )
    with pytest.raises(PermanentError, match="no free user license"):
        salesforce().reactivate_account("005000000000042")
