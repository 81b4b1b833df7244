"""The dashboard shows what needs an admin: failed accounts, jobs held for credentials,
broken connections, queued work and when it should be done, failed emails and plans waiting
for approval, each with where to act; a few queries whatever the organization's size."""

from datetime import timedelta

from django.utils import timezone

from notifications.models import Email
from provisioning.models import AppAccount, Connection, Job
from provisioning.services import AccountRequest, queue_jobs
from provisioning.status import Status

from .conftest import add_app, make_user


def queue(app, organization, count, prefix="p"):
    people = [make_user(organization, f"{prefix}{i}@testco.example") for i in range(count)]
    return queue_jobs(app, [AccountRequest(user=p) for p in people], trigger="test")


def fail(jobs):
    for job in jobs:
        Job.objects.filter(pk=job.pk).update(state=Job.State.FAILED)
        AppAccount.objects.filter(pk=job.account_id).update(
            status=Status.FAILED, last_error="The app said: userName is taken (409)."
        )


def test_all_clear_says_so(as_admin):
    page = as_admin.get("/").content.decode()
    assert "Needs attention" in page and "All clear" in page


def test_failed_accounts_show_with_retry_all_failed(as_admin, testco, vendor_app):
    fail(queue(vendor_app, testco, 3))
    page = as_admin.get("/").content.decode()
    assert "3 failed" in page and "Vendor SCIM" in page
    assert f"/apps/{vendor_app.pk}/users/?status=failed" in page
    assert f"/apps/{vendor_app.pk}/retry-failed/" in page
    assert "All clear" not in page


def test_a_broken_connection_and_its_held_jobs_say_where_to_fix_them(as_admin, testco, vendor_app):
    queue(vendor_app, testco, 4)
    Job.objects.filter(app=vendor_app).update(state=Job.State.HELD)
    Connection.objects.filter(app=vendor_app).update(
        state=Connection.State.BROKEN, state_message="The app rejected the credentials (401)."
    )
    page = as_admin.get("/").content.decode()
    assert "Connection failed: The app rejected the credentials (401)." in page
    assert "4 jobs waiting for working credentials" in page
    assert f"/apps/{vendor_app.pk}/assign/?step=credentials" in page


def test_queued_work_says_when_it_should_be_done(as_admin, testco, vendor_app):
    Connection.objects.filter(app=vendor_app).update(rate_limit_per_minute=60)
    queue(vendor_app, testco, 5)
    Connection.objects.filter(app=vendor_app).update(
        next_slot_at=timezone.now() + timedelta(minutes=3)
    )
    page = as_admin.get("/").content.decode()
    assert "provisioning 5 accounts, done in about 3 minutes" in page


def test_failed_emails_and_waiting_plans_are_counted(as_admin, testco):
    Email.objects.create(
        organization_id=testco.pk, to="x@testco.example", subject="s", state=Email.State.FAILED
    )
    page = as_admin.get("/").content.decode()
    assert "1 email not sent" in page and "/settings/#failed-emails" in page


def test_another_organizations_trouble_is_not_shown(as_admin, otherco):
    app = add_app(otherco, name="Their app")
    fail(queue(app, otherco, 2, prefix="o"))
    page = as_admin.get("/").content.decode()
    assert "Their app" not in page and "All clear" in page


def test_the_dashboard_costs_the_same_queries_at_any_size(
    as_admin, testco, vendor_app, django_assert_max_num_queries
):
    fail(queue(vendor_app, testco, 2))
    with django_assert_max_num_queries(16) as few:
        as_admin.get("/")
    more_apps = [add_app(testco, name=f"App {i}") for i in range(5)]
    for index, app in enumerate(more_apps):
        Connection.objects.create(organization=testco, app=app, state=Connection.State.BROKEN)
        fail(queue(app, testco, 3, prefix=f"a{index}-"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = as_admin.get("/").content.decode()
    assert page.count("Retry all failed") == 1  # broken ones say to fix the credentials first
