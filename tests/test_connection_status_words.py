"""Manage Apps says what is wrong with each app in words, in one Status column: "OK" only
when nothing is wrong or waiting. Its cost does not grow with apps, accounts or jobs."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from provisioning.models import AppAccount, Connection, Job
from provisioning.services import AccountRequest, queue_jobs
from provisioning.status import Status

from .conftest import add_app, make_user

# The session, the admin, the apps with their counts, the removed apps: whatever the size.
MANAGE_APPS_QUERIES = 4


@pytest.fixture
def people(testco):
    return [make_user(testco, f"p{i}@testco.example") for i in range(6)]


def queue(app, people):
    return queue_jobs(app, [AccountRequest(user=p) for p in people], trigger="test")


def set_jobs(jobs, state):
    Job.objects.filter(pk__in=[job.pk for job in jobs]).update(state=state)


def connect(app, state=Connection.State.CONNECTED, message=""):
    return Connection.objects.create(
        organization_id=app.organization_id, app=app, state=state, state_message=message
    )


def fail(app, people):
    for person in people:
        AppAccount.objects.update_or_create(
            organization_id=app.organization_id,
            app=app,
            user=person,
            defaults={"email": person.email, "status": Status.FAILED},
        )


def status_cell(client, app_name, columns=("users", "status")):
    """The words of the app's Status cell (tags dropped)."""
    client.post(reverse("manage_apps_columns"), {"columns": list(columns)})
    page = client.get(reverse("manage_apps")).content.decode()
    row = page[page.index(f">{app_name}<") :].split("</tr>")[0]
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", cells[-1]).split())


def test_ok_only_when_nothing_is_wrong_or_waiting(as_admin, testco):
    connect(add_app(testco, name="Fine"))
    assert status_cell(as_admin, "Fine") == "OK"


def test_an_app_without_credentials_is_not_connected(as_admin, testco):
    add_app(testco, name="Fresh")
    assert status_cell(as_admin, "Fresh") == "Not connected"


def test_jobs_that_wait_for_credentials_are_counted(as_admin, testco, people):
    app = add_app(testco, name="Waiting")
    jobs = queue(app, people[:3])
    set_jobs(jobs[:2], Job.State.HELD)  # the third is queued: it will be held when it runs
    assert status_cell(as_admin, "Waiting") == "Waiting for working credentials (3 jobs held)"


def test_a_broken_connection_says_the_vendors_reason(as_admin, testco, people):
    app = add_app(testco, name="Broken app")
    reason = "The app rejected the credentials (401). The app said: Invalid token"
    connect(app, Connection.State.BROKEN, reason)
    set_jobs(queue(app, people[:2]), Job.State.HELD)
    fail(app, people[2:3])
    assert status_cell(as_admin, "Broken app") == f"Broken {reason} 2 jobs held 1 failed"


def test_failed_accounts_are_counted(as_admin, testco, people):
    app = add_app(testco, name="Failing")
    connect(app)
    fail(app, people[:2])
    assert status_cell(as_admin, "Failing") == "2 failed"
    queue(app, people[2:5])
    assert status_cell(as_admin, "Failing") == "2 failed Provisioning 3"


def test_work_under_way_says_how_much(as_admin, testco, people):
    app = add_app(testco, name="Busy")
    connection = connect(app)
    jobs = queue(app, people[:4])
    set_jobs(jobs[:1], Job.State.RUNNING)
    set_jobs(jobs[1:2], Job.State.SUCCEEDED)
    assert status_cell(as_admin, "Busy") == "Provisioning 3"
    until = timezone.now() + timedelta(minutes=2)
    Connection.objects.filter(pk=connection.pk).update(paused_until=until)
    assert status_cell(as_admin, "Busy") == (
        f"Provisioning 3 Paused by the app (429) until {until:%H:%M:%S}"
    )


def test_an_app_without_auto_provisioning_is_ok_and_blank_in_its_column(as_admin, testco):
    add_app(testco, "dropbox", "Dropbox")
    assert status_cell(as_admin, "Dropbox") == "OK"
    assert status_cell(as_admin, "Dropbox", ("status", "auto_provisioning")) == ""


def test_one_status_not_two_that_disagree(as_admin, testco, people):
    """The Auto-Provisioning column says the app supports it and its seats; the status is
    said once, in the Status column (or there, when the Status column is hidden)."""
    app = add_app(testco, name="Held")
    set_jobs(queue(app, people[:1]), Job.State.HELD)
    both = status_cell(as_admin, "Held", ("status", "auto_provisioning"))
    assert both == "Supported"
    page = as_admin.get(reverse("manage_apps")).content.decode()
    row = page[page.index(">Held<") :].split("</tr>")[0]
    assert row.count("Waiting for working credentials") == 1
    assert "Not configured" not in row and ">OK<" not in row and "Needs attention" not in row
    alone = status_cell(as_admin, "Held", ("auto_provisioning",))
    assert alone == "Waiting for working credentials (1 job held)"


def populate(testco, apps):
    """`apps` apps in every state, with accounts and jobs that grow with it."""
    people = [make_user(testco, f"q{apps}-{i}@testco.example") for i in range(apps * 3)]
    states = [
        Connection.State.CONNECTED,
        Connection.State.BROKEN,
        Connection.State.NOT_CONFIGURED,
    ]
    for n in range(apps):
        app = add_app(testco, name=f"App {n}")
        connect(app, states[n % 3], "The app rejected the credentials (401).")
        jobs = queue(app, people[: n * 3 + 3])
        set_jobs(jobs[::3], Job.State.HELD)
        set_jobs(jobs[1::3], Job.State.FAILED)
        fail(app, people[1 : n * 3 + 3 : 3])
    add_app(testco, "dropbox", "Dropbox")


@pytest.mark.parametrize("apps", [3, 15])
def test_manage_apps_costs_the_same_queries_whatever_its_size(
    as_admin, testco, apps, django_assert_max_num_queries
):
    populate(testco, apps)
    as_admin.post(
        reverse("manage_apps_columns"),
        {"columns": ["users", "groups", "status", "auto_provisioning", "added"]},
    )
    with django_assert_max_num_queries(MANAGE_APPS_QUERIES):
        page = as_admin.get(reverse("manage_apps")).content.decode()
    assert page.count('<span class="badge bad">Broken</span>') == len(range(1, apps, 3))
    assert "Waiting for working credentials (6 jobs held)" in page  # App 2: 3 held, 3 queued
