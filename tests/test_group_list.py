"""The Groups list at scale: 50 groups a page, searched by name on the server, each with its
member and app counts (counted apart: members never multiply apps)."""

import re

from django.urls import reverse

from accounts.models import User
from apps_catalog.models import GroupApp
from groups.models import Group, Membership

from .conftest import add_app


def listed(page):
    """The group names on the page, in order."""
    return re.findall(r'/groups/[0-9a-f-]+/">([^<]+)</a>', page)


def test_groups_are_listed_50_a_page_by_name(as_admin, testco):
    Group.objects.bulk_create(Group(organization=testco, name=f"Team {i:03}") for i in range(120))
    first = as_admin.get(reverse("group_list")).content.decode()
    assert listed(first)[:2] == ["Team 000", "Team 001"] and len(listed(first)) == 50
    assert "Page 1 of 3" in first and "120 groups" in first
    last = as_admin.get(reverse("group_list"), {"page": 3}).content.decode()
    assert listed(last) == [f"Team {i:03}" for i in range(100, 120)]
    beyond = as_admin.get(reverse("group_list"), {"page": 99}).content.decode()
    assert listed(beyond) == listed(last)


def test_search_by_group_name_on_the_server(as_admin, testco, otherco):
    for name in ("Sales EMEA", "Sales US", "Engineering"):
        Group.objects.create(organization=testco, name=name)
    Group.objects.create(organization=otherco, name="Sales Other")
    page = as_admin.get(reverse("group_list"), {"q": "sales"}).content.decode()
    assert listed(page) == ["Sales EMEA", "Sales US"]
    assert listed(as_admin.get(reverse("group_list"), {"q": "sales us"}).content.decode()) == [
        "Sales US"
    ]
    page = as_admin.get(reverse("group_list"), {"q": "finance"}).content.decode()
    assert listed(page) == [] and "No group matches “finance”." in page
    assert 'value="finance"' in page


def test_counts_do_not_multiply(as_admin, testco, member, admin):
    group = Group.objects.create(organization=testco, name="Sales")
    person = User.objects.create(organization=testco, email="carol@testco.example")
    for someone in (member, admin, person):
        Membership.objects.create(organization=testco, group=group, user=someone)
    for n in range(2):
        GroupApp.objects.create(organization=testco, group=group, app=add_app(testco, name=f"A{n}"))
    Group.objects.create(organization=testco, name="Empty")
    page = as_admin.get(reverse("group_list")).content.decode()
    assert "Sales</a></td><td>3</td><td>2</td>" in page
    assert "Empty</a></td><td>0</td><td>0</td>" in page
