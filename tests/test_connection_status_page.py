"""The app's page shows its connection: the state in words (with the vendor's reason when
broken), when it was last checked, its rate budget, the jobs queued, running and held, when
the queued work should be done, and whether the app paused us with a 429."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from provisioning.models import AppAccount, Connection, Job
from provisioning.services import AccountRequest, queue_jobs
from provisioning.status import Status

from .conftest import add_app, make_user


def fact(client, app, name):
    """The text of one fact of the Connection card (tags dropped)."""
    page = client.get(reverse("app_detail", args=[app.pk])).content.decode()
    card = page[page.index('id="connection"') :].split("</section>")[0]
    found = re.search(rf"<dt>{name}</dt>\s*<dd[^>]*>(.*?)</dd>", card, re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split()) if found else None


def queue(app, testco, count):
    people = [make_user(testco, f"p{i}@testco.example") for i in range(count)]
    return queue_jobs(app, [AccountRequest(user=p) for p in people], trigger="test")


def set_jobs(jobs, state):
    Job.objects.filter(pk__in=[job.pk for job in jobs]).update(state=state)


def test_the_state_in_words(as_admin, testco, vendor_app):
    assert fact(as_admin, vendor_app, "State") == "Connected"
    Connection.objects.filter(app=vendor_app).update(
        state=Connection.State.BROKEN, state_message="The app rejected the credentials (401)."
    )
    assert fact(as_admin, vendor_app, "State") == (
        "Broken The app rejected the credentials (401). "
        "Its jobs wait until working credentials are saved or a test passes."
    )
    fresh = add_app(testco, name="Fresh")
    assert fact(as_admin, fresh, "State") == "Not connected No credentials saved yet."


def test_when_it_was_last_checked(as_admin, vendor_app):
    assert fact(as_admin, vendor_app, "Last checked") == "Never"
    checked = timezone.now() - timedelta(hours=3)
    Connection.objects.filter(app=vendor_app).update(checked_at=checked)
    assert fact(as_admin, vendor_app, "Last checked") == (
        f"{checked:%b} {checked.day}, {checked:%Y %H:%M} (3 hours ago)"
    )


def test_the_rate_budget_is_the_connectors_default_or_the_apps_own(as_admin, testco, vendor_app):
    assert fact(as_admin, vendor_app, "Rate budget") == (
        "600 requests a minute (SCIM 2.0's default: one request every 0.1 s)"
    )
    Connection.objects.filter(app=vendor_app).update(rate_limit_per_minute=180)
    assert fact(as_admin, vendor_app, "Rate budget") == (
        "180 requests a minute (set for this app: one request every 0.33 s)"
    )
    slack = add_app(testco, "slack", "Slack")
    assert fact(as_admin, slack, "Rate budget") == (
        "180 requests a minute (Slack's default: one request every 0.33 s)"
    )


def test_jobs_queued_running_and_held_and_failed_accounts(as_admin, testco, vendor_app):
    assert fact(as_admin, vendor_app, "Jobs") == "None waiting"
    jobs = queue(vendor_app, testco, 7)
    set_jobs(jobs[:1], Job.State.RUNNING)
    set_jobs(jobs[1:3], Job.State.HELD)
    set_jobs(jobs[3:4], Job.State.SUCCEEDED)
    set_jobs(jobs[4:5], Job.State.FAILED)
    AppAccount.objects.filter(pk=jobs[4].account_id).update(status=Status.FAILED)
    assert fact(as_admin, vendor_app, "Jobs") == ("2 queued · 1 running · 2 held 1 failed account")


@pytest.mark.parametrize("per_minute, jobs, minutes", [(60, 120, 2), (600, 3000, 5)])
def test_when_the_queued_work_should_be_done_at_the_budget(
    as_admin, testco, vendor_app, per_minute, jobs, minutes
):
    Connection.objects.filter(app=vendor_app).update(rate_limit_per_minute=per_minute)
    (first,) = queue(vendor_app, testco, 1)
    Job.objects.bulk_create(
        Job(
            organization=testco,
            account_id=first.account_id,
            app=vendor_app,
            action=Job.Action.UPDATE,
            trigger="test",
        )
        for _ in range(jobs - 1)
    )
    finish = fact(as_admin, vendor_app, "Expected to finish")
    assert finish.endswith(f"(about {minutes} minutes, at the rate budget)")


def test_the_planning_clock_when_its_places_reach_further(as_admin, testco, vendor_app):
    queue(vendor_app, testco, 2)  # 0.2 s of work at 600 a minute
    Connection.objects.filter(app=vendor_app).update(
        next_slot_at=timezone.now() + timedelta(minutes=20)
    )
    assert fact(as_admin, vendor_app, "Expected to finish").endswith(
        "(about 20 minutes, at the rate budget)"
    )


def test_no_finish_while_the_work_waits_for_credentials(as_admin, testco, vendor_app):
    assert fact(as_admin, vendor_app, "Expected to finish") is None  # nothing queued
    set_jobs(queue(vendor_app, testco, 2), Job.State.HELD)
    Connection.objects.filter(app=vendor_app).update(state=Connection.State.BROKEN)
    assert fact(as_admin, vendor_app, "Expected to finish") == (
        "Not while the app waits for working credentials"
    )


def test_a_429_pause_is_shown_and_pushes_the_finish_back(as_admin, testco, vendor_app):
    assert fact(as_admin, vendor_app, "Paused by the app") == "No"
    queue(vendor_app, testco, 1)
    until = timezone.now() + timedelta(minutes=10)
    Connection.objects.filter(app=vendor_app).update(paused_until=until)
    assert fact(as_admin, vendor_app, "Paused by the app") == (
        f"Until {until:%H:%M:%S} (it answered 429: every job of the app waits)"
    )
    finish = fact(as_admin, vendor_app, "Expected to finish")
    assert finish.endswith("(about 10 minutes, at the rate budget)")
    Connection.objects.filter(app=vendor_app).update(paused_until=timezone.now() - timedelta(1))
    assert fact(as_admin, vendor_app, "Paused by the app") == "No"


def test_an_app_without_auto_provisioning_has_no_connection(as_admin, testco):
    dropbox = add_app(testco, "dropbox", "Dropbox")
    page = as_admin.get(reverse("app_detail", args=[dropbox.pk])).content.decode()
    assert 'id="connection"' not in page


@pytest.mark.parametrize("size", [1, 40])
def test_the_page_costs_the_same_queries_whatever_the_jobs(
    as_admin, testco, vendor_app, size, django_assert_max_num_queries
):
    set_jobs(queue(vendor_app, testco, size)[::2], Job.State.HELD)
    # The session, the admin, the app, its connection, its jobs by state, its failed
    # accounts, its groups.
    with django_assert_max_num_queries(7):
        as_admin.get(reverse("app_detail", args=[vendor_app.pk]))
