"""An account's history on its own page (from the app's Users tab and the person's page):
every event of that account, newest first, with the request sent, the vendor's answer (HTTP
status and message), how long the vendor took and which attempt; a failed account says why
and offers Retry."""

import re

import pytest
import responses
from django.urls import reverse

from provisioning import engine
from provisioning.models import AccountEvent, AppAccount, Job
from provisioning.runs import queue_lifecycle
from provisioning.services import AccountRequest, queue_jobs
from provisioning.status import Status

from .conftest import add_app
from .scim_payloads import SCIM_JSON, USERS, error, user


def history_url(account):
    return reverse("account_history", kwargs={"app_id": account.app_id, "account_id": account.pk})


def history(client, account, **params):
    response = client.get(history_url(account), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def failed_account(vendor_app, member, admin):
    """Bob's seat: the vendor answered 409 and the lookup found nobody, so it failed."""
    with responses.RequestsMock() as vendor:
        vendor.post(
            USERS,
            status=409,
            content_type=SCIM_JSON,
            json=error(409, "userName is already taken", "uniqueness"),
        )
        vendor.get(USERS, json={"Resources": [], "totalResults": 0}, content_type=SCIM_JSON)
        (job,) = queue_jobs(
            vendor_app, [AccountRequest(user=member)], trigger="assign users", requested_by=admin
        )
        assert engine.run_job(job.pk) == "failed"
    return AppAccount.objects.get(user=member)


def test_the_users_tab_and_the_persons_page_link_to_the_history(as_admin, failed_account, member):
    url = history_url(failed_account)
    tab = reverse("app_users", kwargs={"app_id": failed_account.app_id})
    assert url in as_admin.get(tab).content.decode()
    part = as_admin.get(reverse("person_apps", kwargs={"user_id": member.pk})).content.decode()
    assert url in part


def test_a_failed_account_says_why_and_offers_retry(as_admin, failed_account):
    page = history(as_admin, failed_account)
    said = "none of its accounts is this person"
    assert page.count(said) == 2  # the account's last error, and its failed event
    assert "HTTP 409" in page and 'class="badge bad">Failed' in page  # the vendor's refusal
    assert "Attempt 1" in page and "ms at the app" in page
    assert "POST /v2/Users → 409" in page and "GET /v2/Users → 200" in page
    assert "username: member@testco.example" in page  # what was sent
    ids = {"app_id": failed_account.app_id, "account_id": failed_account.pk}
    assert f'action="{reverse("retry_account", kwargs=ids)}"' in page
    assert 'name="next" value="' + history_url(failed_account) in page


def test_retry_from_the_history_comes_back_to_it(as_admin, failed_account):
    url = reverse(
        "retry_account", kwargs={"app_id": failed_account.app_id, "account_id": failed_account.pk}
    )
    response = as_admin.post(url, {"next": history_url(failed_account)})
    assert response.status_code == 302 and response["Location"] == history_url(failed_account)
    page = history(as_admin, failed_account)
    assert "Queued again: create account (retry)." in page and "Retry, by Alice Admin" in page


def test_the_history_is_the_accounts_own_newest_first(as_admin, vendor_app, member, admin):
    with responses.RequestsMock() as vendor:
        vendor.post(USERS, status=201, json=user("r-9", member.email), content_type=SCIM_JSON)
        (job,) = queue_jobs(
            vendor_app, [AccountRequest(user=member)], trigger="assign users", requested_by=admin
        )
        engine.run_job(job.pk)
    account = AppAccount.objects.get(user=member)
    other = AppAccount.objects.create(
        organization=account.organization, app=vendor_app, email="x@elsewhere.example"
    )
    AccountEvent.objects.create(
        organization=account.organization, account=other, to_status=Status.ACTIVE, message="Hi."
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as vendor:
        for method in (vendor.get, vendor.patch, vendor.put):  # PATCH, or read and PUT
            method(f"{USERS}/r-9", json=user("r-9", member.email), content_type=SCIM_JSON)
        (job,) = queue_lifecycle([suspend_step(account)], account.organization_id,
                                 trigger="group Sales", by=admin)  # fmt: skip
        assert engine.run_job(job.pk) == "succeeded"
    page = history(as_admin, account)
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    said = re.findall(r"<span class=\"(?:error)?\">([^<]*)</span>", body)
    assert said == [
        "Suspended in the app.",
        "Queued: suspend account (group Sales).",
        "Account created.",
        "Attempt 1.",
        "Queued: create account (assign users).",
    ]
    assert "Hi." not in body
    assert "action: suspend" in body and "remote_id: r-9" in body  # what the suspend sent
    assert "HTTP 201" in body and "HTTP 200" in body
    assert "Active → Suspended" in body or "Created → Suspended" in body


def suspend_step(account):
    from provisioning.plans import Step

    return Step(
        action=Job.Action.SUSPEND,
        account_id=str(account.pk),
        app_id=str(account.app_id),
        user_id=str(account.user_id),
    )


def test_an_account_only_in_the_app_has_a_history_too(as_admin, testco):
    app = add_app(testco)
    account = AppAccount.objects.create(
        organization=testco, app=app, email="contractor@partner.example", username="contractor"
    )
    AccountEvent.objects.create(
        organization=testco, account=account, to_status=Status.ACTIVE, message="Found."
    )
    page = history(as_admin, account)
    assert "Only in SCIM app" in page and "Found." in page


def test_the_history_under_another_apps_address_is_not_found(as_admin, failed_account, testco):
    other = add_app(testco, name="Other")
    url = reverse("account_history", kwargs={"app_id": other.pk, "account_id": failed_account.pk})
    assert as_admin.get(url).status_code == 404


def test_the_history_is_for_admins(as_member, failed_account):
    assert as_member.get(history_url(failed_account)).status_code == 403


def test_another_organization_gets_404(as_other_admin, failed_account):
    assert as_other_admin.get(history_url(failed_account)).status_code == 404


@pytest.mark.parametrize("size", [5, 300])
def test_the_history_costs_a_constant_number_of_queries(
    as_admin, testco, member, size, django_assert_max_num_queries
):
    app = add_app(testco)
    account = AppAccount.objects.create(
        organization=testco, app=app, user=member, email=member.email, status=Status.FAILED
    )
    AccountEvent.objects.bulk_create(
        AccountEvent(
            organization=testco,
            account=account,
            app=app,
            to_status=Status.FAILED,
            outcome=AccountEvent.Outcome.FAILED,
            message=f"Failed {n}.",
            detail={"attempt": n, "status": 500, "ms": 3},
        )
        for n in range(size)
    )
    # The session, the admin, the account with its app and person, the page of events.
    with django_assert_max_num_queries(4 + 2):
        page = history(as_admin, account)
    assert f"Failed {size - 1}." in page
