"""Method 1, steps 3 to 9: Assign Users, credentials and Confirm, the mapping, Done."""

import pytest
from django.urls import reverse

from provisioning import matching
from provisioning.connectors.base import NewAccount, RemoteAccount
from provisioning.connectors.scim import ScimConnector
from provisioning.mapping import read_accounts
from provisioning.models import AppAccount, Connection, Job
from provisioning.status import Status

from .conftest import SCIM_TOKEN, add_app, make_user


def assign_url(app):
    return reverse("assign_users", kwargs={"app_id": app.pk})


def remote_create(server, email, username=None):
    return ScimConnector.build({"base_url": server.url, "token": SCIM_TOKEN}).create_account(
        NewAccount(email=email, username=username or email, first_name="R", last_name="X")
    )


@pytest.fixture
def new_app(testco):
    return add_app(testco, name="Acme SCIM")


def test_assign_users_first_asks_for_credentials(as_admin, new_app):
    page = as_admin.get(assign_url(new_app)).content.decode()
    assert "The admin account must have permission to add seats." in page
    assert "SCIM base URL" in page and "API token" in page and ">Confirm<" in page


def test_a_wrong_token_at_confirm_says_why_keeps_the_url_and_saves_nothing(
    as_admin, new_app, scim_server
):
    response = as_admin.post(
        assign_url(new_app),
        {"base_url": scim_server.url, "auth": "bearer", "token": "wrong-token-123"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The app rejected the credentials (401)." in page
    assert scim_server.url in page  # what was typed stays...
    assert "wrong-token-123" not in page  # ...secrets aside
    assert not Connection.objects.filter(app=new_app, state="connected").exists()


def test_an_unreachable_host_and_a_missing_token_are_explained(as_admin, new_app):
    page = as_admin.post(
        assign_url(new_app),
        {"base_url": "http://127.0.0.1:9/v2", "auth": "bearer", "token": "t0ken"},
    ).content
    assert b"the host is unreachable" in page
    page = as_admin.post(
        assign_url(new_app), {"base_url": "http://127.0.0.1:9/v2", "auth": "bearer"}
    ).content
    assert b"Needed for bearer token authentication." in page
    page = as_admin.post(assign_url(new_app), {"base_url": "not a url", "token": "x"}).content
    assert b"Enter a valid URL." in page


def test_confirm_saves_working_credentials_and_never_shows_the_secret(
    as_admin, new_app, scim_server
):
    response = as_admin.post(
        assign_url(new_app), {"base_url": scim_server.url, "auth": "bearer", "token": SCIM_TOKEN}
    )
    assert response.status_code == 302 and response.url == assign_url(new_app)
    assert Connection.objects.get(app=new_app).state == Connection.State.CONNECTED
    page = as_admin.get(assign_url(new_app) + "?step=credentials").content.decode()
    assert SCIM_TOKEN not in page
    assert "A secret is saved." in page
    # Confirm again with the token left blank: the saved one is kept.
    response = as_admin.post(
        assign_url(new_app) + "?step=credentials",
        {"base_url": scim_server.url, "auth": "bearer", "token": ""},
    )
    assert response.status_code == 302
    assert Connection.objects.get(app=new_app).credentials["token"] == SCIM_TOKEN


def test_mapping_shows_matched_app_only_and_people_without_accounts(
    as_admin, scim_app, scim_server, member, admin
):
    remote_create(scim_server, member.email.upper())  # same person, other case
    remote_create(scim_server, "contractor@elsewhere.example")
    page = as_admin.get(assign_url(scim_app)).content.decode()
    matched = page[page.index("Existing accounts matched") : page.index("People without")]
    assert "Bob Member" in matched and "Link Existing Account" in matched
    without = page[page.index("People without") : page.index("Accounts only in")]
    assert "Alice Admin" in without and "Create a New User Account" in without
    assert 'value="admin@testco.example"' in without  # pre-filled username and email
    assert "contractor@elsewhere.example" in page[page.index("Accounts only in") :]
    assert "a temporary password will be set" in page
    discovered = AppAccount.objects.filter(origin=AppAccount.Origin.DISCOVERED, user=None)
    assert sorted(e.lower() for e in discovered.values_list("email", flat=True)) == [
        "contractor@elsewhere.example",
        "member@testco.example",
    ]


def test_done_queues_the_selected_rows_and_lands_on_the_users_tab(
    as_admin, scim_app, scim_server, member, admin, testco, django_capture_on_commit_callbacks
):
    carol = make_user(testco, "carol@testco.example", first="Carol", last="Ng")
    make_user(testco, "dave@testco.example", first="Dave")  # not selected
    matched_id = remote_create(scim_server, member.email).remote_id
    data = {
        "selected": [str(member.pk), str(admin.pk), str(carol.pk)],
        f"action-{member.pk}": "link",
        f"action-{admin.pk}": "create",
        f"username-{admin.pk}": "alice.admin",
        f"first-{admin.pk}": "Alice",
        f"last-{admin.pk}": "Admin",
        f"email-{admin.pk}": admin.email,
        f"action-{carol.pk}": "create",
    }
    with django_capture_on_commit_callbacks(execute=True):  # the jobs run (eager) on commit
        response = as_admin.post(assign_url(scim_app), data)
    assert response.url == reverse("app_users", kwargs={"app_id": scim_app.pk})
    assert Job.objects.filter(app=scim_app).count() == 3
    users = {
        u.user_name: u for u in scim_server.storage.resources if type(u).__name__.startswith("User")
    }
    assert set(users) == {member.email, "alice.admin", "carol@testco.example"}
    linked = AppAccount.objects.get(user=member)
    assert (linked.remote_id, linked.origin, linked.status) == (
        matched_id,
        AppAccount.Origin.LINKED,
        Status.ACTIVE,
    )
    assert AppAccount.objects.get(user=admin).status == Status.CREATED
    page = as_admin.get(response.url).content.decode()
    assert "alice.admin" in page and "Created by Bitium" in page and "Linked existing" in page


def test_a_bad_row_is_answered_with_its_reason_and_nothing_is_queued(as_admin, scim_app, admin):
    response = as_admin.post(
        assign_url(scim_app),
        {
            "selected": [str(admin.pk), "not-a-uuid"],
            f"action-{admin.pk}": "create",
            f"email-{admin.pk}": "not an email",
        },
    )
    assert response.status_code == 400
    assert "“not an email” is not a valid email address." in response.content.decode()
    assert not Job.objects.exists()


def test_done_with_nobody_selected_says_so(as_admin, scim_app):
    response = as_admin.post(assign_url(scim_app), {}, follow=True)
    assert "Select at least one person." in response.content.decode()


def test_users_tab_shows_failures_with_retry(
    as_admin, scim_app, member, django_capture_on_commit_callbacks
):
    account = AppAccount.objects.create(
        organization=scim_app.organization,
        app=scim_app,
        user=member,
        email=member.email,
        username=member.email,
        status=Status.FAILED,
        last_error="The app had an error (500).",
    )
    url = reverse("app_users", kwargs={"app_id": scim_app.pk})
    page = as_admin.get(url).content.decode()
    assert "The app had an error (500)." in page and ">Retry<" in page
    with django_capture_on_commit_callbacks(execute=True):
        as_admin.post(
            reverse("retry_account", kwargs={"app_id": scim_app.pk, "account_id": account.pk})
        )
    account.refresh_from_db()
    assert account.status == Status.CREATED


def test_users_tab_refreshes_while_jobs_run(as_admin, scim_app, member):
    AppAccount.objects.create(
        organization=scim_app.organization,
        app=scim_app,
        user=member,
        email=member.email,
        status=Status.PENDING,
    )
    page = as_admin.get(reverse("app_users", kwargs={"app_id": scim_app.pk})).content.decode()
    assert 'hx-trigger="every 2s"' in page


def test_manage_apps_shows_the_connection_and_counts(as_admin, scim_app, member, admin):
    for person, status in ((member, Status.CREATED), (admin, Status.FAILED)):
        AppAccount.objects.create(
            organization=scim_app.organization,
            app=scim_app,
            user=person,
            email=person.email,
            status=status,
        )
    as_admin.post(reverse("manage_apps_columns"), {"columns": ["users", "auto_provisioning"]})
    page = as_admin.get(reverse("manage_apps")).content.decode()
    row = page[page.index(">SCIM app<") :].split("</tr>")[0]
    assert ">1 failed<" in row and "1 provisioned" in row and ">OK<" not in row


def test_an_app_whose_connector_is_not_built_yet_says_so(as_admin, testco, monkeypatch):
    from provisioning.connectors import registry

    monkeypatch.delitem(registry.CONNECTORS, "salesforce")  # as if not built yet
    salesforce = add_app(testco, "salesforce", "Salesforce")
    page = as_admin.get(assign_url(salesforce)).content.decode()
    assert "Not available yet" in page
    dropbox = add_app(testco, "dropbox", "Dropbox")
    assert as_admin.get(assign_url(dropbox)).status_code == 404


class FakeConnector:
    def __init__(self, remotes):
        self.remotes = remotes

    def list_accounts(self):
        yield from self.remotes


def test_mapping_5000_accounts_to_5000_people_takes_a_bounded_number_of_queries(
    testco, django_assert_max_num_queries
):
    from accounts.models import User

    User.objects.bulk_create(
        User(organization=testco, email=f"P{i}@TestCo.example", first_name="P", last_name=str(i))
        for i in range(5000)
    )
    remotes = [
        RemoteAccount(
            remote_id=f"r{i}", username=f"p{i}@testco.example", email=f"p{i}@testco.example"
        )
        for i in range(4000)
    ]
    remotes += [RemoteAccount(remote_id=f"x{i}", email=f"x{i}@vendor.example") for i in range(1000)]
    app = add_app(testco)
    with django_assert_max_num_queries(14):  # 1 + 10 batches of 500 rows
        assert read_accounts(app, FakeConnector(remotes)) == 5000
    with django_assert_max_num_queries(3):
        counts = [
            matching.matched_people(app).count(),
            matching.people_without_account(app).count(),
            matching.app_only(app).count(),
        ]
    assert counts == [4000, 1000, 1000]


def test_a_large_app_is_read_in_the_background_with_progress(
    as_admin, scim_app, scim_server, testco, django_capture_on_commit_callbacks
):
    from provisioning.models import AccountRead

    for i in range(3):
        remote_create(scim_server, f"old{i}@testco.example")
    # The vendor reported many accounts at Confirm: the read goes to the worker.
    Connection.objects.filter(app=scim_app).update(server_info={"accounts": 50_000})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        page = as_admin.get(assign_url(scim_app)).content.decode()
    assert "Reading SCIM app's accounts" in page and "0 of 50000 accounts read" in page
    progress = reverse("reading_progress", kwargs={"app_id": scim_app.pk})
    assert 'hx-trigger="every 1s"' in page and progress in page
    for callback in callbacks:  # the worker (eager here) reads the accounts
        callback()
    response = as_admin.get(progress)
    assert response["HX-Refresh"] == "true"
    assert AccountRead.objects.get().read_count == 3
    page = as_admin.get(assign_url(scim_app)).content.decode()  # fresh: not read again
    assert "old2@testco.example" in page
    assert AccountRead.objects.count() == 1


def test_a_failed_background_read_says_why(as_admin, scim_app, django_capture_on_commit_callbacks):
    Connection.objects.filter(app=scim_app).update(
        server_info={"accounts": 50_000},
        credentials={"base_url": "http://127.0.0.1:9/v2", "auth": "bearer", "token": "t"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        as_admin.get(assign_url(scim_app))
    page = as_admin.get(reverse("reading_progress", kwargs={"app_id": scim_app.pk}))
    assert b"the host is unreachable" in page.content and b"Try again" in page.content


def test_usernames_are_prefilled_from_the_convention(as_admin, scim_app, testco):
    from groups.models import AssignmentSettings

    settings = AssignmentSettings.for_organization(testco.pk)
    settings.username_convention = "flast"
    settings.save()
    make_user(testco, "jose@testco.example", first="José", last="Ñúñez")
    make_user(testco, "jane@testco.example", first="Jane", last="Nunez")
    page = as_admin.get(assign_url(scim_app)).content.decode()
    assert 'value="jnunez"' in page and 'value="jnunez2"' in page
