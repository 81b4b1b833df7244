"""Adding an app on a group's page lands back on the group's page (after the offer, if there is
one), and says the right thing for an app the console cannot provision or whose Group Auto
Provisioning is off."""

import pytest
from django.urls import reverse

from groups.models import Group
from groups.services import add_members
from provisioning.models import Job

from .conftest import SCIM_TOKEN, add_app
from .test_group_auto_provisioning import set_mode


@pytest.fixture
def sales(testco):
    return Group.objects.create(organization=testco, name="Sales")


def attach(client, group, app):
    return client.post(
        reverse("attach_app", kwargs={"group_id": group.pk}), {"app": app.pk}, follow=True
    )


def test_an_app_that_cannot_auto_provision_says_so_on_the_group_page(as_admin, testco, sales):
    app = add_app(testco, catalog_key="dropbox", name="Dropbox")
    assert not app.catalog_app.supports_provisioning
    response = attach(as_admin, sales, app)
    assert response.redirect_chain[-1][0] == reverse("group_detail", kwargs={"group_id": sales.pk})
    page = response.content.decode()
    assert "Sales now has Dropbox." in page
    assert "Dropbox cannot auto-provision" in page
    assert "Group Auto Provisioning is off" not in page


def test_a_toggle_off_says_where_to_turn_it_on(as_admin, testco, sales, member):
    app = add_app(testco, name="Wiki")
    add_members(sales, [member], by=None)
    response = attach(as_admin, sales, app)
    assert response.redirect_chain[-1][0] == reverse("group_detail", kwargs={"group_id": sales.pk})
    assert "turn it on in the app&#x27;s Settings" in response.content.decode()


def test_mode_off_points_to_assignment_settings(as_admin, testco, sales):
    set_mode(testco, "off")
    response = attach(as_admin, sales, add_app(testco, name="Wiki"))
    assert "off in Assignment Settings" in response.content.decode()


def test_the_offer_goes_back_to_the_group(as_admin, testco, sales, member, scim_server):
    from provisioning.services import connect

    set_mode(testco, "all")
    add_members(sales, [member], by=None)
    app = add_app(testco, name="Wiki")
    assert connect(app, {"base_url": scim_server.url, "token": SCIM_TOKEN})[0]
    response = as_admin.post(reverse("attach_app", kwargs={"group_id": sales.pk}), {"app": app.pk})
    offer = as_admin.get(response.url).content.decode()
    group_url = reverse("group_detail", kwargs={"group_id": sales.pk})
    assert f'href="{group_url}">Not now' in offer
    done = as_admin.post(response.url)
    assert done.url == group_url and Job.objects.filter(app=app).count() == 1
