"""Download CSV: the log's events under the same filters, streamed (never built whole in
memory), with what was sent and what the vendor answered; never a credential or a temporary
password; only the own organization's events; for admins only."""

import csv
import io
import json

import pytest
import responses
from django.http import StreamingHttpResponse
from django.urls import reverse

from provisioning import engine
from provisioning.models import AccountEvent, AppAccount
from provisioning.services import AccountRequest, queue_jobs
from provisioning.status import Status

from .conftest import add_app, make_user
from .scim_payloads import SCIM_JSON, USERS, error, user

VENDOR_TOKEN = "vendor-secret-token-123"  # the vendor_app fixture's token
E = AccountEvent


def download(client, name="provisioning_log_export", kwargs=None, **params):
    response = client.get(reverse(name, kwargs=kwargs), params)
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def worked(vendor_app, member, admin, testco):
    """One seat created (its temporary password set) and one that failed: the vendor
    repeats the token in its error."""
    carol = make_user(testco, "carol@testco.example", first="Carol", last="Jones")
    with responses.RequestsMock() as vendor:
        vendor.post(
            USERS,
            status=201,
            content_type=SCIM_JSON,
            json=user("r-1", member.email),
        )
        (job,) = queue_jobs(
            vendor_app, [AccountRequest(user=member)], trigger="assign users", requested_by=admin
        )
        assert engine.run_job(job.pk) == "succeeded"
    with responses.RequestsMock() as vendor:
        vendor.post(
            USERS,
            status=400,
            content_type=SCIM_JSON,
            json=error(400, f"token {VENDOR_TOKEN} has no licenses left"),
        )
        (job,) = queue_jobs(
            vendor_app, [AccountRequest(user=carol)], trigger="group Sales", requested_by=admin
        )
        assert engine.run_job(job.pk) == "failed"
    return {"carol": carol}


def test_the_export_has_every_event_with_the_request_and_the_answer(as_admin, worked, member):
    rows = download(as_admin)
    assert len(rows) == AccountEvent.objects.count() == 6  # queued, started, ended: twice
    failed = next(r for r in rows if r["outcome"] == "Failed")
    assert failed["app"] == "Vendor SCIM"
    assert failed["person"] == "Carol Jones" and failed["person email"] == "carol@testco.example"
    assert failed["action"] == "Create account"
    assert failed["requested by"] == "Group Sales, by Alice Admin"
    assert failed["HTTP status"] == "400" and failed["attempt"] == "1"
    assert int(failed["duration (ms)"]) >= 0
    assert "has no licenses left" in failed["message"]
    assert '"email": "carol@testco.example"' in failed["request sent"]
    assert "POST /v2/Users 400" in failed["vendor requests"]
    created = next(r for r in rows if r["outcome"] == "Succeeded")
    assert created["HTTP status"] == "201" and "remote_id: r-1" in created["vendor answer"]
    assert created["status before"] == "provisioning" and created["status after"] == "created"
    assert rows[0]["time (UTC)"] >= rows[-1]["time (UTC)"]  # newest first


def test_no_secret_is_ever_in_the_export(as_admin, worked, member):
    password = AppAccount.objects.get(user=member).secrets["temporary_password"]
    response = as_admin.get(reverse("provisioning_log_export"))
    text = b"".join(response.streaming_content).decode()
    assert VENDOR_TOKEN not in text and password not in text
    assert "[redacted]" in text  # where the vendor repeated the token
    created = next(r for r in csv.DictReader(io.StringIO(text)) if r["outcome"] == "Succeeded")
    assert json.loads(created["request sent"])["password"] == "[set]"  # set, not what it is


def test_a_secret_an_older_row_holds_is_hidden(as_admin, testco):
    app = add_app(testco)
    account = AppAccount.objects.create(organization=testco, app=app, email="x@testco.example")
    AccountEvent.objects.create(
        organization=testco,
        account=account,
        to_status=Status.PENDING,
        detail={"sent": {"email": "x@testco.example", "password": "Hunter2!abc"}},
    )
    text = str(download(as_admin))
    assert "Hunter2!abc" not in text and "[redacted]" in text


def test_the_export_takes_the_pages_filters(as_admin, worked, member, vendor_app):
    carol = worked["carol"]
    assert {r["outcome"] for r in download(as_admin, outcome="failed")} == {"Failed"}
    assert {r["person"] for r in download(as_admin, q="carol")} == {"Carol Jones"}
    assert len(download(as_admin, action="delete")) == 0
    assert len(download(as_admin, app=vendor_app.pk, period="hour")) == 6
    person = download(as_admin, "person_log_export", {"user_id": carol.pk})
    assert len(person) == 3 and {r["person"] for r in person} == {"Carol Jones"}
    app = download(as_admin, "app_log_export", {"app_id": vendor_app.pk}, outcome="succeeded")
    assert [r["person email"] for r in app] == [member.email]
    account = AppAccount.objects.get(user=carol)
    ids = {"app_id": vendor_app.pk, "account_id": account.pk}
    history = download(as_admin, "account_history_export", ids)
    assert len(history) == 3 and {r["account id"] for r in history} == {str(account.pk)}


def test_the_page_links_its_filters_to_the_export(as_admin, worked):
    page = as_admin.get(reverse("provisioning_log"), {"outcome": "failed", "q": "carol"})
    assert f"{reverse('provisioning_log_export')}?outcome=failed&amp;q=carol" in (
        page.content.decode()
    )


def test_cells_a_spreadsheet_would_run_are_quoted(as_admin, testco):
    app = add_app(testco, name="=HYPERLINK(1)")
    account = AppAccount.objects.create(
        organization=testco, app=app, email="x@testco.example", username="@sum(A1)"
    )
    AccountEvent.objects.create(
        organization=testco, account=account, to_status=Status.PENDING, message="+1 -2"
    )
    (row,) = download(as_admin)
    assert row["app"] == "'=HYPERLINK(1)"
    assert row["account username"] == "'@sum(A1)" and row["message"] == "'+1 -2"


def test_the_export_is_for_admins(as_member, testco, member):
    app = add_app(testco)
    assert as_member.get(reverse("provisioning_log_export")).status_code == 403
    url = reverse("app_log_export", kwargs={"app_id": app.pk})
    assert as_member.get(url).status_code == 403


def test_another_organization_exports_none_of_it(as_other_admin, worked, vendor_app):
    assert download(as_other_admin) == []
    assert download(as_other_admin, q="carol") == []
    url = reverse("provisioning_log_export")
    assert as_other_admin.get(url, {"app": vendor_app.pk}).status_code == 404
    url = reverse("app_log_export", kwargs={"app_id": vendor_app.pk})
    assert as_other_admin.get(url).status_code == 404
    url = reverse("person_log_export", kwargs={"user_id": worked["carol"].pk})
    assert as_other_admin.get(url).status_code == 404


@pytest.mark.parametrize("size", [5, 300])
def test_the_export_costs_a_constant_number_of_queries(
    as_admin, testco, size, django_assert_max_num_queries
):
    app = add_app(testco)
    people = [make_user(testco, f"p{i}@testco.example") for i in range(2)]
    accounts = AppAccount.objects.bulk_create(
        AppAccount(organization=testco, app=app, email=f"a{i}@testco.example", user=None)
        for i in range(size)
    )
    accounts[0].user = people[0]
    accounts[0].save()
    AccountEvent.objects.bulk_create(
        AccountEvent(organization=testco, account=a, app=app, to_status=Status.PENDING)
        for a in accounts
    )
    # The session, the admin, and the events in chunks (a server-side cursor: its fetches
    # are not queries of their own).
    with django_assert_max_num_queries(3 + 2):
        rows = download(as_admin)
    assert len(rows) == size


def test_the_export_goes_through_the_log_a_chunk_at_a_time(as_admin, testco, monkeypatch):
    from django.utils import timezone

    from provisioning import log

    monkeypatch.setattr(log, "EXPORT_CHUNK", 3)
    app = add_app(testco)
    account = AppAccount.objects.create(organization=testco, app=app, email="x@testco.example")
    now = timezone.now()
    for n in range(8):  # five of them recorded at one instant, across the chunks' edges
        at = now if n >= 3 else now.replace(year=now.year - 1)
        AccountEvent.objects.create(
            organization=testco, account=account, to_status=Status.PENDING, message=f"E{n}",
            created_at=at,
        )  # fmt: skip
    assert [row["message"] for row in download(as_admin)] == [f"E{n}" for n in range(7, -1, -1)]
