"""Adding people to a group says what it queued and where, and which app waits for
working credentials ("Added José to Sales: seats queued in Salesforce and Slack; Slack is
waiting for working credentials")."""

import pytest

from apps_catalog.models import GroupApp
from groups.models import AssignmentSettings, Group
from provisioning.models import Connection

from .conftest import add_app, make_user


@pytest.fixture
def sales(testco, vendor_app):
    group = Group.objects.create(organization=testco, name="Sales")
    settings = AssignmentSettings.for_organization(testco.pk)
    settings.group_auto_provisioning = "all"
    settings.save()
    chat = add_app(testco, name="Chat")  # added, never connected
    for app in (vendor_app, chat):
        GroupApp.objects.create(organization=testco, group=group, app=app)
    return group


def told(answer):
    return [str(m) for m in answer.context["messages"]]


def test_one_person_joining_says_where_seats_were_queued(as_admin, testco, sales, monkeypatch):
    monkeypatch.setattr("provisioning.services.enqueue", lambda *a, **k: None)
    jose = make_user(testco, "jose@testco.example", first="José", last="Ruiz")
    answer = as_admin.post(f"/groups/{sales.pk}/members/add/", {"person": jose.pk}, follow=True)
    assert told(answer) == [
        "José Ruiz (jose@testco.example) joined Sales: seats queued in Chat and Vendor SCIM; "
        "Chat is waiting for working credentials."
    ]


def test_many_people_pasted_say_how_many_seats_in_each_app(as_admin, testco, sales, monkeypatch):
    monkeypatch.setattr("provisioning.services.enqueue", lambda *a, **k: None)
    Connection.objects.create(
        organization=testco,
        app=sales.apps.get(name="Chat"),
        state=Connection.State.CONNECTED,
        credentials={"token": "x"},
    )
    people = [make_user(testco, f"p{i}@testco.example") for i in range(3)]
    answer = as_admin.post(
        f"/groups/{sales.pk}/members/add-emails/",
        {"emails": "\n".join(p.email for p in people)},
        follow=True,
    )
    assert told(answer) == [
        "Added 3 people to Sales: seats queued in Chat (3) and Vendor SCIM (3)."
    ]


def test_a_group_without_auto_provisioned_apps_says_only_who_joined(as_admin, testco, member):
    empty = Group.objects.create(organization=testco, name="Book club")
    answer = as_admin.post(f"/groups/{empty.pk}/members/add/", {"person": member.pk}, follow=True)
    assert told(answer) == [f"{member.full_name} ({member.email}) joined Book club."]
