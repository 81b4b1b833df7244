"""Switching Assignment Settings to grant more ("Automatically provision all apps") offers to
provision the groups' current members, app by app with counts, as adding an app to a group
does: nothing silently, and nothing offered when nobody is missing."""

import pytest
from django.urls import reverse

from apps_catalog.models import GroupApp
from groups.models import Group
from groups.services import add_members
from provisioning.models import Job

from .conftest import SCIM_TOKEN, add_app
from .test_group_auto_provisioning import set_mode


@pytest.fixture
def sales(testco):
    return Group.objects.create(organization=testco, name="Sales")


@pytest.fixture
def apps(testco, sales, scim_server):
    from provisioning.services import connect

    made = []
    for name in ("CRM", "Wiki"):
        app = add_app(testco, name=name)
        assert connect(app, {"base_url": scim_server.url, "token": SCIM_TOKEN})[0]
        GroupApp.objects.create(organization=testco, group=sales, app=app)
        made.append(app)
    return made


def switch_to_all(client):
    return client.post(
        reverse("assignment_settings"),
        {"group_auto_provisioning": "all", "username_convention": "email"},
    )


def test_switching_to_all_apps_offers_the_current_members_with_counts(
    as_admin, testco, sales, apps, member, admin
):
    add_members(sales, [member, admin], by=None)  # per-app mode, toggles off: nothing yet
    assert not Job.objects.exists()
    response = switch_to_all(as_admin)
    assert response.url == reverse("provision_mode_members")
    offer = as_admin.get(response.url).content.decode()
    assert "CRM</a>: 2 people" in offer and "Wiki</a>: 2 people" in offer
    assert "Provision 4 accounts" in offer
    assert not Job.objects.exists()  # nothing silently
    done = as_admin.post(response.url, follow=True).content.decode()
    assert "Provisioning 4 accounts in 2 apps." in done
    assert Job.objects.count() == 4


def test_not_now_leaves_everything_as_it_was(as_admin, testco, sales, apps, member):
    add_members(sales, [member], by=None)
    offer = as_admin.get(switch_to_all(as_admin).url).content.decode()
    assert 'href="/groups/assignment-settings/"' in offer or "Not now" in offer
    assert not Job.objects.exists()


def test_nothing_to_offer_goes_back_to_the_settings(as_admin, testco, sales, apps):
    response = switch_to_all(as_admin)
    assert as_admin.get(response.url).url == reverse("assignment_settings")


def test_switching_to_per_app_offers_only_the_apps_turned_on(as_admin, testco, sales, apps, member):
    set_mode(testco, "off")
    add_members(sales, [member], by=None)
    apps[1].group_auto_provisioning = True
    apps[1].save()
    response = as_admin.post(
        reverse("assignment_settings"),
        {"group_auto_provisioning": "per_app", "username_convention": "email"},
    )
    offer = as_admin.get(response.url).content.decode()
    assert "Wiki</a>: 1 person" in offer and "CRM</a>" not in offer
