"""Every admin write leaves one audit row (accounts/audit.py): who, from which address, what
it was done to and what changed, never a secret. Rows are append-only."""

import pytest
from django.urls import reverse

from accounts import audit
from accounts.models import AuditEntry, User
from apps_catalog.models import GroupApp, TenantApp
from groups.models import AssignmentSettings, Group, Membership
from provisioning.models import Assignment, Plan

from .conftest import SCIM_TOKEN, add_app, make_user


def the_row(action):
    """The one row of this action (there must be exactly one)."""
    rows = list(AuditEntry.objects.filter(action=action))
    assert len(rows) == 1, f"{len(rows)} rows of {action}"
    return rows[0]


def assert_by_admin(row, admin, testco):
    assert row.organization_id == testco.pk
    assert row.actor == admin and row.actor_email == admin.email
    assert row.ip_address == "127.0.0.1"


@pytest.fixture
def sales(testco, member):
    group = Group.objects.create(organization=testco, name="Sales")
    Membership.objects.create(organization=testco, group=group, user=member)
    return group


# --- the organization's settings and Assignment Settings ------------------------------------


def test_settings_record_what_changed_from_what(as_admin, admin, testco):
    as_admin.post(reverse("settings"), {"name": "TestCo Ltd"})
    row = the_row(audit.SETTINGS_CHANGED)
    assert_by_admin(row, admin, testco)
    assert (row.object_kind, row.object_id, row.object_label) == (
        "organization",
        str(testco.pk),
        "TestCo Ltd",
    )
    assert row.detail == {"changed": {"name": ["TestCo", "TestCo Ltd"]}}


def test_settings_saved_unchanged_record_nothing(as_admin, testco):
    as_admin.post(reverse("settings"), {"name": "TestCo"})
    assert not AuditEntry.objects.filter(action=audit.SETTINGS_CHANGED).exists()


def test_assignment_settings_and_the_username_convention_are_recorded_apart(
    as_admin, admin, testco
):
    as_admin.post(
        reverse("assignment_settings"),
        {
            "group_auto_provisioning": "all",
            "username_convention": "first.last",
            "username_template": "",
            "approval_threshold": "",  # left empty: kept, so not a change
        },
    )
    settings_row = the_row(audit.ASSIGNMENT_SETTINGS_CHANGED)
    assert_by_admin(settings_row, admin, testco)
    assert settings_row.object_kind == "assignment settings"
    assert settings_row.object_label == "Assignment Settings"
    assert settings_row.detail == {"changed": {"group_auto_provisioning": ["per_app", "all"]}}
    convention_row = the_row(audit.USERNAME_CONVENTION_CHANGED)
    assert convention_row.detail == {"changed": {"username_convention": ["email", "first.last"]}}


def test_giving_existing_accounts_the_new_convention_is_recorded(as_admin, admin, testco):
    as_admin.post(reverse("plan_apply_convention"))
    row = the_row(audit.USERNAME_CONVENTION_APPLIED)
    assert_by_admin(row, admin, testco)
    assert row.detail["outcome"] == "running"


# --- apps: credentials, added, settings, removed ---------------------------------------------


def test_credentials_are_recorded_by_the_fields_that_changed_never_their_values(
    as_admin, admin, testco, scim_server
):
    app = add_app(testco, name="Acme SCIM")
    url = reverse("assign_users", kwargs={"app_id": app.pk})
    as_admin.post(url, {"base_url": scim_server.url, "auth": "bearer", "token": SCIM_TOKEN})
    row = the_row(audit.CREDENTIALS_SAVED)
    assert_by_admin(row, admin, testco)
    assert (row.object_kind, row.object_id, row.object_label) == ("app", str(app.pk), app.name)
    assert row.detail == {"fields": ["auth", "base_url", "token"], "first": True}
    assert SCIM_TOKEN not in str(AuditEntry.objects.values_list()[:100])

    # Confirmed again keeping the saved token: nothing changed, and it says so.
    as_admin.post(f"{url}?step=credentials", {"base_url": scim_server.url, "auth": "bearer"})
    again = AuditEntry.objects.filter(action=audit.CREDENTIALS_SAVED).first()
    assert again.detail == {"fields": [], "first": False}


def test_credentials_that_do_not_work_are_not_saved_nor_recorded(as_admin, testco, scim_server):
    app = add_app(testco, name="Acme SCIM")
    as_admin.post(
        reverse("assign_users", kwargs={"app_id": app.pk}),
        {"base_url": scim_server.url, "auth": "bearer", "token": "wrong-token-123"},
    )
    assert not AuditEntry.objects.filter(action=audit.CREDENTIALS_SAVED).exists()


def test_a_secret_in_a_detail_is_never_written():
    assert audit.scrubbed({"token": "t0p", "nested": {"api_key": "k", "fields": ["token"]}}) == {
        "token": audit.REDACTED,
        "nested": {"api_key": audit.REDACTED, "fields": ["token"]},
    }


def test_adding_an_app_is_recorded(as_admin, admin, testco):
    as_admin.post(
        reverse("add_app_form", kwargs={"catalog_key": "slack"}),
        {"name": "Slack", "sign_in_url": ""},
    )
    app = TenantApp.objects.get(name="Slack")
    row = the_row(audit.APP_ADDED)
    assert_by_admin(row, admin, testco)
    assert (row.object_id, row.object_label, row.detail) == (
        str(app.pk),
        "Slack",
        {"catalog": "Slack"},
    )


def test_app_settings_record_the_toggle_the_convention_and_the_rest_apart(as_admin, admin, testco):
    app = add_app(testco, name="Wiki")
    as_admin.post(
        reverse("app_settings", kwargs={"app_id": app.pk}),
        {
            "name": "Team wiki",
            "sign_in_url": "",
            "group_auto_provisioning": "on",
            "username_convention": "flast",
            "deprovisioning": "",
        },
    )
    toggle = the_row(audit.APP_AUTO_PROVISIONING)
    assert_by_admin(toggle, admin, testco)
    assert toggle.detail == {"changed": {"group_auto_provisioning": [False, True]}}
    assert the_row(audit.USERNAME_CONVENTION_CHANGED).detail == {
        "changed": {"username_convention": ["", "flast"]}
    }
    rest = the_row(audit.APP_SETTINGS_CHANGED)
    assert rest.detail == {"changed": {"name": ["Wiki", "Team wiki"]}}
    assert rest.object_label == "Team wiki"


def test_removing_an_app_is_recorded_with_what_happens_to_its_accounts(as_admin, admin, testco):
    app = add_app(testco, name="Wiki")
    as_admin.post(reverse("plan_remove_app", kwargs={"app_id": app.pk}), {"leaving": "leave"})
    row = the_row(audit.APP_REMOVED)
    assert_by_admin(row, admin, testco)
    assert row.object_id == str(app.pk) and row.object_label == "Wiki"
    assert row.detail == {"accounts": "leave", "outcome": "running"}


# --- assignments --------------------------------------------------------------------------------


def test_assign_users_done_is_one_row_with_its_count(as_admin, admin, testco, member, scim_app):
    carol = make_user(testco, "carol@testco.example", first="Carol", last="Ng")
    as_admin.post(
        reverse("assign_users", kwargs={"app_id": scim_app.pk}),
        {
            "selected": [str(member.pk), str(carol.pk)],
            f"action-{member.pk}": "create",
            f"action-{carol.pk}": "create",
        },
    )
    row = the_row(audit.USERS_ASSIGNED)
    assert_by_admin(row, admin, testco)
    assert row.object_id == str(scim_app.pk)
    assert row.detail == {
        "count": 2,
        "selected": 2,
        "whole_lists": [],
        "search": "",
        "queued": 2,
    }


def test_assigning_and_unassigning_an_app_on_a_persons_page(
    as_admin, admin, testco, member, scim_app
):
    as_admin.post(
        reverse("person_assign_app", kwargs={"user_id": member.pk}), {"app": str(scim_app.pk)}
    )
    assigned = the_row(audit.APP_ASSIGNED)
    assert_by_admin(assigned, admin, testco)
    assert (assigned.object_kind, assigned.object_id) == ("person", str(member.pk))
    assert assigned.object_label == "Bob Member <member@testco.example>"
    assert assigned.detail == {"app": scim_app.name, "app_id": str(scim_app.pk)}

    as_admin.post(reverse("plan_unassign", kwargs={"user_id": member.pk, "app_id": scim_app.pk}))
    assert not Assignment.objects.filter(user=member).exists()
    unassigned = the_row(audit.APP_UNASSIGNED)
    assert unassigned.object_id == str(member.pk)
    assert unassigned.detail["app_id"] == str(scim_app.pk)
    assert unassigned.detail["plan"] == f"Unassigning {scim_app.name} from Bob Member"


# --- groups ---------------------------------------------------------------------------------


def test_a_group_created_renamed_and_deleted(as_admin, admin, testco):
    as_admin.post(reverse("group_create"), {"name": "Sales"})
    group = Group.objects.get(name="Sales")
    created = the_row(audit.GROUP_CREATED)
    assert_by_admin(created, admin, testco)
    assert (created.object_kind, created.object_id, created.object_label) == (
        "group",
        str(group.pk),
        "Sales",
    )
    as_admin.post(reverse("group_rename", kwargs={"group_id": group.pk}), {"name": "Sales EU"})
    assert the_row(audit.GROUP_RENAMED).detail == {"from": "Sales", "to": "Sales EU"}
    as_admin.post(reverse("plan_delete_group", kwargs={"group_id": group.pk}))
    assert not Group.objects.exists()
    deleted = the_row(audit.GROUP_DELETED)
    assert deleted.object_id == str(group.pk) and deleted.object_label == "Sales EU"


def test_adding_one_person_to_a_group(as_admin, admin, testco, member):
    group = Group.objects.create(organization=testco, name="Sales")
    as_admin.post(
        reverse("group_add_person", kwargs={"group_id": group.pk}), {"person": str(member.pk)}
    )
    row = the_row(audit.GROUP_MEMBERS_ADDED)
    assert_by_admin(row, admin, testco)
    assert row.object_id == str(group.pk)
    assert row.detail == {
        "count": 1,
        "person": "Bob Member <member@testco.example>",
        "person_id": str(member.pk),
    }


def test_joining_a_group_from_the_persons_page(as_admin, testco, member):
    group = Group.objects.create(organization=testco, name="Sales")
    as_admin.post(
        reverse("person_join_group", kwargs={"user_id": member.pk}), {"group": str(group.pk)}
    )
    row = the_row(audit.GROUP_MEMBERS_ADDED)
    assert row.object_id == str(group.pk) and row.detail["person_id"] == str(member.pk)


def test_a_pasted_list_is_one_row_with_its_count_not_a_row_per_person(as_admin, testco):
    group = Group.objects.create(organization=testco, name="Sales")
    for n in range(3):
        make_user(testco, f"p{n}@testco.example")
    pasted = "p0@testco.example, p1@testco.example\np2@testco.example nobody@testco.example"
    as_admin.post(reverse("group_add_emails", kwargs={"group_id": group.pk}), {"emails": pasted})
    assert group.memberships.count() == 3
    row = the_row(audit.GROUP_MEMBERS_ADDED)
    assert row.detail == {
        "count": 3,
        "how": "pasted emails",
        "unknown": 1,
        "inactive": 0,
        "background": False,
    }


def test_everyone_matching_a_search_is_one_row_with_its_count(as_admin, testco):
    group = Group.objects.create(organization=testco, name="Sales")
    for n in range(4):
        make_user(testco, f"priya{n}@testco.example", first="Priya")
    url = reverse("group_add_matching", kwargs={"group_id": group.pk})
    as_admin.post(url, {"q": "priya"})
    assert group.memberships.count() == 4
    row = the_row(audit.GROUP_MEMBERS_ADDED)
    assert row.detail == {
        "count": 4,
        "how": "everyone matching",
        "search": "priya",
        "background": False,
    }


def test_removing_a_member_is_recorded_with_the_person(as_admin, admin, testco, member, sales):
    as_admin.post(reverse("plan_leave_group", kwargs={"group_id": sales.pk, "user_id": member.pk}))
    row = the_row(audit.GROUP_MEMBER_REMOVED)
    assert_by_admin(row, admin, testco)
    assert row.object_id == str(sales.pk)
    assert row.detail["person_id"] == str(member.pk)
    assert row.detail["person"] == "Bob Member <member@testco.example>"


def test_a_groups_apps_added_and_removed(as_admin, admin, testco, sales):
    app = add_app(testco, name="Wiki")
    as_admin.post(reverse("attach_app", kwargs={"group_id": sales.pk}), {"app": str(app.pk)})
    added = the_row(audit.GROUP_APP_ADDED)
    assert_by_admin(added, admin, testco)
    assert added.object_id == str(sales.pk)
    assert added.detail == {"app": "Wiki", "app_id": str(app.pk)}
    as_admin.post(reverse("plan_detach_app", kwargs={"group_id": sales.pk, "app_id": app.pk}))
    assert not GroupApp.objects.exists()
    removed = the_row(audit.GROUP_APP_REMOVED)
    assert removed.object_id == str(sales.pk) and removed.detail["app_id"] == str(app.pk)


def test_turning_an_apps_group_auto_provisioning_off_and_its_plan(as_admin, testco, sales):
    app = add_app(testco, name="Wiki")
    app.group_auto_provisioning = True
    app.save()
    as_admin.post(
        reverse("app_settings", kwargs={"app_id": app.pk}),
        {"name": "Wiki", "sign_in_url": "", "username_convention": "", "deprovisioning": ""},
    )
    assert the_row(audit.APP_AUTO_PROVISIONING).detail == {
        "changed": {"group_auto_provisioning": [True, False]}
    }
    as_admin.post(reverse("plan_reconcile_app", kwargs={"app_id": app.pk}))
    assert the_row(audit.APP_RECONCILED).object_id == str(app.pk)


# --- approvals ------------------------------------------------------------------------------


def test_approving_and_rejecting_plans(as_admin, admin, testco):
    approved, rejected = (
        Plan.objects.create(
            organization=testco, title=title, trigger="t", counts={"suspend": 30}, steps=[]
        )
        for title in ("Suspending 30 accounts", "Deleting 30 accounts")
    )
    as_admin.post(reverse("plan_detail", kwargs={"plan_id": approved.pk}), {"decision": "approve"})
    as_admin.post(reverse("plan_detail", kwargs={"plan_id": rejected.pk}), {"decision": "reject"})
    row = the_row(audit.PLAN_APPROVED)
    assert_by_admin(row, admin, testco)
    assert (row.object_kind, row.object_id, row.object_label) == (
        "plan",
        str(approved.pk),
        "Suspending 30 accounts",
    )
    assert row.detail == {"steps": {"suspend": 30}}
    assert the_row(audit.PLAN_REJECTED).object_id == str(rejected.pk)


def test_a_plan_decided_already_records_nothing_more(as_admin, testco):
    plan = Plan.objects.create(organization=testco, title="Suspending", trigger="t", steps=[])
    url = reverse("plan_detail", kwargs={"plan_id": plan.pk})
    as_admin.post(url, {"decision": "approve"})
    as_admin.post(url, {"decision": "reject"})  # "This plan was already decided."
    assert AuditEntry.objects.filter(action__startswith="plan_").count() == 1


# --- people ---------------------------------------------------------------------------------


def test_a_person_added_edited_deactivated_and_reactivated(as_admin, admin, testco, sales):
    as_admin.post(
        reverse("person_create"),
        {
            "first_name": "José",
            "last_name": "Ñúñez",
            "email": "jose@testco.example",
            "role": "member",
            "groups": [str(sales.pk)],
        },
    )
    person = User.objects.get(email="jose@testco.example")
    created = the_row(audit.PERSON_CREATED)
    assert_by_admin(created, admin, testco)
    assert (created.object_kind, created.object_id, created.object_label) == (
        "person",
        str(person.pk),
        "José Ñúñez <jose@testco.example>",
    )
    assert created.detail == {"role": "member", "groups": ["Sales"]}

    as_admin.post(
        reverse("person_edit", kwargs={"user_id": person.pk}),
        {
            "first_name": "José",
            "last_name": "Nunez",
            "email": "jose@testco.example",
            "role": "admin",
        },
    )
    assert the_row(audit.PERSON_EDITED).detail == {
        "changed": {"last_name": ["Ñúñez", "Nunez"], "role": ["member", "admin"]}
    }

    as_admin.post(reverse("plan_deactivate", kwargs={"user_id": person.pk}))
    person.refresh_from_db()
    assert not person.is_active
    deactivated = the_row(audit.PERSON_DEACTIVATED)
    assert deactivated.object_id == str(person.pk)
    assert deactivated.detail == {"plan": "Deactivating José Nunez", "outcome": "running"}

    as_admin.post(reverse("plan_reactivate", kwargs={"user_id": person.pk}))
    assert the_row(audit.PERSON_REACTIVATED).object_id == str(person.pk)


def test_a_person_saved_unchanged_records_nothing(as_admin, member):
    as_admin.post(
        reverse("person_edit", kwargs={"user_id": member.pk}),
        {"first_name": "Bob", "last_name": "Member", "email": member.email, "role": "member"},
    )
    assert not AuditEntry.objects.filter(action=audit.PERSON_EDITED).exists()


def test_looking_at_a_plan_records_nothing(as_admin, member):
    as_admin.get(reverse("plan_deactivate", kwargs={"user_id": member.pk}))
    assert not AuditEntry.objects.exclude(action=audit.SIGN_IN).exists()


# --- a system actor, and the rows stay as written -------------------------------------------


def test_a_system_actor_is_recorded_without_a_person(testco):
    settings = AssignmentSettings.for_organization(testco.pk)
    row = audit.record(
        None, audit.GROUPS_RECONCILED, settings, organization_id=testco.pk, label="Sweep"
    )
    assert (row.organization_id, row.actor, row.actor_email, row.ip_address) == (
        testco.pk,
        None,
        "",
        None,
    )


def test_entries_are_append_only(testco, admin):
    entry = audit.record(None, audit.GROUP_CREATED, actor=admin, label="Sales")
    entry.object_label = "Something else"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
    with pytest.raises(ValueError, match="append-only"):
        AuditEntry.objects.filter(pk=entry.pk).update(object_label="Something else")
    with pytest.raises(ValueError, match="append-only"):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(ValueError, match="append-only"):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).object_label == "Sales"


def test_an_actor_who_is_gone_is_still_named(testco, admin):
    entry = audit.record(None, audit.GROUP_CREATED, actor=admin, label="Sales")
    User.objects.filter(pk=admin.pk).delete()
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert entry.actor is None and entry.actor_email == "admin@testco.example"
