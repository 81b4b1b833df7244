"""Test connection on the app's page runs the connector's check now, on the stored
credentials: a pass connects (and resumes held jobs), a rejection (401/403) breaks the
connection, a vendor that cannot be reached leaves it as it was. Admins only; audited."""

import pytest
import requests
import responses
from django.test import Client
from django.urls import reverse

from accounts import audit
from accounts.models import AuditEntry
from provisioning.models import Connection, Job
from provisioning.services import AccountRequest, queue_jobs

from .conftest import add_app, make_user
from .scim_payloads import BASE, SCIM_JSON, USERS, error, list_response, register_discovery

TOKEN = "vendor-secret-token-123"  # the vendor_app fixture's
DISCOVERY = [f"{BASE}/ServiceProviderConfig", f"{BASE}/ResourceTypes", f"{BASE}/Schemas"]


def url_of(app):
    return reverse("test_connection", kwargs={"app_id": app.pk})


def vendor_accepts():
    register_discovery(BASE)
    responses.get(USERS, json=list_response(), content_type=SCIM_JSON)


def vendor_answers(status, detail="Nope"):
    for url in [*DISCOVERY, USERS]:
        responses.get(url, status=status, json=error(status, detail), content_type=SCIM_JSON)


def vendor_hangs():
    for url in [*DISCOVERY, USERS]:
        responses.get(url, body=requests.ReadTimeout("read timed out"))


def queue(app, organization, count):
    people = [make_user(organization, f"p{i}@testco.example") for i in range(count)]
    return queue_jobs(app, [AccountRequest(user=p) for p in people], trigger="test")


def hold(jobs):
    Job.objects.filter(pk__in=[job.pk for job in jobs]).update(state=Job.State.HELD)


def break_connection(app, message="The app rejected the credentials (401)."):
    Connection.objects.filter(app=app).update(state=Connection.State.BROKEN, state_message=message)


def job_states(app):
    return sorted(Job.objects.filter(app=app).values_list("state", flat=True))


def the_message(response):
    return [str(m) for m in response.context["messages"]]


@responses.activate
def test_a_passing_test_says_connected_and_when_it_was_checked(as_admin, vendor_app):
    vendor_accepts()
    response = as_admin.post(url_of(vendor_app), follow=True)
    assert response.redirect_chain[-1][0] == reverse("app_detail", args=[vendor_app.pk])
    assert the_message(response) == ["Connected: Vendor SCIM accepted the saved credentials."]
    connection = Connection.objects.get(app=vendor_app)
    assert connection.state == Connection.State.CONNECTED
    assert connection.state_message == "" and connection.checked_at is not None
    assert responses.calls[-1].request.headers["Authorization"] == f"Bearer {TOKEN}"
    page = response.content.decode()
    assert '<span class="badge ok">Connected</span>' in page
    assert connection.checked_at.strftime("%b %-d, %Y %H:%M") in page
    assert TOKEN not in page  # the stored credentials are used, never shown back


def test_a_real_scim_server_passes(as_admin, scim_app):
    Connection.objects.filter(app=scim_app).update(checked_at=None)
    response = as_admin.post(url_of(scim_app), follow=True)
    assert the_message(response) == ["Connected: SCIM app accepted the saved credentials."]
    assert Connection.objects.get(app=scim_app).checked_at is not None


@responses.activate
@pytest.mark.parametrize("status", [401, 403])
def test_a_rejection_breaks_a_working_connection_and_holds_its_jobs(
    as_admin, vendor_app, testco, status
):
    queue(vendor_app, testco, 2)
    vendor_answers(status, "Invalid token")
    response = as_admin.post(url_of(vendor_app), follow=True)
    connection = Connection.objects.get(app=vendor_app)
    assert connection.state == Connection.State.BROKEN
    assert f"({status})" in connection.state_message and connection.checked_at is not None
    assert job_states(vendor_app) == [Job.State.HELD] * 2
    (message,) = the_message(response)
    assert message.startswith("Vendor SCIM rejected the saved credentials: ")
    assert message.endswith(
        "The connection is broken; its jobs wait until working credentials are saved."
    )
    page = response.content.decode()
    assert '<span class="badge bad">Broken</span>' in page and connection.state_message in page


@responses.activate
def test_a_rejection_of_a_broken_connection_keeps_its_held_jobs_held(as_admin, vendor_app, testco):
    hold(queue(vendor_app, testco, 3))
    break_connection(vendor_app)
    vendor_answers(401, "Token revoked")
    as_admin.post(url_of(vendor_app))
    connection = Connection.objects.get(app=vendor_app)
    assert connection.state == Connection.State.BROKEN
    assert connection.state_message.startswith("The app rejected the credentials (401).")
    assert job_states(vendor_app) == [Job.State.HELD] * 3


@responses.activate
@pytest.mark.parametrize("fault", ["timeout", 500, 503])
def test_a_vendor_that_cannot_be_reached_leaves_a_working_connection_connected(
    as_admin, vendor_app, testco, fault
):
    queue(vendor_app, testco, 2)
    vendor_hangs() if fault == "timeout" else vendor_answers(fault, "Down for maintenance")
    response = as_admin.post(url_of(vendor_app), follow=True)
    connection = Connection.objects.get(app=vendor_app)
    assert connection.state == Connection.State.CONNECTED
    assert job_states(vendor_app) == [Job.State.QUEUED] * 2
    said = "did not answer" if fault == "timeout" else f"had an error ({fault})"
    assert said in connection.state_message and connection.checked_at is not None
    (message,) = the_message(response)
    assert message.startswith("Vendor SCIM could not be reached: ")
    assert message.endswith("The connection stays connected.")
    page = response.content.decode()
    assert '<span class="badge ok">Connected</span>' in page
    assert "The last test could not get an answer" in page


@responses.activate
def test_a_vendor_that_cannot_be_reached_leaves_a_broken_connection_and_its_reason(
    as_admin, vendor_app, testco
):
    hold(queue(vendor_app, testco, 1))
    break_connection(vendor_app, "The app rejected the credentials (401).")
    vendor_hangs()
    response = as_admin.post(url_of(vendor_app), follow=True)
    connection = Connection.objects.get(app=vendor_app)
    assert connection.state == Connection.State.BROKEN
    assert connection.state_message == "The app rejected the credentials (401)."
    assert job_states(vendor_app) == [Job.State.HELD]
    assert the_message(response)[0].endswith("The connection stays broken.")


@responses.activate
def test_a_passing_test_fixes_a_broken_connection_and_resumes_its_held_jobs(
    as_admin, vendor_app, testco, django_capture_on_commit_callbacks
):
    hold(queue(vendor_app, testco, 2))
    break_connection(vendor_app)
    vendor_accepts()
    with django_capture_on_commit_callbacks() as sent:
        response = as_admin.post(url_of(vendor_app), follow=True)
    connection = Connection.objects.get(app=vendor_app)
    assert (connection.state, connection.state_message) == (Connection.State.CONNECTED, "")
    assert job_states(vendor_app) == [Job.State.QUEUED] * 2
    assert sent  # the resumed jobs are sent to the worker when the test's work commits
    assert the_message(response) == [
        "Connected: Vendor SCIM accepted the saved credentials. 2 jobs held resumed."
    ]


@responses.activate
def test_a_vendor_echoing_the_token_never_shows_it(as_admin, vendor_app):
    vendor_answers(401, f"Bad token {TOKEN}")
    response = as_admin.post(url_of(vendor_app), follow=True)
    assert TOKEN not in Connection.objects.get(app=vendor_app).state_message
    assert TOKEN not in response.content.decode()
    assert TOKEN not in str(AuditEntry.objects.get(action="connection_tested").detail)


@responses.activate
@pytest.mark.parametrize(
    "answer, result, state",
    [
        (vendor_accepts, "passed", "connected"),
        (lambda: vendor_answers(401), "rejected", "broken"),
        (vendor_hangs, "unreachable", "connected"),
    ],
)
def test_each_test_is_one_audit_row(as_admin, admin, testco, vendor_app, answer, result, state):
    answer()
    as_admin.post(url_of(vendor_app))
    (row,) = AuditEntry.objects.filter(action="connection_tested")
    assert (row.actor, row.organization_id, row.ip_address) == (admin, testco.pk, "127.0.0.1")
    assert (row.object_kind, row.object_id, row.object_label) == (
        "app",
        str(vendor_app.pk),
        "Vendor SCIM",
    )
    assert row.detail["result"] == result and row.detail["state"] == state
    assert audit.ACTIONS[row.action] == "Connection tested"


@responses.activate
def test_members_are_refused_like_on_other_admin_pages(as_member, vendor_app):
    assert as_member.post(url_of(vendor_app)).status_code == 403
    assert not responses.calls
    assert not AuditEntry.objects.filter(action="connection_tested").exists()


@responses.activate
def test_another_organizations_app_is_a_404(as_other_admin, vendor_app):
    assert as_other_admin.post(url_of(vendor_app)).status_code == 404
    assert not responses.calls
    assert Connection.objects.get(app=vendor_app).checked_at is None


def test_only_a_post_with_its_csrf_token_runs_it(as_admin, admin, vendor_app):
    assert as_admin.get(url_of(vendor_app)).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin, backend="accounts.backends.EmailBackend")
    assert strict.post(url_of(vendor_app)).status_code == 403
    assert Connection.objects.get(app=vendor_app).checked_at is None


@responses.activate
def test_an_app_without_saved_credentials_has_nothing_to_test(as_admin, testco):
    app = add_app(testco, name="Fresh SCIM")
    page = as_admin.get(reverse("app_detail", args=[app.pk])).content.decode()
    assert "Test connection" not in page and "Enter credentials" in page
    response = as_admin.post(url_of(app), follow=True)
    assert the_message(response) == [
        "Fresh SCIM has no saved credentials to test: enter them under Assign Users."
    ]
    assert not responses.calls
    assert not AuditEntry.objects.filter(action="connection_tested").exists()


def test_a_removed_app_or_one_without_auto_provisioning_cannot_be_tested(
    as_admin, testco, vendor_app
):
    dropbox = add_app(testco, "dropbox", "Dropbox")
    assert as_admin.post(url_of(dropbox)).status_code == 404
    page = as_admin.get(reverse("app_detail", args=[dropbox.pk])).content.decode()
    assert "Test connection" not in page
    vendor_app.archive()
    assert as_admin.post(url_of(vendor_app)).status_code == 404
    page = as_admin.get(reverse("app_detail", args=[vendor_app.pk])).content.decode()
    assert "Test connection" not in page
