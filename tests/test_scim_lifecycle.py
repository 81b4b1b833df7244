"""SCIM lifecycle calls against the two real servers (scim2-server, django-scim2): PATCH where
the server supports it, PUT of its own resource where it does not, DELETE; and the PUT
path's care for attributes we do not model, replayed with `responses`."""

import json

import pytest
import requests
import responses

from provisioning.connectors.base import AccountUpdate
from provisioning.connectors.errors import NotFound
from provisioning.connectors.scim import ScimConnector

from .conftest import SCIM_TOKEN
from .scim_payloads import BASE, SCIM_JSON, USERS, user
from .scim_servers.helpers import connected, credentials, raw_create, raw_get

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def without_patch(server):
    """The same server, as if its ServiceProviderConfig said PATCH is not supported."""
    info = ScimConnector.build(credentials(server)).test_connection()
    return ScimConnector.build(credentials(server), server_info={**info, "patch": False})


@pytest.fixture(params=["patch", "put"])
def scim(request, server):
    return connected(server) if request.param == "patch" else without_patch(server)


def test_deactivate_and_reactivate(server, scim):
    remote_id = raw_create(server, "ana", "ana@testco.example", "Ana", "Lima")["id"]
    scim.deactivate_account(remote_id)
    assert raw_get(server, remote_id)["active"] is False
    scim.reactivate_account(remote_id)
    assert raw_get(server, remote_id)["active"] is True


def test_a_rename_and_a_new_email_reach_the_app(server, scim):
    remote_id = raw_create(server, "ana", "ana@testco.example", "Ana", "Lima")["id"]
    scim.update_account(
        remote_id,
        AccountUpdate(
            email="ana.souza@testco.example",
            username="ana",
            first_name="Ana",
            last_name="Souza Ñúñez",
            changed=frozenset({"email", "last_name"}),
        ),
    )
    stored = raw_get(server, remote_id)
    assert stored["name"]["familyName"] == "Souza Ñúñez" and stored["name"]["givenName"] == "Ana"
    assert [e["value"] for e in stored["emails"] if e.get("primary")] == [
        "ana.souza@testco.example"
    ]
    assert stored["userName"] == "ana"


def test_delete_and_already_gone(server, scim):
    remote_id = raw_create(server, "ana", "ana@testco.example")["id"]
    scim.delete_account(remote_id)
    response = requests.get(
        f"{server.url}/Users/{remote_id}",
        headers={"Authorization": f"Bearer {SCIM_TOKEN}"},
        timeout=10,
    )
    assert response.status_code == 404
    with pytest.raises(NotFound):
        scim.delete_account(remote_id)
    with pytest.raises(NotFound):
        scim.deactivate_account(remote_id)


@responses.activate
def test_a_put_sends_back_what_the_console_does_not_model():
    held = user("u1", "ana@testco.example", "ana")
    held["schemas"].append(ENTERPRISE)
    held[ENTERPRISE] = {"employeeNumber": "701"}
    held["urn:example:custom"] = {"badge": "7"}
    held["password"] = "never-sent-back"
    responses.get(f"{USERS}/u1", content_type=SCIM_JSON, json=held)
    responses.put(f"{USERS}/u1", content_type=SCIM_JSON, json={**held, "active": False})
    scim = ScimConnector.build(
        {"base_url": BASE, "auth": "bearer", "token": "t0ken-value"},
        server_info={"filter": True, "patch": False},
    )
    scim.deactivate_account("u1")
    sent = json.loads(responses.calls[1].request.body)
    assert responses.calls[1].request.method == "PUT"
    assert sent["active"] is False and sent["id"] == "u1"
    assert sent[ENTERPRISE] == {"employeeNumber": "701"} and sent["urn:example:custom"]
    assert "meta" not in sent and "password" not in sent


@responses.activate
def test_a_patch_sends_only_the_operation():
    responses.patch(f"{USERS}/u1", status=204)
    scim = ScimConnector.build(
        {"base_url": BASE, "auth": "bearer", "token": "t0ken-value"},
        server_info={"filter": True, "patch": True},
    )
    scim.deactivate_account("u1")
    (call,) = responses.calls
    assert call.request.method == "PATCH"
    assert json.loads(call.request.body) == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": False}],
    }
