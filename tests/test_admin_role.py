"""Admin pages need the admin role: a member of the same organization gets a 403."""

import pytest
from django.urls import reverse

from apps_catalog.models import CatalogApp, TenantApp
from groups.models import Group


@pytest.fixture
def admin_urls(testco, admin):
    group = Group.objects.create(organization=testco, name="Sales")
    app = TenantApp.objects.create(
        organization=testco, catalog_app=CatalogApp.objects.get(key="slack"), name="Slack"
    )
    return [
        reverse("people"),
        reverse("person_create"),
        reverse("person_edit", kwargs={"user_id": admin.pk}),
        reverse("person_set_active", kwargs={"user_id": admin.pk}),
        reverse("group_list"),
        reverse("group_create"),
        reverse("group_detail", kwargs={"group_id": group.pk}),
        reverse("group_rename", kwargs={"group_id": group.pk}),
        reverse("group_delete", kwargs={"group_id": group.pk}),
        reverse("group_remove_member", kwargs={"group_id": group.pk, "user_id": admin.pk}),
        reverse("manage_apps"),
        reverse("add_an_app"),
        reverse("add_app_form", kwargs={"catalog_key": "slack"}),
        reverse("app_detail", kwargs={"app_id": app.pk}),
        reverse("app_settings", kwargs={"app_id": app.pk}),
        reverse("app_remove", kwargs={"app_id": app.pk}),
        reverse("plan_remove_app", kwargs={"app_id": app.pk}),
        reverse("plan_reconcile_app", kwargs={"app_id": app.pk}),
        reverse("plan_reconcile_groups"),
        reverse("plan_deactivate", kwargs={"user_id": admin.pk}),
        reverse("plan_leave_group", kwargs={"group_id": group.pk, "user_id": admin.pk}),
        reverse("plan_delete_group", kwargs={"group_id": group.pk}),
        reverse("person_apps", kwargs={"user_id": admin.pk}),
        reverse("approvals"),
        reverse("settings"),
    ]


def test_member_gets_403_on_every_admin_page(as_member, admin_urls):
    for url in admin_urls:
        assert as_member.get(url).status_code == 403, url
        assert as_member.post(url, {"name": "x"}).status_code == 403, url
    assert Group.objects.get(name="Sales")  # nothing changed


def test_member_sees_my_apps_and_no_admin_navigation(as_member):
    page = as_member.get(reverse("dashboard"), follow=True).content.decode()
    assert "My Apps" in page
    assert "Manage Apps" not in page and reverse("people") not in page


def test_admin_sees_the_dashboard_counts(as_admin, member):
    page = as_admin.get(reverse("dashboard")).content.decode()
    assert "Dashboard" in page and member.email in page


def test_organization_settings_rename(as_admin, testco):
    as_admin.post(reverse("settings"), {"name": "TestCo Ltd"})
    testco.refresh_from_db()
    assert testco.name == "TestCo Ltd"
    response = as_admin.post(reverse("settings"), {"name": ""})
    assert "This field is required." in response.content.decode()


def test_every_admin_page_has_a_plain_title(as_admin, admin_urls):
    import re

    for url in admin_urls:
        response = as_admin.get(url)
        if response.status_code != 200 or not response.content.startswith(b"<!doctype"):
            continue  # a redirect, or a part of a page (htmx)
        title = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)
        assert "<" not in title and "\n" not in title.strip(), url
