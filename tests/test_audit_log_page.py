"""The Audit log page: admins only, their own organization's entries only, filtered and
searched on the server, paged by keyset at a bounded number of queries, and the same
selection as a streamed CSV."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import audit
from accounts.models import AuditEntry, User

from .conftest import make_user

LOG = reverse("audit_log")
CSV = reverse("audit_log_csv")


def entry(organization, action=audit.GROUP_CREATED, actor=None, label="Sales", **fields):
    fields.setdefault("object_kind", "group")
    return AuditEntry.objects.create(
        organization=organization,
        actor=actor,
        actor_email=actor.email if actor else "",
        action=action,
        object_label=label,
        **fields,
    )


def download(client, query=""):
    response = client.get(f"{CSV}?{query}")
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def labels_on(page):
    return [row.object_label for row in page.context["page"].entries]


@pytest.fixture
def both_organizations(testco, otherco, admin, member, other_admin):
    """A few entries in each organization (besides the sign-ins of the signed-in clients)."""
    entry(testco, audit.GROUP_CREATED, admin, "Sales")
    entry(testco, audit.PERSON_EDITED, admin, "Bob Member", object_kind="person")
    entry(testco, audit.SIGN_IN, member, "Bob Member", object_kind="person")
    entry(otherco, audit.GROUP_CREATED, other_admin, "Secret project")


# --- who sees it ----------------------------------------------------------------------------


def test_the_admin_navigation_links_the_audit_log(as_admin, as_member):
    assert f'href="{LOG}"' in as_admin.get(reverse("dashboard")).content.decode()
    assert f'href="{LOG}"' not in as_member.get(reverse("my_apps")).content.decode()


def test_a_member_gets_403(as_member, both_organizations):
    assert as_member.get(LOG).status_code == 403
    assert as_member.get(CSV).status_code == 403
    one = AuditEntry.objects.filter(action=audit.GROUP_CREATED).first()
    assert as_member.get(reverse("audit_entry", kwargs={"entry_id": one.pk})).status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get(LOG)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_each_organization_sees_only_its_own_entries(
    as_admin, as_other_admin, both_organizations, testco
):
    ours = as_admin.get(LOG)
    assert "Sales" in ours.content.decode() and "Secret project" not in ours.content.decode()
    theirs = as_other_admin.get(LOG).content.decode()
    assert "Secret project" in theirs
    assert "Sales" not in theirs and "Bob Member" not in theirs
    exported = download(as_other_admin)
    assert all("Sales" not in row and "Bob Member" not in row for row in exported)
    assert any("Secret project" in row for row in exported)
    # Filtering by another organization's object finds nothing; its entry is a 404.
    testco_entry = entry(testco, object_id="testco-object", label="Sales")
    assert as_other_admin.get(f"{LOG}?object=testco-object").context["page"].entries == []
    url = reverse("audit_entry", kwargs={"entry_id": testco_entry.pk})
    assert as_other_admin.get(url).status_code == 404
    assert as_admin.get(url).status_code == 200


def test_failed_sign_ins_of_unknown_emails_are_on_no_organizations_page(as_admin, client):
    client.post(reverse("login"), {"username": "nobody@nowhere.example", "password": "x"})
    assert AuditEntry.objects.filter(actor_email="nobody@nowhere.example").exists()
    assert "nobody@nowhere.example" not in as_admin.get(LOG).content.decode()


# --- what it shows --------------------------------------------------------------------------


def test_an_entry_shows_who_what_when_where_and_its_detail(as_admin, admin, testco):
    row = entry(
        testco,
        audit.SETTINGS_CHANGED,
        admin,
        "TestCo Ltd",
        object_kind="organization",
        object_id=str(testco.pk),
        ip_address="203.0.113.7",
        detail={"changed": {"name": ["TestCo", "TestCo Ltd"]}},
    )
    page = as_admin.get(LOG).content.decode()
    assert "Settings changed" in page and "TestCo Ltd" in page and "203.0.113.7" in page
    assert "name: TestCo → TestCo Ltd" in page
    detail = as_admin.get(reverse("audit_entry", kwargs={"entry_id": row.pk})).content.decode()
    assert "Settings changed" in detail and admin.email in detail
    assert "&quot;TestCo Ltd&quot;" in detail and "203.0.113.7" in detail


# --- filters and search ---------------------------------------------------------------------


def test_the_actor_filter(as_admin, admin, member, both_organizations):
    page = as_admin.get(f"{LOG}?actor={member.pk}")
    assert labels_on(page) == ["Bob Member"]
    assert [e.action for e in page.context["page"].entries] == [audit.SIGN_IN]
    # The member is not an admin, yet named in the menu while chosen.
    assert f'value="{member.pk}" selected' in page.content.decode()


def test_the_action_filter(as_admin, both_organizations):
    page = as_admin.get(f"{LOG}?action={audit.PERSON_EDITED}")
    assert [e.action for e in page.context["page"].entries] == [audit.PERSON_EDITED]


def test_the_object_kind_filter(as_admin, both_organizations):
    page = as_admin.get(f"{LOG}?kind=group")
    assert labels_on(page) == ["Sales"]


def test_the_object_filter(as_admin, testco, admin):
    entry(testco, object_id="42", label="Sales")
    entry(testco, object_id="43", label="Support")
    assert labels_on(as_admin.get(f"{LOG}?object=42")) == ["Sales"]


def test_the_time_range(as_admin, testco, admin):
    now = timezone.now()
    for days, label in ((0, "today"), (3, "three days ago"), (10, "ten days ago")):
        entry(testco, actor=admin, label=label, created_at=now - timedelta(days=days))
    since = (now - timedelta(days=4)).date().isoformat()
    until = (now - timedelta(days=1)).date().isoformat()
    assert labels_on(as_admin.get(f"{LOG}?since={since}&until={until}")) == ["three days ago"]
    assert labels_on(as_admin.get(f"{LOG}?kind=group&since={since}")) == [
        "today",
        "three days ago",
    ]
    assert labels_on(as_admin.get(f"{LOG}?kind=group&until={until}")) == [
        "three days ago",
        "ten days ago",
    ]


def test_the_search_reads_the_object_label_and_the_actors_email(as_admin, both_organizations):
    assert labels_on(as_admin.get(f"{LOG}?q=sal")) == ["Sales"]
    by_email = as_admin.get(f"{LOG}?q=member%40testco")
    assert [e.action for e in by_email.context["page"].entries] == [audit.SIGN_IN]
    assert labels_on(as_admin.get(f"{LOG}?q=secret")) == []  # OtherCo's


def test_filters_that_are_not_valid_are_ignored(as_admin, both_organizations):
    response = as_admin.get(f"{LOG}?actor=nope&since=yesterday&action=drop_tables&before=x.y")
    assert response.status_code == 200
    assert len(response.context["page"].entries) >= 3


# --- pages ----------------------------------------------------------------------------------


def test_pages_by_keyset_skip_nothing_and_repeat_nothing(as_admin, testco, admin):
    at = timezone.now() - timedelta(hours=1)
    # 120 entries, many in the same microsecond: the id breaks the ties.
    AuditEntry.objects.bulk_create(
        AuditEntry(
            organization=testco,
            action=audit.GROUP_CREATED,
            object_kind="group",
            object_label=f"G{n:03}",
            created_at=at + timedelta(seconds=n // 7),
        )
        for n in range(120)
    )
    seen, url, pages = [], f"{LOG}?kind=group", []
    while url:
        response = as_admin.get(url)
        page = response.context["page"]
        pages.append(page)
        seen += labels_on(response)
        url = f"{LOG}?kind=group&before={page.older}" if page.older else None
    assert [len(page.entries) for page in pages] == [50, 50, 20]
    assert sorted(seen) == [f"G{n:03}" for n in range(120)] and len(set(seen)) == 120
    assert pages[0].newer is None and pages[1].newer is not None
    # Newer from the last page is the middle page again; from the middle, the first.
    back = as_admin.get(f"{LOG}?kind=group&after={pages[2].newer}")
    assert labels_on(back) == [e.object_label for e in pages[1].entries]
    first = as_admin.get(f"{LOG}?kind=group&after={back.context['page'].newer}")
    assert labels_on(first) == [e.object_label for e in pages[0].entries]
    assert first.context["page"].newer is None
    assert "120 entries" in first.content.decode()


# Measured: 5 (the session, the admin, the actor menu's admins, the count, the page's rows).
# Two spare for the layout's own.
AUDIT_LOG_PAGE = 5 + 2


@pytest.mark.parametrize("size", [10, 2000])
def test_the_page_is_a_bounded_number_of_queries(
    as_admin, testco, admin, size, django_assert_max_num_queries
):
    people = [make_user(testco, f"a{n}@testco.example", User.Role.ADMIN) for n in range(3)]
    AuditEntry.objects.bulk_create(
        AuditEntry(
            organization=testco,
            actor=people[n % 3],
            actor_email=people[n % 3].email,
            action=audit.GROUP_MEMBERS_ADDED,
            object_kind="group",
            object_label=f"Group {n}",
            detail={"count": n, "how": "pasted emails"},
        )
        for n in range(size)
    )
    first = as_admin.get(LOG).context["page"]
    for url in (
        LOG,
        f"{LOG}?before={first.older}",
        f"{LOG}?q=group&kind=group&actor={people[0].pk}",
        f"{LOG}?action={audit.GROUP_MEMBERS_ADDED}&since=2020-01-01&before={first.older}",
    ):
        with django_assert_max_num_queries(AUDIT_LOG_PAGE):
            assert as_admin.get(url).status_code == 200


def test_the_count_stops_at_its_cap(as_admin, testco, monkeypatch):
    monkeypatch.setattr(audit, "COUNT_CAP", 5)
    for n in range(8):
        entry(testco, label=f"G{n}")
    assert "More than 5 entries" in as_admin.get(f"{LOG}?kind=group").content.decode()


# --- the CSV --------------------------------------------------------------------------------


def test_the_csv_streams_every_entry_under_the_same_filters(as_admin, admin, testco):
    for n in range(7):
        entry(testco, audit.GROUP_CREATED, admin, f"Group {n}", ip_address="203.0.113.7")
    entry(testco, audit.PERSON_EDITED, admin, "Bob", object_kind="person", detail={"a": 1})
    response = as_admin.get(f"{CSV}?kind=group")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    header, *lines = download(as_admin, "kind=group")
    assert header == audit.CSV_HEADER
    assert len(lines) == 7 and {line[6] for line in lines} == {f"Group {n}" for n in range(7)}
    assert {line[1] for line in lines} == {admin.email}
    assert {line[2] for line in lines} == {"Group created"}
    assert {line[3] for line in lines} == {audit.GROUP_CREATED}
    assert {line[7] for line in lines} == {"203.0.113.7"}
    [person_line] = download(as_admin, f"action={audit.PERSON_EDITED}")[1:]
    assert person_line[8] == '{"a": 1}'


def test_the_csv_is_read_in_chunks(as_admin, testco, monkeypatch):
    chunk_sizes = []
    original = audit.csv_rows

    def spy(entries, chunk_size=2000):
        chunk_sizes.append(chunk_size)
        yield from original(entries, chunk_size=3)

    monkeypatch.setattr(audit, "csv_rows", spy)
    for n in range(10):
        entry(testco, label=f"G{n}")
    assert len(download(as_admin, "kind=group")) == 11
    assert chunk_sizes == [2000]


def test_the_csv_never_hands_a_spreadsheet_a_formula(as_admin, testco):
    entry(testco, label='=HYPERLINK("http://evil.example","click")')
    [line] = download(as_admin, "kind=group")[1:]
    assert line[6].startswith("'=")
