"""Assign Users for a big organization: three server-side lists, searched and paged, a
constant number of queries; "select all N matching" posts the search, not the rows; Done for
more than a few hundred people runs in the background; the reading of the app is kept."""

from django.urls import reverse

from accounts.models import User
from provisioning import background
from provisioning.models import AccountRead, AppAccount, Assignment, BackgroundAction, Job

from .conftest import make_user
from .scim_servers.helpers import raw_create


def crowd(testco, count, prefix="p"):
    return User.objects.bulk_create(
        User(
            organization=testco,
            email=f"{prefix}{i}@testco.example",
            first_name=f"Pat{i}",
            last_name="Crowd",
        )
        for i in range(count)
    )


def assign_url(app, **params):
    url = reverse("assign_users", kwargs={"app_id": app.pk})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def test_the_page_costs_the_same_queries_and_stays_small_at_any_size(
    as_admin, testco, scim_app, django_assert_max_num_queries
):
    as_admin.get(assign_url(scim_app))  # the first visit reads the app
    for size in (5, 600):
        crowd(testco, size, prefix=f"s{size}-")
        with django_assert_max_num_queries(30):
            page = as_admin.get(assign_url(scim_app))
        assert page.status_code == 200 and len(page.content) < 120_000
    assert "People without an account" in page.content.decode()
    assert "Page 1 of 13" in page.content.decode()


def test_search_narrows_every_list(as_admin, testco, scim_app, scim_server):
    make_user(testco, "zoe@testco.example", first="Zoë", last="Quist")
    crowd(testco, 60)
    raw_create(scim_server, "zoe.q", "zoe@testco.example")
    raw_create(scim_server, "zed", "zed@vendor.example")
    page = as_admin.get(assign_url(scim_app, q="zo")).content.decode()
    matched = page[page.index("Existing accounts matched") : page.index("People without")]
    assert "Zoë Quist" in matched
    without = page[page.index("People without") : page.index("Accounts only in")]
    assert "Pat1 Crowd" not in without and "Nobody without an account matches" in without
    assert "zed@vendor.example" not in page[page.index("Accounts only in") :]


def test_the_reading_is_kept_and_read_again_on_the_admins_button(as_admin, scim_app, scim_server):
    as_admin.get(assign_url(scim_app))
    raw_create(scim_server, "late", "late@vendor.example")
    page = as_admin.get(assign_url(scim_app)).content.decode()
    assert "late@vendor.example" not in page and AccountRead.objects.count() == 1
    assert "Read the accounts again" in page and "Accounts read" in page
    page = as_admin.get(assign_url(scim_app, refresh=1)).content.decode()
    assert "late@vendor.example" in page and AccountRead.objects.count() == 2


def test_a_selected_row_posts_only_what_changed_and_gets_the_rest_from_the_person(
    as_admin, testco, scim_app
):
    jo = make_user(testco, "jo@testco.example", first="Jo", last="Ng")
    as_admin.post(assign_url(scim_app), {"selected": [str(jo.pk)], f"last-{jo.pk}": "Ng-Li"})
    account = AppAccount.objects.get(user=jo)
    assert (account.first_name, account.last_name, account.email) == ("Jo", "Ng-Li", jo.email)
    assert account.username == "jo@testco.example"  # the convention's (email)
    assert Assignment.objects.filter(user=jo, app=scim_app).exists()


def test_selecting_1200_of_1500_people_runs_in_the_background(
    as_admin, testco, admin, scim_app, django_capture_on_commit_callbacks
):
    crowd(testco, 1200, prefix="team")
    crowd(testco, 300, prefix="other")
    as_admin.get(assign_url(scim_app))
    with django_capture_on_commit_callbacks(execute=False):
        response = as_admin.post(assign_url(scim_app), {"all": "new", "q": "team"})
    action = BackgroundAction.objects.get()
    assert response.url == reverse("background_action", kwargs={"action_id": action.pk})
    assert action.params["whole_lists"] == ["new"] and action.params["query"] == "team"
    with django_capture_on_commit_callbacks(execute=False):  # the worker's part, here
        assert background.run(action.pk) == "done"
    action.refresh_from_db()
    assert (action.done, action.total) == (1200, 1200)
    assert action.message == "Provisioning 1200 accounts in SCIM app."
    assert Job.objects.filter(app=scim_app).count() == 1200
    assert not AppAccount.objects.filter(user__email__startswith="other").exists()
    usernames = set(AppAccount.objects.values_list("username", flat=True))
    assert len(usernames) == 1200


def test_a_few_selected_with_select_all_run_at_once(as_admin, testco, scim_app):
    crowd(testco, 30)
    as_admin.get(assign_url(scim_app))
    response = as_admin.post(assign_url(scim_app), {"all": "new"})
    assert response.url == reverse("app_users", kwargs={"app_id": scim_app.pk})
    assert Job.objects.count() == 31  # the crowd and the admin
