"""A group's page at 50,000 people: members paginated and searched on the server, people added
one at a time from a search, by a pasted list of emails or all those matching a search (no
form posts a field per person), and big additions run in the background with progress.

The background is reached through groups.hooks.start_adding_members, which provisioning
wires when it starts (provisioning/apps.py)."""

import re

import pytest
from django.urls import reverse

from accounts.models import User
from groups import hooks
from groups.models import Group, Membership
from provisioning import background
from provisioning.models import BackgroundAction

from .conftest import make_user

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def sales(testco):
    return Group.objects.create(organization=testco, name="Sales")


def crowd(organization, count, prefix="p", first="P", **extra):
    """`count` people in one statement: p0000@testco.example, ..."""
    return User.objects.bulk_create(
        User(
            organization=organization,
            email=f"{prefix}{i:04}@testco.example",
            first_name=first,
            last_name=f"{i:04}",
            **extra,
        )
        for i in range(count)
    )


def join(group, people):
    Membership.objects.bulk_create(
        Membership(organization=group.organization, group=group, user=p) for p in people
    )


def detail(group):
    return reverse("group_detail", kwargs={"group_id": group.pk})


def progress_url(action):
    return reverse("background_action", kwargs={"action_id": action.pk})


@pytest.mark.parametrize("count", [5, 300])
def test_the_group_page_issues_the_same_queries_for_5_and_300_people(
    as_admin, testco, sales, count, django_assert_max_num_queries
):
    members = crowd(testco, count)
    join(sales, members)
    crowd(testco, count, prefix="n", first="Nonmember")
    # session, user, group, members' count, members' page, apps, attachable apps
    with django_assert_max_num_queries(7):
        response = as_admin.get(detail(sales))
    assert response.status_code == 200
    # searching both lists: + the total of members, + the people found to add
    with django_assert_max_num_queries(9):
        response = as_admin.get(detail(sales), {"q": "P", "find": "nonmember"})
    assert response.status_code == 200
    with django_assert_max_num_queries(4):  # session, user, group, the people found
        as_admin.get(detail(sales), {"find": "nonmember"}, HTTP_HX_TARGET="candidates", **HTMX)


def test_the_page_stays_small_and_posts_no_field_per_person(as_admin, testco, sales):
    join(sales, crowd(testco, 300))
    crowd(testco, 300, prefix="n", first="Nonmember")
    html = as_admin.get(detail(sales), {"find": "nonmember"}).content.decode()
    assert len(html.encode()) < 60_000
    assert html.count('aria-label="Remove P ') == 50  # a page of members
    assert html.count('name="person"') == 20  # one per Add button of the search, no more
    assert html.count('type="checkbox"') == 1  # the menu's toggle: no checkbox per person
    assert "Page 1 of 6" in html


def test_members_are_paginated_and_searched(as_admin, testco, sales):
    join(sales, crowd(testco, 120))
    first = as_admin.get(detail(sales)).content.decode()
    assert "Page 1 of 3" in first and "p0000@testco.example" in first
    assert "p0050@testco.example" not in first
    third = as_admin.get(detail(sales), {"page": 3}).content.decode()
    assert "Page 3 of 3" in third and "p0119@testco.example" in third
    assert as_admin.get(detail(sales), {"page": "junk"}).status_code == 200
    found = as_admin.get(detail(sales), {"q": "P0042@"}).content.decode()
    assert "p0042@testco.example" in found and "p0043@testco.example" not in found
    assert "1 member matches “P0042@”" in found
    nobody = as_admin.get(detail(sales), {"q": "nobody"}).content.decode()
    assert "No member matches “nobody”" in nobody


def test_searching_members_as_you_type_returns_only_the_list(as_admin, testco, sales):
    join(sales, crowd(testco, 3))
    response = as_admin.get(detail(sales), {"q": "0001"}, HTTP_HX_TARGET="members-results", **HTMX)
    html = response.content.decode()
    assert "p0001@testco.example" in html and "p0002@testco.example" not in html
    assert "<html" not in html and "Add members" not in html


def test_two_people_with_the_same_name_are_told_apart_by_email(as_admin, testco, sales):
    one = make_user(testco, "john.smith@testco.example", first="John", last="Smith")
    two = make_user(testco, "jsmith@testco.example", first="John", last="Smith")
    found = as_admin.get(detail(sales), {"find": "john"}, HTTP_HX_TARGET="candidates", **HTMX)
    html = found.content.decode()
    for person in (one, two):
        assert f'aria-label="Add John Smith ({person.email}) to Sales"' in html
    join(sales, [one, two])
    page = as_admin.get(detail(sales)).content.decode()
    assert page.count("John Smith</a>") == 2
    assert one.email in page and two.email in page


def test_adding_one_person_found_by_search(as_admin, testco, sales, member):
    people = crowd(testco, 30, first="Dana")
    crowd(testco, 2, prefix="gone", first="Dana", is_active=False)
    join(sales, people[:1])
    response = as_admin.get(detail(sales), {"find": "dana"}, HTTP_HX_TARGET="candidates", **HTMX)
    html = response.content.decode()
    assert html.count('name="person"') == 20  # at most 20: the list is narrowed by typing
    assert "The first 20 are shown" in html
    assert "p0000@" not in html and "gone0000@" not in html  # a member; a deactivated person
    assert html.count("p00") == 40  # each with their email (shown, and in the Add's label)
    add = reverse("group_add_person", kwargs={"group_id": sales.pk})
    response = as_admin.post(add, {"person": people[7].pk, "find": "dana"})
    assert response.url == detail(sales) + "?find=dana#add-members"
    assert sales.members.filter(pk=people[7].pk).exists() and sales.members.count() == 2
    page = as_admin.get(response.url).content.decode()
    assert "Dana 0007 (p0007@testco.example) joined Sales." in page
    assert 'aria-label="Add Dana 0007 ' not in page  # no longer offered
    nobody = as_admin.get(detail(sales), {"find": "zzz"}, HTTP_HX_TARGET="candidates", **HTMX)
    assert "Nobody active outside Sales matches “zzz”." in nobody.content.decode()


def test_adding_pasted_emails_reports_those_not_found_and_adds_the_rest(
    as_admin, testco, sales, member, other_admin
):
    ana = make_user(testco, "ana@testco.example", first="Ana", last="Lima")
    bo = make_user(testco, "bo@testco.example", first="Bo", last="Berg")
    make_user(testco, "gone@testco.example", first="Gus", last="Gone", is_active=False)
    join(sales, [member])
    pasted = (
        "ANA@testco.example, <bo@testco.example>\n"
        "nobody@testco.example;typo-at-testco.example  member@testco.example\r\n"
        f"gone@testco.example {other_admin.email} ana@testco.example"
    )
    response = as_admin.post(
        reverse("group_add_emails", kwargs={"group_id": sales.pk}), {"emails": pasted}
    )
    assert response.status_code == 200
    assert set(sales.members.all()) == {member, ana, bo}
    html = response.content.decode()
    assert "Added 2 people to Sales. 1 was in it already." in html
    assert "Not found: 3 addresses" in html
    for address in ("nobody@testco.example", "typo-at-testco.example", other_admin.email):
        assert f'<li class="break">{address}</li>' in html
    assert "Deactivated: 1 person" in html and "Gus Gone" in html
    box = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S).group(1).split()
    assert box == [
        "nobody@testco.example",
        "typo-at-testco.example",
        other_admin.email,
        "gone@testco.example",
    ]  # nothing lost: the box holds what was not added, to correct and send again


def test_pasted_emails_all_found_go_back_to_the_group(as_admin, testco, sales, member):
    response = as_admin.post(
        reverse("group_add_emails", kwargs={"group_id": sales.pk}),
        {"emails": member.email},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == detail(sales)
    assert "Added 1 person to Sales." in response.content.decode()
    assert list(sales.members.all()) == [member]


def test_adding_everyone_matching_shows_how_many_first(as_admin, testco, sales, admin):
    engineers = crowd(testco, 4, prefix="eng", first="Engineer")
    crowd(testco, 2, prefix="engold", first="Engineer", is_active=False)
    join(sales, engineers[:1])
    url = reverse("group_add_matching", kwargs={"group_id": sales.pk})
    found = as_admin.get(detail(sales), {"find": "engineer"}, HTTP_HX_TARGET="candidates", **HTMX)
    assert f"{url}?q=engineer" in found.content.decode()
    confirm = as_admin.get(url, {"q": "engineer"}).content.decode()
    assert "3 people</strong> match “engineer”" in confirm
    assert "Add 3 people" in confirm
    assert not BackgroundAction.objects.exists() and sales.members.count() == 1  # not yet
    response = as_admin.post(url, {"q": "engineer"}, follow=True)
    assert "Added 3 people to Sales." in response.content.decode()
    assert set(sales.members.all()) == set(engineers)
    again = as_admin.get(url, {"q": "engineer"}).content.decode()
    assert "Nobody active outside Sales matches “engineer”." in again
    everyone = as_admin.get(url).content.decode()
    assert "1 person</strong> is active and not in Sales yet" in everyone  # the admin


def test_fewer_than_the_threshold_are_added_in_the_request(as_admin, testco, sales):
    assert hooks.background_from == background.BACKGROUND_FROM
    people = crowd(testco, background.BACKGROUND_FROM)
    add_emails = reverse("group_add_emails", kwargs={"group_id": sales.pk})
    as_admin.post(add_emails, {"emails": " ".join(p.email for p in people[:-1])})
    assert sales.members.count() == len(people) - 1
    assert not BackgroundAction.objects.exists()


def test_adding_1200_pasted_people_runs_in_the_background(as_admin, testco, sales, committed):
    people = crowd(testco, 1200)
    pasted = "\n".join(p.email for p in people)  # one field, whatever the number of people
    with committed():  # eager Celery: the background runs when the request's work commits
        response = as_admin.post(
            reverse("group_add_emails", kwargs={"group_id": sales.pk}), {"emails": pasted}
        )
        action = BackgroundAction.objects.get()
        assert response.status_code == 302 and response.url == progress_url(action)
        assert not sales.members.exists()  # accepted at once, run by the worker
    action.refresh_from_db()
    assert action.params["group_id"] == str(sales.pk) and len(action.params["user_ids"]) == 1200
    assert (action.state, action.done, action.total) == ("done", 1200, 1200)
    assert sales.memberships.count() == 1200
    page = as_admin.get(response.url).content.decode()
    assert "Added 1200 people to Sales." in page
    assert detail(sales) in page  # the way back


def test_adding_everyone_matching_1200_posts_the_search_and_runs_in_the_background(
    as_admin, testco, sales, committed
):
    crowd(testco, 1200, first="Field")
    crowd(testco, 5, prefix="o", first="Office")
    url = reverse("group_add_matching", kwargs={"group_id": sales.pk})
    assert "1,200 people</strong> match" in as_admin.get(url, {"q": "field"}).content.decode()
    with committed():
        response = as_admin.post(url, {"q": "field"})
        action = BackgroundAction.objects.get()
        assert response.url == progress_url(action)
    action.refresh_from_db()
    assert action.params == {"group_id": str(sales.pk), "query": "field"}
    assert action.state == "done" and sales.memberships.count() == 1200
    assert not sales.members.filter(first_name="Office").exists()
