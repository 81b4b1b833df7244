"""Retry all failed: every failed account of a person in the console gets a new job; many
run in the background with progress."""

from provisioning import background
from provisioning.models import AppAccount, BackgroundAction, Job
from provisioning.services import AccountRequest, queue_jobs
from provisioning.status import Status

from .conftest import make_user


def failed(app, organization, count):
    people = [make_user(organization, f"f{i}@testco.example") for i in range(count)]
    jobs = queue_jobs(app, [AccountRequest(user=p) for p in people], trigger="test")
    Job.objects.filter(pk__in=[j.pk for j in jobs]).update(state=Job.State.FAILED)
    AppAccount.objects.filter(app=app).update(status=Status.FAILED, last_error="No.")
    return people


def test_retry_all_failed_queues_a_new_job_for_each(as_admin, testco, vendor_app, monkeypatch):
    monkeypatch.setattr("provisioning.services.enqueue", lambda *a, **k: None)
    failed(vendor_app, testco, 3)
    answer = as_admin.post(f"/apps/{vendor_app.pk}/retry-failed/", follow=True)
    assert "Retrying 3 failed accounts in Vendor SCIM." in answer.content.decode()
    retries = Job.objects.filter(app=vendor_app, state=Job.State.QUEUED)
    assert retries.count() == 3 and {j.trigger for j in retries} == {"retry all failed"}
    assert all(j.options["lookup_first"] for j in retries)  # a retry looks the account up first
    assert not AppAccount.objects.filter(app=vendor_app, status=Status.FAILED).exists()


def test_many_failed_accounts_are_retried_in_the_background(
    as_admin, testco, vendor_app, monkeypatch
):
    monkeypatch.setattr(background, "BACKGROUND_FROM", 2)
    monkeypatch.setattr("provisioning.services.enqueue", lambda *a, **k: None)
    failed(vendor_app, testco, 3)
    answer = as_admin.post(f"/apps/{vendor_app.pk}/retry-failed/")
    action = BackgroundAction.objects.get()
    assert answer.status_code == 302 and str(action.pk) in answer["Location"]
    background.run(action.pk)
    action.refresh_from_db()
    assert action.state == BackgroundAction.State.DONE and action.done == 3
    assert action.message == "Retrying 3 failed accounts in Vendor SCIM."
    assert Job.objects.filter(app=vendor_app, state=Job.State.QUEUED).count() == 3


def test_nothing_failed_says_so(as_admin, vendor_app):
    answer = as_admin.post(f"/apps/{vendor_app.pk}/retry-failed/", follow=True)
    assert "No failed accounts to retry in Vendor SCIM." in answer.content.decode()


def test_retry_all_failed_is_for_admins_of_the_organization(
    as_member, as_other_admin, testco, vendor_app
):
    failed(vendor_app, testco, 1)
    assert as_member.post(f"/apps/{vendor_app.pk}/retry-failed/").status_code in (302, 403)
    assert as_other_admin.post(f"/apps/{vendor_app.pk}/retry-failed/").status_code == 404
    assert as_admin_get_is_refused(as_other_admin, vendor_app)
    assert AppAccount.objects.filter(app=vendor_app, status=Status.FAILED).count() == 1


def as_admin_get_is_refused(client, app):
    return client.get(f"/apps/{app.pk}/retry-failed/").status_code in (404, 405)


def test_the_users_tab_offers_retry_all_failed(as_admin, testco, vendor_app):
    failed(vendor_app, testco, 2)
    page = as_admin.get(f"/apps/{vendor_app.pk}/users/").content.decode()
    assert "Retry all failed (2)" in page
