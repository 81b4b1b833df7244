"""The generic SCIM 2.0 connector against a real SCIM server (scim2-server, bearer token)."""

import pytest

from provisioning import engine
from provisioning.connectors.base import NewAccount
from provisioning.connectors.errors import AlreadyExists, AuthenticationError, TransientError
from provisioning.connectors.scim import ScimConnector
from provisioning.models import AppAccount, Connection
from provisioning.services import AccountRequest, connect, queue_jobs
from provisioning.status import Status

from .conftest import SCIM_TOKEN, add_app


def connector(server, token=SCIM_TOKEN):
    return ScimConnector.build({"base_url": server.url, "auth": "bearer", "token": token})


def seed_remote_users(server, count, prefix="seed"):
    """Accounts that exist in the app before the console knows them; returns their ids."""
    scim = connector(server)
    return [
        scim.create_account(
            NewAccount(
                email=f"{prefix}{i}@vendor.example",
                username=f"{prefix}{i}@vendor.example",
                first_name="Seed",
                last_name=str(i),
            )
        ).remote_id
        for i in range(count)
    ]


def test_connection_test_with_a_good_token_records_what_the_server_supports(scim_server):
    info = connector(scim_server).test_connection()
    assert info["filter"] is True and info["patch"] is True
    assert "etag" in info and info["pagination"] == "index"
    assert "User" in info["resource_types"]
    assert info["accounts"] == 0


def test_connection_test_with_a_bad_token_is_an_authentication_error(scim_server):
    with pytest.raises(AuthenticationError) as caught:
        connector(scim_server, token="wrong-token").test_connection()
    assert "rejected the credentials (401)" in caught.value.message


def test_connect_saves_only_credentials_that_work(testco, scim_server):
    app = add_app(testco)
    ok, message = connect(app, {"base_url": scim_server.url, "auth": "bearer", "token": "bad"})
    assert not ok and "401" in message
    assert not Connection.objects.filter(app=app, state=Connection.State.CONNECTED).exists()
    ok, _ = connect(app, {"base_url": scim_server.url, "auth": "bearer", "token": SCIM_TOKEN})
    connection = Connection.objects.get(app=app)
    assert ok and connection.state == Connection.State.CONNECTED
    assert connection.server_info["filter"] is True


def test_unreachable_host_is_a_transient_error_with_a_readable_message(scim_server):
    dead = ScimConnector.build(
        {"base_url": "http://127.0.0.1:9/v2", "auth": "bearer", "token": SCIM_TOKEN}
    )
    with pytest.raises(TransientError) as caught:
        dead.test_connection()
    assert "Could not connect to 127.0.0.1" in caught.value.message


def test_create_with_a_password(scim_server):
    remote = connector(scim_server).create_account(
        NewAccount(
            email="ana@testco.example",
            username="ana@testco.example",
            first_name="Ana",
            last_name="Lima",
            password="Temp-Passw0rd!",
        )
    )
    stored = scim_server.storage.resources[0]
    assert stored.id == remote.remote_id
    assert (stored.user_name, stored.emails[0].value) == (
        "ana@testco.example",
        "ana@testco.example",
    )
    assert (stored.name.given_name, stored.name.family_name) == ("Ana", "Lima")
    assert stored.active is True
    assert stored.password  # the server received a password (it keeps it hashed)


def test_create_without_a_password(scim_server):
    connector(scim_server).create_account(
        NewAccount(
            email="bo@testco.example",
            username="bo",
            first_name="Bo",
            last_name="Ek",
        )
    )
    assert scim_server.storage.resources[0].password is None


def test_creating_an_existing_username_is_already_exists(scim_server):
    seed_remote_users(scim_server, 1)
    with pytest.raises(AlreadyExists):
        connector(scim_server).create_account(
            NewAccount(
                email="other@testco.example",
                username="seed0@vendor.example",
                first_name="S",
                last_name="Z",
            )
        )


def test_find_by_username_and_by_email(scim_server):
    ids = seed_remote_users(scim_server, 3)
    scim = connector(scim_server)
    assert scim.find_account(username="seed1@vendor.example").remote_id == ids[1]
    assert scim.find_account(email="SEED2@vendor.example").remote_id == ids[2]
    assert scim.find_account(email='no"body@vendor.example') is None


def test_listing_walks_more_than_one_page(scim_server, monkeypatch):
    monkeypatch.setattr("provisioning.connectors.scim.PAGE_SIZE", 7)
    ids = seed_remote_users(scim_server, 20)
    accounts = list(connector(scim_server).list_accounts())
    assert sorted(a.remote_id for a in accounts) == sorted(ids)
    assert accounts[0].email.endswith("@vendor.example") and accounts[0].last_name


def test_an_existing_account_is_looked_up_and_linked_not_duplicated(
    scim_app, scim_server, testco, member
):
    remote_id = (
        connector(scim_server)
        .create_account(
            NewAccount(
                email=member.email,
                username=member.email,
                first_name="Bob",
                last_name="Member",
            )
        )
        .remote_id
    )
    (job,) = queue_jobs(scim_app, [AccountRequest(user=member)], trigger="test")
    assert engine.run_job(job.pk) == "succeeded"
    account = AppAccount.objects.get(user=member)
    assert (account.remote_id, account.origin, account.status) == (
        remote_id,
        AppAccount.Origin.LINKED,
        Status.ACTIVE,
    )
    assert len(scim_server.storage.resources) == 1
    assert account.secrets == {}  # no password was set on somebody's existing account
