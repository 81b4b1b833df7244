import pytest
from django.urls import reverse

from accounts.models import User

from .conftest import make_user


def test_admin_lists_people_of_their_organization_only(as_admin, member, other_admin):
    page = as_admin.get(reverse("people")).content.decode()
    assert member.email in page
    assert other_admin.email not in page


def test_search_matches_name_and_email_case_insensitively(as_admin, testco):
    make_user(testco, "jose@testco.example", first="José", last="Ñúñez")
    make_user(testco, "wei@testco.example", first="Wei", last="Chen")
    page = as_admin.get(reverse("people"), {"q": "úñez"}).content.decode()
    assert "jose@testco.example" in page and "wei@testco.example" not in page
    page = as_admin.get(reverse("people"), {"q": "WEI@"}).content.decode()
    assert "wei@testco.example" in page and "jose@testco.example" not in page


def test_search_as_you_type_returns_only_the_results_table(as_admin, member):
    response = as_admin.get(
        reverse("people"), {"q": "bob"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="people-results"
    )
    html = response.content.decode()
    assert member.email in html
    assert "<nav" not in html  # a partial, not the whole page


def test_people_are_paginated(as_admin, testco):
    User.objects.bulk_create(
        User(
            organization=testco,
            email=f"p{i:03}@testco.example",
            first_name="P",
            last_name=f"{i:03}",
        )
        for i in range(60)
    )
    first = as_admin.get(reverse("people")).content.decode()
    assert "Page 1 of 3" in first
    third = as_admin.get(reverse("people"), {"page": 3}).content.decode()
    assert "Page 3 of 3" in third
    assert as_admin.get(reverse("people"), {"page": "junk"}).status_code == 200


def test_admin_creates_a_person(as_admin, testco):
    response = as_admin.post(
        reverse("person_create"),
        {
            "first_name": "José",
            "last_name": "Ñúñez",
            "email": "Jose@TestCo.example",
            "role": "member",
        },
    )
    assert response.status_code == 302
    person = User.objects.get(email__iexact="jose@testco.example")
    assert person.organization == testco
    assert person.full_name == "José Ñúñez"
    assert not person.has_usable_password()  # they choose it from their email


def test_admin_edits_a_person(as_admin, member):
    response = as_admin.post(
        reverse("person_edit", kwargs={"user_id": member.pk}),
        {"first_name": "Robert", "last_name": "Member", "email": member.email, "role": "admin"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.first_name == "Robert" and member.role == "admin"


def test_admin_deactivates_and_reactivates_a_person(as_admin, member):
    url = reverse("person_set_active", kwargs={"user_id": member.pk})
    page = as_admin.post(url, {"active": "0"}, follow=True).content.decode()
    assert f"Deactivating {member.full_name}" in page and "Confirm" in page
    member.refresh_from_db()
    assert member.is_active  # the plan comes first
    as_admin.post(reverse("plan_deactivate", kwargs={"user_id": member.pk}))
    member.refresh_from_db()
    assert not member.is_active
    assert member.email not in as_admin.get(reverse("people")).content.decode()
    assert member.email in as_admin.get(reverse("people"), {"status": "inactive"}).content.decode()
    as_admin.post(reverse("plan_reactivate", kwargs={"user_id": member.pk}))
    member.refresh_from_db()
    assert member.is_active


def test_admin_cannot_deactivate_themselves_or_change_their_own_role(as_admin, admin):
    response = as_admin.post(
        reverse("person_set_active", kwargs={"user_id": admin.pk}), {"active": "0"}, follow=True
    )
    assert "You cannot deactivate your own account." in response.content.decode()
    as_admin.post(
        reverse("person_edit", kwargs={"user_id": admin.pk}),
        {"first_name": "Alice", "last_name": "Admin", "email": admin.email, "role": "member"},
    )
    admin.refresh_from_db()
    assert admin.is_active and admin.role == "admin"


def test_deactivate_only_answers_post(as_admin, member):
    url = reverse("person_set_active", kwargs={"user_id": member.pk})
    assert as_admin.get(url).status_code == 405


@pytest.mark.parametrize("count", [5, 500])
def test_people_page_issues_the_same_queries_for_5_and_500_people(
    as_admin, testco, count, django_assert_max_num_queries
):
    from groups.models import Group, Membership

    people = User.objects.bulk_create(
        User(organization=testco, email=f"p{i}@testco.example", first_name="P", last_name=str(i))
        for i in range(count)
    )
    group = Group.objects.create(organization=testco, name="Sales")
    Membership.objects.bulk_create(
        Membership(organization=testco, group=group, user=p) for p in people
    )
    # session, user, count, page, groups of the page: the same whatever the row count
    with django_assert_max_num_queries(6):
        response = as_admin.get(reverse("people"), {"status": "all"})
    assert response.status_code == 200
