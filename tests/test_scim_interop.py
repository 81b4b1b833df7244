"""The SCIM connector against two real, independent SCIM servers: scim2-server (close to the
RFCs) and django-scim2 (declares no filtering, answers an emails filter with an empty list,
leaves totalResults out of its discovery lists, lists an email-less user with an empty email).
Every test runs against both."""

import pytest

from provisioning import engine
from provisioning.connectors.base import NewAccount
from provisioning.connectors.errors import AlreadyExists
from provisioning.connectors.scim import ScimConnector
from provisioning.models import AppAccount, Connection
from provisioning.services import AccountRequest, connect, queue_jobs
from provisioning.status import Status

from .conftest import add_app
from .scim_servers.helpers import connected, credentials, raw_create, raw_get, seed


def test_the_connection_test_passes_and_records_what_the_server_can_do(server):
    seed(server, 2)
    info = ScimConnector.build(credentials(server)).test_connection()
    assert info["accounts"] == 2
    assert "User" in info["resource_types"]
    if server.name == "django-scim2":  # it says it cannot filter: no filter is trusted
        assert info["filter"] is False
        assert info["filters"] == {"userName": False, "emails.value": False}
    else:
        assert info["filters"] == {"userName": True, "emails.value": True}


def test_listing_walks_every_page_once(server, monkeypatch):
    monkeypatch.setattr("provisioning.connectors.scim.PAGE_SIZE", 7)
    ids = seed(server, 23)
    accounts = list(connected(server).list_accounts())
    assert sorted(a.remote_id for a in accounts) == sorted(ids)
    assert {a.email for a in accounts} == {f"seed{i:03}@vendor.example" for i in range(23)}


def test_find_by_username_and_by_email_returns_only_that_account(server):
    ids = seed(server, 12)
    scim = connected(server)
    assert scim.find_account(username="seed007").remote_id == ids[7]
    assert scim.find_account(username="SEED007").remote_id == ids[7]  # RFC 7643: caseExact false
    assert scim.find_account(email="seed011@vendor.example").remote_id == ids[11]
    assert scim.find_account(email="SEED002@vendor.example").remote_id == ids[2]
    assert scim.find_account(username="seed-137") is None
    assert scim.find_account(email='no"body@vendor.example') is None


def test_find_works_when_the_server_was_empty_at_confirm(server):
    scim = connected(server)  # nothing to prove the filters with yet
    ids = seed(server, 3)
    assert scim.find_account(email="seed001@vendor.example").remote_id == ids[1]
    assert scim.find_account(email="seed999@vendor.example") is None


def test_create_with_a_password(server):
    remote = connected(server).create_account(
        NewAccount(
            email="ana@testco.example",
            username="ana.lima",
            first_name="Ana",
            last_name="Lima",
            password="Temp-Passw0rd!",
        )
    )
    stored = raw_get(server, remote.remote_id)
    assert stored["userName"] == "ana.lima"
    assert stored["emails"][0]["value"] == "ana@testco.example"
    assert stored["name"]["givenName"] == "Ana" and stored["name"]["formatted"] == "Ana Lima"
    assert stored["active"] is True
    assert "password" not in stored  # writeOnly: sent, never shown back


def test_create_without_a_password(server):
    scim = ScimConnector.build({**credentials(server), "passwords": "none"})
    remote = scim.create_account(
        NewAccount(email="bo@testco.example", username="bo", first_name="Bo", last_name="Ek")
    )
    assert raw_get(server, remote.remote_id)["userName"] == "bo"


def test_non_ascii_names_and_plus_addresses_go_and_come_back_intact(server):
    scim = connected(server)
    created = scim.create_account(
        NewAccount(
            email="jose+ops@testco.example",
            username="jose.nunez",
            first_name="José",
            last_name="Ñúñez",
        )
    )
    stored = raw_get(server, created.remote_id)
    assert (stored["name"]["givenName"], stored["name"]["familyName"]) == ("José", "Ñúñez")
    found = scim.find_account(email="jose+ops@testco.example")
    assert found.remote_id == created.remote_id
    assert (found.first_name, found.last_name) == ("José", "Ñúñez")


def test_creating_a_taken_username_is_already_exists(server):
    seed(server, 1)
    with pytest.raises(AlreadyExists):
        connected(server).create_account(
            NewAccount(
                email="other@testco.example", username="seed000", first_name="S", last_name="Z"
            )
        )


def connect_app(testco, server):
    app = add_app(testco, name=f"SCIM ({server.name})")
    ok, message = connect(app, credentials(server))
    assert ok, message
    return app


def test_already_exists_links_the_persons_own_account(server, testco, member):
    own = raw_create(server, "bob.member", member.email, "Bob", "Member")["id"]
    seed(server, 3)
    app = connect_app(testco, server)
    request = AccountRequest(user=member, username="bob.member")
    (job,) = queue_jobs(app, [request], trigger="test")
    assert engine.run_job(job.pk) == "succeeded"
    account = AppAccount.objects.get(user=member, app=app)
    assert (account.remote_id, account.origin, account.status) == (
        own,
        AppAccount.Origin.LINKED,
        Status.ACTIVE,
    )


def test_already_exists_never_links_a_strangers_account(server, testco, member):
    raw_create(server, "bob.member", "bob.member@elsewhere.example", "Bob", "Other")
    app = connect_app(testco, server)
    request = AccountRequest(user=member, username="bob.member")
    (job,) = queue_jobs(app, [request], trigger="test")
    assert engine.run_job(job.pk) == "failed"
    account = AppAccount.objects.get(user=member, app=app)
    assert account.remote_id == "" and account.status == Status.FAILED
    assert "bob.member" in account.last_error and "somebody else's" in account.last_error


def test_lookup_first_links_by_email_and_never_a_stranger(server, testco, admin, member):
    """Method 2 looks up by email first: the member's account is linked; the admin, whose
    email no account has, gets a new one even though the app holds other people."""
    own = raw_create(server, "bobby", member.email, "Bob", "Member")["id"]
    seed(server, 5)
    app = connect_app(testco, server)
    requests_ = [AccountRequest(user=p, lookup_first=True) for p in (member, admin)]
    jobs = queue_jobs(app, requests_, trigger="test")
    assert engine.run_jobs([job.pk for job in jobs]) == ["succeeded", "succeeded"]
    linked = AppAccount.objects.get(user=member, app=app)
    assert (linked.remote_id, linked.origin) == (own, AppAccount.Origin.LINKED)
    created = AppAccount.objects.get(user=admin, app=app)
    assert created.origin == AppAccount.Origin.CREATED
    assert raw_get(server, created.remote_id)["emails"][0]["value"] == admin.email
    assert Connection.objects.get(app=app).state == Connection.State.CONNECTED


def test_the_credentials_page_says_how_accounts_are_found(server, testco, as_admin):
    seed(server, 1)
    app = connect_app(testco, server)
    page = as_admin.get(f"/apps/{app.pk}/assign/?step=credentials").content.decode()
    if server.name == "django-scim2":
        assert "Read and matched by the console (its filter cannot be trusted)" in page
    else:
        assert "Its filter, checked on every answer" in page
