"""The provisioning log: every event of the organization, newest first, filtered (app, person,
action, outcome, time range) and searched on the server, a page at a time ("Newer" /
"Older", never a count of the whole log); per app on a tab of its own and per person from
their page; for admins only, and only the own organization's events."""

import re
from datetime import timedelta

import pytest
import responses
from django.urls import reverse
from django.utils import timezone

from provisioning import engine, log
from provisioning.models import AccountEvent, AppAccount
from provisioning.services import AccountRequest, queue_jobs
from provisioning.status import Status

from .conftest import add_app, make_user
from .scim_payloads import SCIM_JSON, USERS, error, list_response

E = AccountEvent


def account(app, person=None, **fields):
    email = person.email if person else fields.pop("email")
    return AppAccount.objects.create(
        organization=app.organization,
        app=app,
        user=person,
        email=email,
        username=fields.pop("username", email),
        status=fields.pop("status", Status.ACTIVE),
        first_name=person.first_name if person else "",
        last_name=person.last_name if person else "",
        **fields,
    )


def event(account, message, *, ago=0, action=E.Action.CREATE, outcome=E.Outcome.SUCCEEDED, **kw):
    return AccountEvent.objects.create(
        organization=account.organization,
        account=account,
        from_status=kw.pop("from_status", Status.PROVISIONING),
        to_status=kw.pop("to_status", account.status),
        action=action,
        outcome=outcome,
        message=message,
        created_at=kw.pop("created_at", timezone.now() - timedelta(minutes=ago)),
        **kw,
    )


def messages(client, url=None, **params):
    """The messages of the log's rows, in order, from the page at url (the organization's
    log by default)."""
    page = client.get(url or reverse("provisioning_log"), params)
    assert page.status_code == 200
    body = page.content.decode()
    body = body[body.index("<tbody>") : body.index("</tbody>")]
    return re.findall(r"<span class=\"(?:error)?\">([^<]*)</span>", body)


@pytest.fixture
def cast(testco, admin, member):
    """Two apps; the member's and another person's accounts in them; an account found only in
    the app; events of each kind at known times (minutes ago)."""
    slack, github = add_app(testco, name="Slack"), add_app(testco, name="GitHub")
    carol = make_user(testco, "carol@testco.example", first="Carol", last="Jones")
    bob_slack = account(slack, member, username="bob.member")
    bob_github = account(github, member, username="bobm", status=Status.FAILED)
    carol_slack = account(slack, carol, username="cjones")
    stranger = account(slack, email="contractor@partner.example", username="contractor")
    event(bob_slack, "Queued: create account (assign users).", ago=50, outcome=E.Outcome.QUEUED)
    event(bob_slack, "Account created.", ago=40)
    event(bob_github, "The app refused the request (400). License limit.", ago=30,
          outcome=E.Outcome.FAILED, to_status=Status.FAILED)  # fmt: skip
    event(carol_slack, "Suspended in the app.", ago=20, action=E.Action.SUSPEND)
    event(stranger, "Found in the app.", ago=10, action="", outcome=E.Outcome.NOTED)
    event(carol_slack, "First sign-in via My Apps.", ago=60 * 24 * 3, action=E.Action.SIGN_IN,
          outcome=E.Outcome.NOTED)  # fmt: skip
    return {"slack": slack, "github": github, "carol": carol, "bob_slack": bob_slack}


ALL = [
    "Found in the app.",
    "Suspended in the app.",
    "The app refused the request (400). License limit.",
    "Account created.",
    "Queued: create account (assign users).",
    "First sign-in via My Apps.",
]


def test_the_log_lists_every_event_newest_first(as_admin, cast):
    assert messages(as_admin) == ALL


def test_the_app_filter(as_admin, cast):
    slack = cast["slack"]
    assert messages(as_admin, app=str(slack.pk)) == [m for m in ALL if "License" not in m]
    assert messages(as_admin, app=str(cast["github"].pk)) == [ALL[2]]


def test_the_apps_tab_shows_only_its_events(as_admin, cast):
    github = cast["github"]
    page = as_admin.get(reverse("app_log", kwargs={"app_id": github.pk})).content.decode()
    assert 'aria-current="page">Provisioning log' in page
    assert messages(as_admin, reverse("app_log", kwargs={"app_id": github.pk})) == [ALL[2]]


def test_the_person_filter(as_admin, cast, member):
    url = reverse("person_log", kwargs={"user_id": member.pk})
    assert messages(as_admin, url) == [ALL[2], ALL[3], ALL[4]]
    carol = reverse("person_log", kwargs={"user_id": cast["carol"].pk})
    assert messages(as_admin, carol) == [ALL[1], ALL[5]]
    # Within the person's log, the app filter narrows it further.
    assert messages(as_admin, url, app=str(cast["github"].pk)) == [ALL[2]]


def test_the_persons_page_links_to_their_log(as_admin, cast, member):
    part = as_admin.get(reverse("person_apps", kwargs={"user_id": member.pk})).content.decode()
    assert reverse("person_log", kwargs={"user_id": member.pk}) in part


@pytest.mark.parametrize(
    "action, expected",
    [
        ("create", [ALL[2], ALL[3], ALL[4]]),
        ("suspend", [ALL[1]]),
        ("sign_in", [ALL[5]]),
        ("delete", []),
    ],
)
def test_the_action_filter(as_admin, cast, action, expected):
    assert messages(as_admin, action=action) == expected


@pytest.mark.parametrize(
    "outcome, expected",
    [
        ("failed", [ALL[2]]),
        ("queued", [ALL[4]]),
        ("succeeded", [ALL[1], ALL[3]]),
        ("noted", [ALL[0], ALL[5]]),
        ("held", []),
    ],
)
def test_the_outcome_filter(as_admin, cast, outcome, expected):
    assert messages(as_admin, outcome=outcome) == expected


def test_the_time_range(as_admin, cast):
    assert messages(as_admin, period="hour") == ALL[:5]
    assert messages(as_admin, period="week") == ALL
    two_days_ago = (timezone.now() - timedelta(days=2)).date()
    three_days_ago = (timezone.now() - timedelta(days=3)).date()
    assert messages(as_admin, **{"from": two_days_ago.isoformat()}) == ALL[:5]
    assert messages(as_admin, **{"to": three_days_ago.isoformat()}) == [ALL[5]]
    span = {"from": three_days_ago.isoformat(), "to": three_days_ago.isoformat()}
    assert messages(as_admin, **span) == [ALL[5]]


def test_filters_combine(as_admin, cast):
    slack = str(cast["slack"].pk)
    assert messages(as_admin, app=slack, outcome="succeeded", period="hour") == [ALL[1], ALL[3]]
    assert messages(as_admin, app=slack, action="suspend", q="carol") == [ALL[1]]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("carol", [ALL[1], ALL[5]]),  # the person's first name
        ("JONES", [ALL[1], ALL[5]]),  # last name, any case
        ("member@testco", [ALL[2], ALL[3], ALL[4]]),  # the person's email
        ("cjones", [ALL[1], ALL[5]]),  # the account's username
        ("contractor", [ALL[0]]),  # an account only in the app: its own email and username
        ("license", [ALL[2]]),  # the message
        ("bob license", [ALL[2]]),  # every word must match, each anywhere
        ("nobody-at-all", []),
    ],
)
def test_the_search(as_admin, cast, query, expected):
    assert messages(as_admin, q=query) == expected


def test_values_out_of_place_are_ignored(as_admin, cast):
    params = {"action": "explode", "outcome": "<b>", "period": "decade", "from": "2024-02-31"}
    params |= {"to": "yesterday", "older": "not-a-cursor", "newer": "1.x"}
    assert messages(as_admin, **params) == ALL
    assert messages(as_admin, to="9999-12-31", older="-99999999999999999.1") == ALL


def test_pages_go_older_and_newer_without_counting(as_admin, testco, cast, monkeypatch):
    monkeypatch.setattr(log, "PAGE_SIZE", 4)
    # Events recorded in one run share their instant: the cursor keeps them apart by id.
    bob_slack, now = cast["bob_slack"], timezone.now()
    for n in range(5):
        event(bob_slack, f"Same instant {n}.", created_at=now - timedelta(minutes=5))
    first = as_admin.get(reverse("provisioning_log")).content.decode()
    seen = messages(as_admin)
    older = re.search(r'href="([^"]*older=[^"]*)">Older', first).group(1).replace("&amp;", "&")
    assert "Newer" not in first
    second = as_admin.get(older).content.decode()
    seen += messages(as_admin, older)
    older = re.search(r'href="([^"]*older=[^"]*)">Older', second).group(1).replace("&amp;", "&")
    third = as_admin.get(older).content.decode()
    seen += messages(as_admin, older)
    assert "Older" not in third
    assert seen[:5] == [f"Same instant {n}." for n in range(4, -1, -1)]
    assert seen[5:] == ALL and len(seen) == 11
    newer = re.search(r'href="([^"]*newer=[^"]*)">← Newer', third).group(1).replace("&amp;", "&")
    assert messages(as_admin, newer) == seen[4:8]


def test_a_failed_jobs_vendor_answer_is_shown(as_admin, vendor_app, member, admin):
    with responses.RequestsMock() as vendor:
        vendor.post(
            USERS,
            status=400,
            content_type=SCIM_JSON,
            json=error(400, "No licenses left for new users"),
        )
        (job,) = queue_jobs(
            vendor_app, [AccountRequest(user=member)], trigger="assign users", requested_by=admin
        )
        assert engine.run_job(job.pk) == "failed"
    page = as_admin.get(reverse("provisioning_log"), {"outcome": "failed"}).content.decode()
    assert "HTTP 400" in page
    assert "The app said: No licenses left for new users" in page
    assert 'class="badge bad">Failed' in page
    assert "Assign Users, by Alice Admin" in page
    assert "Attempt 1" in page and "ms at the app" in page
    assert "POST /v2/Users → 400" in page  # the request it made
    assert "email: member@testco.example" in page  # what was sent
    assert "password: [set]" in page


def test_a_retry_says_so(as_admin, vendor_app, member, admin):
    with responses.RequestsMock() as vendor:
        vendor.post(USERS, status=503, json=error(503, "Down"), content_type=SCIM_JSON)
        (job,) = queue_jobs(vendor_app, [AccountRequest(user=member)], trigger="retry")
        assert engine.run_job(job.pk) == "retrying"
        job.refresh_from_db()
        job.not_before = timezone.now()
        job.save()
        vendor.get(USERS, json=list_response(), content_type=SCIM_JSON)  # the lookup first
        engine.run_job(job.pk)
    page = as_admin.get(reverse("provisioning_log"), {"outcome": "retrying"}).content.decode()
    assert "HTTP 503" in page and "Will retry" in page
    assert "Automatic retry of: Retry" in page


def test_the_log_is_for_admins(as_member, cast, member):
    for url in (
        reverse("provisioning_log"),
        reverse("app_log", kwargs={"app_id": cast["slack"].pk}),
        reverse("person_log", kwargs={"user_id": member.pk}),
    ):
        assert as_member.get(url).status_code == 403


def test_the_navigation_links_to_the_log(as_admin, as_member):
    assert reverse("provisioning_log") in as_admin.get(reverse("people")).content.decode()
    assert reverse("provisioning_log") not in as_member.get(reverse("my_apps")).content.decode()


def test_another_organization_sees_none_of_it(as_other_admin, other_admin, cast, member):
    assert messages(as_other_admin) == []
    assert messages(as_other_admin, q="carol") == []
    slack = cast["slack"]
    # TestCo's app, person or account named in a URL or a filter: not found.
    assert as_other_admin.get(reverse("provisioning_log"), {"app": slack.pk}).status_code == 404
    for url in (
        reverse("app_log", kwargs={"app_id": slack.pk}),
        reverse("person_log", kwargs={"user_id": member.pk}),
        reverse("account_history", kwargs={"app_id": slack.pk, "account_id": cast["bob_slack"].pk}),
    ):
        assert as_other_admin.get(url).status_code == 404
    # Its own person's log, filtered by TestCo's app: not found either.
    url = reverse("person_log", kwargs={"user_id": other_admin.pk})
    assert as_other_admin.get(url, {"app": slack.pk}).status_code == 404


def populate(testco, size):
    """`size` people with an account in each of 2 apps and 3 events each (a failed one among
    them), recorded in one COPY-like bulk insert."""
    people = [make_user(testco, f"p{size}-{i}@testco.example", first=f"P{i}") for i in range(2)]
    people += list(
        type(people[0]).objects.bulk_create(
            type(people[0])(
                organization=testco, email=f"q{size}-{i}@testco.example", first_name=f"Q{i}"
            )
            for i in range(size)
        )
    )
    apps = [add_app(testco, name=f"App {n}") for n in range(2)]
    events = []
    for app in apps:
        accounts = AppAccount.objects.bulk_create(
            AppAccount(organization=testco, app=app, user=p, email=p.email, username=p.email)
            for p in people
        )
        for n, acc in enumerate(accounts):
            for outcome in (E.Outcome.QUEUED, E.Outcome.STARTED, E.Outcome.FAILED):
                events.append(
                    AccountEvent(
                        organization=testco,
                        account=acc,
                        app=app,
                        action=E.Action.CREATE,
                        outcome=outcome,
                        to_status=Status.FAILED,
                        message=f"The app refused the request (400) #{n}.",
                        detail={"attempt": 1, "status": 400, "ms": 12, "sent": {"email": "x"}},
                    )
                )
    AccountEvent.objects.bulk_create(events)
    return apps, people


# Measured: the session, the admin, the page's 51 events with their accounts, people, apps,
# jobs and who asked (one query of joins), the app choices; one more for an app or a person
# named in the address or a filter. Two spare for the layout's own.
LOG_PAGE = 4 + 1 + 2


@pytest.mark.parametrize("size", [5, 300])
def test_the_log_pages_cost_a_constant_number_of_queries(
    as_admin, testco, size, django_assert_max_num_queries
):
    apps, people = populate(testco, size)
    app, person = apps[0], people[1]
    pages = [
        (reverse("provisioning_log"), {}),
        (reverse("provisioning_log"), {"app": app.pk, "outcome": "failed", "period": "day"}),
        (reverse("provisioning_log"), {"q": "refused p300 #1", "action": "create"}),
        (reverse("app_log", kwargs={"app_id": app.pk}), {"outcome": "started"}),
        (reverse("person_log", kwargs={"user_id": person.pk}), {}),
    ]
    for url, params in pages:
        first = as_admin.get(url, params)
        older = re.search(r'href="([^"]*older=[^"]*)">Older', first.content.decode())
        with django_assert_max_num_queries(LOG_PAGE) as queries:
            assert as_admin.get(url, params).status_code == 200
        assert not any("COUNT(" in q["sql"] for q in queries.captured_queries)
        if older:  # a deeper page costs the same
            with django_assert_max_num_queries(LOG_PAGE):
                as_admin.get(older.group(1).replace("&amp;", "&"))


def test_a_search_needs_a_word_of_three_letters(as_admin, cast):
    page = as_admin.get(reverse("provisioning_log"), {"q": "bo"}).content.decode()
    assert "3 letters or more" in page
    assert messages(as_admin, q="bo") == ALL  # not run: every event
    assert messages(as_admin, q="bo license") == [ALL[2]]  # short words narrow a long one
