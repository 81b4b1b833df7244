import pytest
from django.urls import reverse

from groups.models import Group, Membership

from .conftest import make_user


@pytest.fixture
def sales(testco):
    return Group.objects.create(organization=testco, name="Sales")


def test_admin_creates_a_group(as_admin, testco):
    response = as_admin.post(reverse("group_create"), {"name": "Engineering"})
    group = Group.objects.get(name="Engineering")
    assert group.organization == testco
    assert response.url == reverse("group_detail", kwargs={"group_id": group.pk})


def test_group_names_are_unique_per_organization_in_any_case(as_admin, sales, otherco):
    response = as_admin.post(reverse("group_create"), {"name": "SALES"})
    assert response.status_code == 200
    assert "A group with this name already exists." in response.content.decode()
    Group.objects.create(organization=otherco, name="Support")
    assert as_admin.post(reverse("group_create"), {"name": "Support"}).status_code == 302


@pytest.mark.parametrize(
    "name, error",
    [
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("x" * 300, "Ensure this value has at most 100 characters"),
    ],
)
def test_bad_group_names_get_form_errors(as_admin, name, error):
    response = as_admin.post(reverse("group_create"), {"name": name})
    assert response.status_code == 200
    assert error in response.content.decode()


def test_non_ascii_group_name(as_admin):
    as_admin.post(reverse("group_create"), {"name": "Ventas España 销售"})
    assert Group.objects.filter(name="Ventas España 销售").exists()


def test_admin_renames_a_group(as_admin, sales):
    as_admin.post(reverse("group_rename", kwargs={"group_id": sales.pk}), {"name": "Field Sales"})
    sales.refresh_from_db()
    assert sales.name == "Field Sales"


def test_admin_deletes_a_group_and_members_stay(as_admin, sales, member):
    Membership.objects.create(organization=sales.organization, group=sales, user=member)
    url = reverse("group_delete", kwargs={"group_id": sales.pk})
    page = as_admin.get(url, follow=True).content.decode()
    assert "Deleting the group Sales" in page and "changes no account" in page
    as_admin.post(reverse("plan_delete_group", kwargs={"group_id": sales.pk}))
    assert not Group.objects.filter(pk=sales.pk).exists()
    member.refresh_from_db()  # still here


def test_admin_adds_and_removes_members(as_admin, sales, member, testco):
    other = make_user(testco, "carol@testco.example", first="Carol")
    url = reverse("group_detail", kwargs={"group_id": sales.pk})
    as_admin.post(reverse("group_add_person", kwargs={"group_id": sales.pk}), {"person": member.pk})
    add_emails = reverse("group_add_emails", kwargs={"group_id": sales.pk})
    as_admin.post(add_emails, {"emails": other.email})
    assert set(sales.members.all()) == {member, other}
    page = as_admin.get(url).content.decode()
    assert member.email in page and other.email in page
    remove = reverse("plan_leave_group", kwargs={"group_id": sales.pk, "user_id": member.pk})
    assert f'aria-label="Remove {member.full_name} from Sales"' in page and remove in page
    assert f"Removing {member.full_name} from Sales" in as_admin.get(remove).content.decode()
    assert set(sales.members.all()) == {member, other}  # the plan is shown, nothing done yet
    as_admin.post(remove)
    assert set(sales.members.all()) == {other}


def test_adding_nobody_or_a_stranger_is_refused(as_admin, sales, other_admin, member):
    add_person = reverse("group_add_person", kwargs={"group_id": sales.pk})
    response = as_admin.post(add_person, {"person": ""}, follow=True)
    assert "This field is required." in response.content.decode()
    response = as_admin.post(add_person, {"person": other_admin.pk}, follow=True)
    assert "That person cannot be added to this group." in response.content.decode()
    as_admin.post(add_person, {"person": "not-a-uuid"})
    add_emails = reverse("group_add_emails", kwargs={"group_id": sales.pk})
    response = as_admin.post(add_emails, {"emails": " , \n"}, follow=True)
    assert "Paste at least one email address." in response.content.decode()
    response = as_admin.post(add_emails, {"emails": other_admin.email})
    assert "Not found: 1 address" in response.content.decode()  # another organization's
    assert not sales.members.exists()
    Membership.objects.create(organization=sales.organization, group=sales, user=member)
    response = as_admin.post(add_person, {"person": member.pk}, follow=True)  # in it already
    assert "That person cannot be added to this group." in response.content.decode()
    assert list(sales.members.all()) == [member]


def test_group_list_shows_member_and_app_counts(as_admin, sales, member):
    Membership.objects.create(organization=sales.organization, group=sales, user=member)
    page = as_admin.get(reverse("group_list")).content.decode()
    assert "Sales" in page
