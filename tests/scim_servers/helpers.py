"""Working with either real SCIM server of the suite (the `server` fixture of conftest.py):
raw SCIM calls to seed and inspect it, and connectors built the way the engine builds them."""

import requests

from provisioning.connectors.scim import ScimConnector

from .fixtures import SCIM_TOKEN

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"


def credentials(server):
    return {"base_url": server.url, "auth": "bearer", "token": SCIM_TOKEN}


def connected(server):
    """A connector as the engine gets it: built with what Confirm found."""
    info = ScimConnector.build(credentials(server)).test_connection()
    return ScimConnector.build(credentials(server), server_info=info)


def seed(server, count, prefix="seed"):
    """Accounts the app has before the console knows them (raw SCIM); returns their ids."""
    ids = []
    for i in range(count):
        ids.append(raw_create(server, f"{prefix}{i:03}", f"{prefix}{i:03}@vendor.example")["id"])
    return ids


def raw_create(server, username, email, given="Seed", family="Person"):
    response = requests.post(
        f"{server.url}/Users",
        headers={"Authorization": f"Bearer {SCIM_TOKEN}", "Content-Type": "application/scim+json"},
        json={
            "schemas": [USER_SCHEMA],
            "userName": username,
            "name": {"givenName": given, "familyName": family},
            "emails": [{"value": email, "primary": True}],
        },
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return response.json()


def raw_get(server, remote_id):
    response = requests.get(
        f"{server.url}/Users/{remote_id}",
        headers={"Authorization": f"Bearer {SCIM_TOKEN}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()
