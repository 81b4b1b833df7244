"""The django-scim2 server fixture: a real, independent SCIM server over HTTP (raw calls)."""

import requests

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"


def auth(server):
    return {"Authorization": f"Bearer {server.token}", "Content-Type": "application/scim+json"}


def create_ana(server):
    return requests.post(
        f"{server.url}/Users",
        headers=auth(server),
        json={
            "schemas": [USER_SCHEMA],
            "userName": "ana",
            "name": {"givenName": "Ana", "familyName": "Lima"},
            "emails": [{"value": "ana@x.example", "primary": True, "type": "work"}],
        },
        timeout=10,
    )


def test_answers_401_without_the_token(django_scim2_server):
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        response = requests.get(f"{django_scim2_server.url}/Users", headers=headers, timeout=10)
        assert response.status_code == 401
        assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]


def test_creates_and_lists_a_user(django_scim2_server):
    created = create_ana(django_scim2_server)
    assert created.status_code == 201, created.text
    user = created.json()
    assert user["userName"] == "ana"
    assert user["name"]["givenName"] == "Ana"
    assert user["name"]["familyName"] == "Lima"
    assert user["emails"][0]["value"] == "ana@x.example"
    assert created.headers["Location"] == f"{django_scim2_server.url}/Users/{user['id']}"

    listed = requests.get(
        f"{django_scim2_server.url}/Users", headers=auth(django_scim2_server), timeout=10
    )
    assert listed.status_code == 200
    page = listed.json()
    assert page["totalResults"] == 1
    assert [u["id"] for u in page["Resources"]] == [user["id"]]


def test_reset_empties_the_server(django_scim2_server):
    assert create_ana(django_scim2_server).status_code == 201
    reset = requests.post(
        django_scim2_server.reset_url, headers=auth(django_scim2_server), timeout=10
    )
    assert reset.status_code == 204
    listed = requests.get(
        f"{django_scim2_server.url}/Users", headers=auth(django_scim2_server), timeout=10
    )
    assert listed.json()["totalResults"] == 0
    refused = requests.post(django_scim2_server.reset_url, timeout=10)
    assert refused.status_code == 401


def test_each_test_starts_empty(django_scim2_server):
    listed = requests.get(
        f"{django_scim2_server.url}/Users", headers=auth(django_scim2_server), timeout=10
    )
    assert listed.json()["totalResults"] == 0
