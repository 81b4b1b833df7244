"""Provision on demand: pick a person and an app, see the plan, run it now against the
app and read each request and the app's answer."""

import pytest

from accounts.models import AuditEntry
from provisioning.models import AppAccount, Assignment
from provisioning.services import connector_for
from provisioning.status import Status

from .conftest import add_app

URL = "/provision-on-demand/"


@pytest.fixture
def assigned(member, scim_app):
    Assignment.objects.create(organization=member.organization, user=member, app=scim_app)
    return scim_app


def test_the_plan_is_shown_before_anything_runs(as_admin, member, assigned):
    page = as_admin.get(URL, {"email": member.email, "app": assigned.pk}).content.decode()
    assert "No account in SCIM app yet." in page and "Provision now" in page
    assert not AppAccount.objects.filter(user=member).exists()


def test_provision_now_runs_the_plan_and_shows_the_apps_answer(as_admin, member, assigned):
    page = as_admin.post(URL, {"email": member.email, "app": assigned.pk}).content.decode()
    account = AppAccount.objects.get(user=member, app=assigned)
    assert account.status == Status.CREATED and account.remote_id
    assert "What happened" in page and "Succeeded" in page
    assert "POST /v2/Users" in page and "201" in page  # the request and the app's answer
    found = connector_for(assigned).find_account(email=member.email)
    assert found is not None and found.remote_id == account.remote_id  # on the server
    assert AuditEntry.objects.filter(action="provisioned_on_demand").count() == 1


def test_nothing_to_do_says_so(as_admin, member, assigned):
    as_admin.post(URL, {"email": member.email, "app": assigned.pk})
    answer = as_admin.post(URL, {"email": member.email, "app": assigned.pk}, follow=True)
    assert "Nothing to do" in answer.content.decode()


def test_unknown_people_and_other_organizations_apps_are_refused_plainly(as_admin, member, otherco):
    theirs = add_app(otherco, name="Their app")
    page = as_admin.get(URL, {"email": "nobody@testco.example"}).content.decode()
    assert "Nobody in your organization has the email nobody@testco.example." in page
    page = as_admin.get(URL, {"email": member.email, "app": theirs.pk}).content.decode()
    assert "Choose one of your apps." in page and "Their app" not in page
    assert as_admin.get(URL, {"email": member.email, "app": "not-an-id"}).status_code == 200


def test_provision_on_demand_is_for_admins(as_member, as_other_admin, member, assigned):
    assert as_member.get(URL).status_code == 403
    page = as_other_admin.get(URL, {"email": member.email, "app": assigned.pk}).content.decode()
    assert "Nobody in your organization" in page  # TestCo's people are not OtherCo's
