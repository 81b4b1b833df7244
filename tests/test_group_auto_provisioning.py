"""Method 2: people who join a group get seats in the group's apps, as Assignment Settings say."""

import pytest
from django.urls import reverse

from accounts.models import User
from apps_catalog.models import GroupApp
from groups.models import AssignmentSettings, Group
from groups.services import add_members
from provisioning.connectors.base import NewAccount
from provisioning.connectors.scim import ScimConnector
from provisioning.models import AppAccount, Job
from provisioning.services import connect
from provisioning.status import Status

from .conftest import SCIM_TOKEN, add_app, make_user


@pytest.fixture
def sales(testco):
    return Group.objects.create(organization=testco, name="Sales")


def connected_app(testco, scim_server, name):
    app = add_app(testco, name=name)
    ok, message = connect(app, {"base_url": scim_server.url, "token": SCIM_TOKEN})
    assert ok, message
    return app


@pytest.fixture
def apps(testco, sales, scim_server):
    made = [connected_app(testco, scim_server, name) for name in ("CRM", "Chat", "Wiki")]
    for app in made:
        GroupApp.objects.create(organization=testco, group=sales, app=app)
    return made


def set_mode(organization, mode, convention="email", template=""):
    settings = AssignmentSettings.for_organization(organization.pk)
    settings.group_auto_provisioning = mode
    settings.username_convention = convention
    settings.username_template = template
    settings.save()


def jobs_by_app():
    return sorted(Job.objects.values_list("app__name", flat=True))


def test_per_app_is_the_default_and_provisions_only_apps_turned_on(testco, sales, apps, member):
    assert AssignmentSettings.for_organization(testco.pk).group_auto_provisioning == "per_app"
    apps[0].group_auto_provisioning = True
    apps[0].save()
    add_members(sales, [member], by=None)
    assert jobs_by_app() == ["CRM"]


def test_all_apps_mode_provisions_every_group_app(testco, sales, apps, member):
    set_mode(testco, "all")
    add_members(sales, [member], by=None)
    assert jobs_by_app() == ["Chat", "CRM", "Wiki"] or jobs_by_app() == sorted(
        ["CRM", "Chat", "Wiki"]
    )


def test_off_mode_provisions_nothing(testco, sales, apps, member):
    set_mode(testco, "off")
    for app in apps:
        app.group_auto_provisioning = True
        app.save()
    add_members(sales, [member], by=None)
    assert not Job.objects.exists()


def test_usernames_follow_the_convention_and_an_apps_override(testco, sales, apps):
    set_mode(testco, "all", "first.last")
    apps[1].username_convention = "template"
    apps[1].username_template = "{f}{last}"
    apps[1].save()
    jose = make_user(testco, "jose@testco.example", first="José", last="Ñúñez")
    add_members(sales, [jose], by=None)
    usernames = dict(AppAccount.objects.values_list("app__name", "username"))
    assert usernames == {"CRM": "jose.nunez", "Chat": "jnunez", "Wiki": "jose.nunez"}


def test_two_people_with_the_same_name_get_a_suffix_not_a_failed_job(testco, sales, apps):
    set_mode(testco, "per_app", "first.last")
    apps[0].group_auto_provisioning = True
    apps[0].save()
    first = make_user(testco, "john1@testco.example", first="John", last="Smith")
    second = make_user(testco, "john2@testco.example", first="John", last="Smith")
    add_members(sales, [first, second], by=None)
    assert dict(AppAccount.objects.values_list("user__email", "username")) == {
        "john1@testco.example": "john.smith",
        "john2@testco.example": "john.smith2",
    }


def test_an_existing_account_with_the_same_email_is_linked_not_duplicated(
    testco, sales, apps, member, scim_server, django_capture_on_commit_callbacks
):
    set_mode(testco, "per_app", "first.last")
    apps[0].group_auto_provisioning = True
    apps[0].save()
    existing = ScimConnector.build({"base_url": scim_server.url, "token": SCIM_TOKEN})
    remote_id = existing.create_account(
        NewAccount(
            email=member.email.upper(),
            username="bob-the-member",
            first_name="Bob",
            last_name="Member",
        )
    ).remote_id
    with django_capture_on_commit_callbacks(execute=True):
        add_members(sales, [member], by=None)
    account = AppAccount.objects.get(user=member)
    assert (account.remote_id, account.origin, account.status) == (
        remote_id,
        AppAccount.Origin.LINKED,
        Status.ACTIVE,
    )
    assert len(scim_server.storage.resources) == 1


def test_an_account_the_console_tracks_is_left_alone(testco, sales, apps, member):
    set_mode(testco, "all")
    AppAccount.objects.create(
        organization=testco, app=apps[0], user=member, email=member.email, status=Status.CREATED
    )
    add_members(sales, [member], by=None)
    assert jobs_by_app() == ["Chat", "Wiki"]


def test_joining_from_the_group_page_the_persons_page_or_creation(
    as_admin, testco, sales, apps, member
):
    set_mode(testco, "all")
    as_admin.post(reverse("group_add_person", kwargs={"group_id": sales.pk}), {"person": member.pk})
    assert Job.objects.filter(account__user=member).count() == 3

    carol = make_user(testco, "carol@testco.example", first="Carol")
    as_admin.post(reverse("person_join_group", kwargs={"user_id": carol.pk}), {"group": sales.pk})
    assert Job.objects.filter(account__user=carol).count() == 3

    as_admin.post(
        reverse("person_create"),
        {
            "first_name": "Dana",
            "last_name": "Doe",
            "email": "dana@testco.example",
            "role": "member",
            "groups": [sales.pk],
        },
    )
    dana = User.objects.get(email="dana@testco.example")
    assert sales.members.filter(pk=dana.pk).exists()
    assert Job.objects.filter(account__user=dana).count() == 3


def test_attaching_an_app_offers_to_provision_current_members_and_says_how_many(
    as_admin, testco, sales, scim_server, member, admin
):
    set_mode(testco, "all")
    add_members(sales, [member, admin], by=None)
    app = connected_app(testco, scim_server, "New app")
    response = as_admin.post(reverse("attach_app", kwargs={"group_id": sales.pk}), {"app": app.pk})
    offer = as_admin.get(response.url).content.decode()
    assert "2 people in Sales have no account in New app yet." in offer
    assert not Job.objects.exists()  # nothing silently
    as_admin.post(response.url)
    assert Job.objects.filter(app=app).count() == 2


def test_turning_the_toggle_on_offers_the_same(as_admin, testco, sales, apps, member):
    add_members(sales, [member], by=None)  # per-app mode, all toggles off: nothing yet
    assert not Job.objects.exists()
    url = reverse("app_settings", kwargs={"app_id": apps[2].pk})
    response = as_admin.post(
        url,
        {
            "name": "Wiki",
            "sign_in_url": "",
            "group_auto_provisioning": "on",
            "username_convention": "",
        },
    )
    assert response.url == reverse("provision_group_members", kwargs={"app_id": apps[2].pk})
    assert (
        "1 person in Sales has no account in Wiki yet."
        in as_admin.get(response.url).content.decode()
    )


def test_in_all_apps_mode_the_toggle_shows_the_policy(as_admin, testco, apps):
    set_mode(testco, "all")
    page = as_admin.get(reverse("app_settings", kwargs={"app_id": apps[0].pk})).content.decode()
    assert "policy provisions all apps" in page
    start = page.index('name="group_auto_provisioning"')
    toggle = page[start : page.index(">", start)]
    assert "disabled" in toggle and "checked" in toggle


def test_assignment_settings_page_saves_and_checks_templates(as_admin, testco):
    url = reverse("assignment_settings")
    page = as_admin.get(url).content.decode()
    assert "Group Auto-Provisioning" in page and "Save Settings" in page
    assert "Set on a per app basis. By default, apps will not auto provision." in page
    response = as_admin.post(
        url,
        {
            "group_auto_provisioning": "per_app",
            "username_convention": "template",
            "username_template": "{middle}",
        },
    )
    assert "Unknown placeholder {middle}" in response.content.decode()
    as_admin.post(url, {"group_auto_provisioning": "all", "username_convention": "flast"})
    saved = AssignmentSettings.for_organization(testco.pk)
    assert (saved.group_auto_provisioning, saved.username_convention) == ("all", "flast")


def test_adding_1000_people_to_a_group_with_3_apps_is_bounded(
    testco, sales, apps, django_assert_max_num_queries
):
    set_mode(testco, "all")
    people = User.objects.bulk_create(
        User(organization=testco, email=f"p{i}@testco.example", first_name="P", last_name=str(i))
        for i in range(1000)
    )
    with django_assert_max_num_queries(40):
        add_members(sales, people, by=None)
    assert Job.objects.count() == 3000


def test_a_group_with_a_long_name_provisions(testco, apps, member):
    """The job's trigger names the group: a 100-character name fits."""
    set_mode(testco, "all")
    long_named = Group.objects.create(organization=testco, name="Ñ" * 100)
    GroupApp.objects.create(organization=testco, group=long_named, app=apps[0])
    add_members(long_named, [member], by=None)
    (job,) = Job.objects.all()
    assert job.trigger == "group " + "Ñ" * 100
