"""Bad input on the person form is answered with form errors, never a 500."""

import pytest
from django.urls import reverse

from accounts.models import User

VALID = {"first_name": "Dana", "last_name": "Doe", "email": "dana@testco.example", "role": "member"}


def post(client, **changes):
    return client.post(reverse("person_create"), VALID | changes)


def test_email_that_exists_in_another_case_is_refused(as_admin, member):
    response = post(as_admin, email="MEMBER@TESTCO.EXAMPLE")
    assert response.status_code == 200
    assert "A user with this email already exists." in response.content.decode()


def test_email_used_in_another_organization_is_refused_too(as_admin, other_admin):
    response = post(as_admin, email=other_admin.email.upper())
    assert response.status_code == 200
    assert "A user with this email already exists." in response.content.decode()
    assert User.objects.filter(email__iexact=other_admin.email).count() == 1


def test_editing_keeps_the_own_email_in_another_case(as_admin, member):
    response = as_admin.post(
        reverse("person_edit", kwargs={"user_id": member.pk}),
        {
            "first_name": "Bob",
            "last_name": "Member",
            "email": member.email.upper(),
            "role": "member",
        },
    )
    assert response.status_code == 302


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@b.example", "a b@c.example", ""])
def test_malformed_email_is_refused(as_admin, email):
    response = post(as_admin, email=email)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a valid email address." in html or "This field is required." in html
    assert not User.objects.filter(first_name="Dana").exists()


@pytest.mark.parametrize("field", ["first_name", "last_name"])
@pytest.mark.parametrize("value", ["", "   "])
def test_empty_names_are_refused(as_admin, field, value):
    response = post(as_admin, **{field: value})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_300_character_names_are_refused(as_admin, field):
    response = post(as_admin, **{field: "x" * 300})
    assert response.status_code == 200
    assert "Ensure this value has at most 150 characters" in response.content.decode()


def test_unknown_role_is_refused(as_admin):
    response = post(as_admin, role="owner")
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()


def test_non_ascii_names_are_kept_as_typed(as_admin):
    response = post(as_admin, first_name="José", last_name="Ñúñez", email="josé@testco.example")
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert User.objects.get(last_name="Ñúñez").first_name == "José"
    response = post(as_admin, first_name="小明", last_name="王", email="wang@testco.example")
    assert response.status_code == 302
    assert User.objects.get(email="wang@testco.example").full_name == "小明 王"
