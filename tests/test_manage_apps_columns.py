"""Manage Apps' "Show" menu picks the table's columns; each admin's choice is remembered."""

from django.urls import reverse

from .conftest import add_app, make_user, signed_in


def header(page):
    return page[page.index("<thead>") : page.index("</thead>")]


def test_auto_provisioning_is_opt_in_from_the_show_menu(as_admin, testco):
    add_app(testco)
    head = header(as_admin.get(reverse("manage_apps")).content.decode())
    assert all(label in head for label in ("Name", "Users", "Status", "Added"))
    assert "Auto-Provisioning" not in head
    as_admin.post(
        reverse("manage_apps_columns"),
        {"columns": ["users", "status", "auto_provisioning", "added"]},
    )
    head = header(as_admin.get(reverse("manage_apps")).content.decode())
    assert "Auto-Provisioning" in head


def test_the_choice_is_remembered_per_admin(as_admin, admin, testco):
    other_admin = make_user(testco, "second@testco.example", role="admin")
    as_admin.post(reverse("manage_apps_columns"), {"columns": ["added"]})
    admin.refresh_from_db()
    assert admin.preferences["manage_apps_columns"] == ["added"]
    mine = header(as_admin.get(reverse("manage_apps")).content.decode())
    assert "Added" in mine and "Users" not in mine
    theirs = header(signed_in(other_admin).get(reverse("manage_apps")).content.decode())
    assert "Users" in theirs


def test_unknown_columns_are_ignored_and_name_always_shows(as_admin, admin):
    as_admin.post(reverse("manage_apps_columns"), {"columns": ["password", "added"]})
    admin.refresh_from_db()
    assert admin.preferences["manage_apps_columns"] == ["added"]
    as_admin.post(reverse("manage_apps_columns"), {})
    assert "Name" in header(as_admin.get(reverse("manage_apps")).content.decode())


def test_manage_apps_queries_do_not_grow_with_apps(as_admin, testco, django_assert_max_num_queries):
    as_admin.post(
        reverse("manage_apps_columns"),
        {"columns": ["users", "groups", "status", "auto_provisioning", "added"]},
    )
    for i in range(30):
        add_app(testco, name=f"App {i}")
    with django_assert_max_num_queries(4):
        as_admin.get(reverse("manage_apps"))
