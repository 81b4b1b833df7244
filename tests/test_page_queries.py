"""Manage Apps, the Groups list and an app's Users tab cost the same number of queries for 5
people or 300: counts come from subqueries, lists are cut into pages on the server."""

import pytest
from django.urls import reverse

from accounts.models import User
from apps_catalog.models import GroupApp
from groups.models import Group, Membership
from provisioning.models import AppAccount, Connection
from provisioning.status import Status

from .conftest import add_app

# Whatever the size. Measured: Manage Apps 4 and the Groups list 4 (the session, the admin,
# the list with its counts, the removed apps or the count for the pages); the Users tab 7 (the
# session, the admin, the app, the count for the pages, the summary, the page's accounts and
# their people), its 2-second refresh the same. Two spare for the layout's own.
MANAGE_APPS = 4 + 2
GROUP_LIST = 4 + 2
USERS_TAB = 7 + 2
STATUSES = list(Status)


def populate(testco, size):
    """`size` people in 3 groups; 3 apps (and a removed one) with an account for each person
    in every status, a few accounts found only in the app, and a group per app."""
    people = User.objects.bulk_create(
        User(
            organization=testco,
            email=f"p{size}-{i:03}@testco.example",
            first_name=f"P{i:03}",
            last_name="Person",
        )
        for i in range(size)
    )
    groups = [Group.objects.create(organization=testco, name=f"Group {n}") for n in range(3)]
    Membership.objects.bulk_create(
        Membership(organization=testco, group=groups[i % 3], user=person)
        for i, person in enumerate(people)
    )
    apps = [add_app(testco, name=f"App {n}") for n in range(4)]
    apps[3].archive()
    for n, app in enumerate(apps):
        Connection.objects.create(organization=testco, app=app, state="connected")
        GroupApp.objects.create(organization=testco, group=groups[n % 3], app=app)
        AppAccount.objects.bulk_create(
            AppAccount(
                organization=testco,
                app=app,
                user=person,
                email=person.email,
                username=person.email,
                status=STATUSES[i % len(STATUSES)],
                last_error="The app had an error (500)." if i % len(STATUSES) == 5 else "",
                drift={"active": False} if i % 7 == 0 else {},
            )
            for i, person in enumerate(people)
        )
        AppAccount.objects.bulk_create(
            AppAccount(
                organization=testco,
                app=app,
                email=f"contractor{i}@elsewhere.example",
                username=f"contractor{i}",
                remote_id=f"c{i}",
                origin=AppAccount.Origin.DISCOVERED,
                status=Status.ACTIVE,
            )
            for i in range(3)
        )
    return apps


@pytest.mark.parametrize("size", [5, 300])
def test_manage_apps_is_a_constant_number_of_queries(
    as_admin, testco, size, django_assert_max_num_queries
):
    populate(testco, size)
    as_admin.post(reverse("manage_apps_columns"), {"columns": ["users", "groups", "status"]})
    with django_assert_max_num_queries(MANAGE_APPS):
        page = as_admin.get(reverse("manage_apps")).content.decode()
    row = page[page.index(">App 0<") :].split("</tr>")[0]
    assert f"<td>{size}</td>" in row  # its people's accounts, not the app-only ones
    assert "<td>1</td>" in row  # one group


@pytest.mark.parametrize("size", [5, 300])
def test_the_groups_list_is_a_constant_number_of_queries(
    as_admin, testco, size, django_assert_max_num_queries
):
    populate(testco, size)
    with django_assert_max_num_queries(GROUP_LIST):
        page = as_admin.get(reverse("group_list")).content.decode()
    row = page[page.index(">Group 0<") :].split("</tr>")[0]
    assert f"<td>{len(range(0, size, 3))}</td><td>2</td>" in row  # members, apps


@pytest.mark.parametrize("size", [5, 300])
def test_the_users_tab_is_a_constant_number_of_queries(
    as_admin, testco, size, django_assert_max_num_queries
):
    app = populate(testco, size)[0]
    url = reverse("app_users", kwargs={"app_id": app.pk})
    with django_assert_max_num_queries(USERS_TAB):
        page = as_admin.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in page  # some are pending
    with django_assert_max_num_queries(USERS_TAB):  # the refresh: this page's rows only
        as_admin.get(url, {"page": 2}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="app-accounts")
    for status in ("failed", "in_flight", "app_only"):
        with django_assert_max_num_queries(USERS_TAB):
            as_admin.get(url, {"status": status, "q": "p"})
