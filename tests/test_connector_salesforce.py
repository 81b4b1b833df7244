"""The Salesforce connector, replaying the REST API (v60.0): the OAuth username-password flow
(help.salesforce.com "OAuth 2.0 Username-Password Flow"), SOQL query with nextRecordsUrl,
sObject User create, the User password resource, and error bodies
([{"errorCode": "DUPLICATE_USERNAME" | "INVALID_SESSION_ID" | "REQUEST_LIMIT_EXCEEDED"}])
from developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from provisioning.connectors.base import NewAccount
from provisioning.connectors.errors import (
    AlreadyExists,
    AuthenticationError,
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
