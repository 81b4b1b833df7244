"""An app's Users tab at scale: its accounts 50 a page, filtered by status and searched on the
server; the accounts found only in the app on a filter of their own; while jobs run, a
progress summary and the rows of the page shown refresh, not the whole list."""

import re

import pytest
from django.urls import reverse

from accounts.models import User
from provisioning.models import AppAccount
from provisioning.status import Status

from .conftest import add_app


@pytest.fixture
def app(testco):
    return add_app(testco)


def account(app, person=None, status=Status.ACTIVE, **fields):
    email = person.email if person else fields.pop("email")
    return AppAccount.objects.create(
        organization=app.organization,
        app=app,
        user=person,
        email=email,
        username=fields.pop("username", email),
        status=status,
        **fields,
    )


def people(testco, count, prefix="p"):
    return User.objects.bulk_create(
        User(
            organization=testco,
            email=f"{prefix}{i:03}@testco.example",
            first_name=f"{prefix.upper()}{i:03}",
            last_name="Person",
        )
        for i in range(count)
    )


def tab(client, app, **params):
    return client.get(reverse("app_users", kwargs={"app_id": app.pk}), params).content.decode()


def rows(page):
    """The people (or app-only emails) on the page's table, in order."""
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    return re.findall(r"([\w.-]+@[\w.-]+)</small>", body)


def test_accounts_are_shown_50_a_page_latest_change_first(as_admin, testco, app):
    for person in people(testco, 120):
        account(app, person)
    first = tab(as_admin, app)
    assert len(rows(first)) == 50 and "Page 1 of 3" in first and "120 accounts" in first
    assert rows(first)[0] == "p119@testco.example"  # the last one changed
    last = tab(as_admin, app, page=3)
    assert len(rows(last)) == 20 and rows(last)[-1] == "p000@testco.example"
    seen = rows(first) + rows(tab(as_admin, app, page=2)) + rows(last)
    assert len(set(seen)) == 120


def test_the_status_filter(as_admin, testco, app):
    statuses = [Status.PENDING, Status.PROVISIONING, Status.CREATED, Status.INVITED]
    statuses += [Status.ACTIVE, Status.FAILED, Status.SUSPENDED, Status.DEPROVISIONED]
    for person, status in zip(people(testco, 8), statuses, strict=True):
        account(app, person, status=status)
    expected = {
        "in_flight": ["p001", "p000"],
        "created": ["p003", "p002"],
        "active": ["p004"],
        "failed": ["p005"],
        "suspended": ["p006"],
        "deprovisioned": ["p007"],
        "": [f"p{i:03}" for i in reversed(range(8))],
        "nonsense": [f"p{i:03}" for i in reversed(range(8))],  # All
    }
    for status, found in expected.items():
        assert rows(tab(as_admin, app, status=status)) == [f"{p}@testco.example" for p in found]
    page = tab(as_admin, app, status="failed")
    assert '<option value="failed" selected>Failed</option>' in page
    assert "Pending/Provisioning" in page and "Created/Invited" in page


def test_search_by_name_email_or_username_on_the_server(as_admin, testco, app):
    jose, wei = (
        User.objects.create(organization=testco, email=email, first_name=first, last_name=last)
        for email, first, last in (
            ("jose@testco.example", "José", "Ñúñez"),
            ("wei@testco.example", "Wei", "Chen"),
        )
    )
    account(app, jose, username="jnunez")
    account(app, wei, username="wchen")
    assert rows(tab(as_admin, app, q="úñez")) == ["jose@testco.example"]
    assert rows(tab(as_admin, app, q="WCHEN")) == ["wei@testco.example"]
    assert rows(tab(as_admin, app, q="wei@testco")) == ["wei@testco.example"]
    assert rows(tab(as_admin, app, q="josé jnunez")) == ["jose@testco.example"]  # every word
    assert rows(tab(as_admin, app, q="chen", status="failed")) == []
    assert "No account matches." in tab(as_admin, app, q="nobody")


def test_accounts_only_in_the_app_have_a_filter_of_their_own(as_admin, testco, app, member):
    account(app, member)
    for i in range(60):
        account(app, email=f"c{i:02}@elsewhere.example", username=f"contractor{i:02}")
    page = tab(as_admin, app)
    assert rows(page) == [member.email]  # not listed with the people's accounts
    assert "Accounts only in SCIM app: 60" in page and "?status=app_only" in page
    only = tab(as_admin, app, status="app_only")
    assert member.email not in only
    assert len(rows(only)) == 50 and rows(only)[0] == "c00@elsewhere.example"
    assert "60 accounts only in SCIM app" in only and "Page 1 of 2" in only
    assert ">Retry<" not in only
    assert rows(tab(as_admin, app, status="app_only", q="contractor59")) == [
        "c59@elsewhere.example"
    ]


def test_a_progress_summary_and_the_page_refresh_while_jobs_run(as_admin, testco, app):
    crowd = people(testco, 60)
    for person in crowd[:3]:
        account(app, person, status=Status.PENDING)
    account(app, crowd[3], status=Status.PROVISIONING)
    for person in crowd[4:]:
        account(app, person, status=Status.CREATED)
    page = tab(as_admin, app, status="created", page=2)
    assert "Pending 3" in page and "Provisioning 1" in page and "Created 56" in page
    assert "In progress: 4 of 60" in page and '<progress max="60" value="56">' in page
    # The refresh asks for the same page of the same filter, and gets only its rows.
    poll = re.search(r'hx-get="([^"]+)" hx-trigger="every 2s"', page).group(1)
    assert "status=created" in poll and "page=2" in poll
    url = poll.replace("&amp;", "&")
    partial = as_admin.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="app-accounts")
    html = partial.content.decode()
    assert "<html" not in html and len(rows(html)) == 6  # 56 created: page 2 holds 6
    AppAccount.objects.filter(status__in=[Status.PENDING, Status.PROVISIONING]).update(
        status=Status.CREATED
    )
    html = as_admin.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="app-accounts")
    assert 'hx-trigger="every 2s"' not in html.content.decode()  # done: it stops


def test_retry_comes_back_to_the_page_it_was_pressed_on(as_admin, app, member):
    failed = account(app, member, status=Status.FAILED, last_error="The app had an error (500).")
    page = tab(as_admin, app, status="failed", q="bob")
    assert ">Retry<" in page
    here = f"{reverse('app_users', kwargs={'app_id': app.pk})}?q=bob&status=failed&page=1"
    assert f'name="next" value="{here.replace("&", "&amp;")}"' in page
    response = as_admin.post(
        reverse("retry_account", kwargs={"app_id": app.pk, "account_id": failed.pk}),
        {"next": here},
    )
    assert response.url == here
