import pytest
from django.urls import reverse

from accounts.models import User

from .conftest import PASSWORD, make_user


def sign_in(client, email, password=PASSWORD):
    return client.post(reverse("login"), {"username": email, "password": password})


def test_admin_signs_in_with_email_in_any_case_and_lands_on_dashboard(client, admin):
    response = sign_in(client, "ADMIN@TestCo.example")
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    page = client.get(reverse("dashboard")).content.decode()
    for label in ("Dashboard", "People", "Groups", "Manage Apps", "Settings", "TestCo"):
        assert label in page


def test_wrong_password_is_refused_with_a_message(client, admin):
    response = sign_in(client, admin.email, "not the password")
    assert response.status_code == 200
    assert "Please enter a correct email and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_deactivated_person_cannot_sign_in(client, testco):
    make_user(testco, "gone@testco.example", is_active=False)
    response = sign_in(client, "gone@testco.example")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_sign_out_needs_a_post_and_ends_the_session(as_admin):
    assert as_admin.get(reverse("logout")).status_code == 405
    response = as_admin.post(reverse("logout"))
    assert response.status_code == 302
    assert as_admin.get(reverse("people")).status_code == 302  # back to sign-in


def test_pages_need_sign_in(client):
    response = client.get(reverse("people"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_sign_in_form_carries_csrf_protection(admin):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("login"), {"username": admin.email, "password": PASSWORD})
    assert response.status_code == 403


@pytest.mark.parametrize("role", [User.Role.ADMIN, User.Role.MEMBER])
def test_tenant_users_never_reach_djangos_admin_site(client, testco, role):
    make_user(testco, "someone@testco.example", role=role)
    sign_in(client, "someone@testco.example")
    response = client.get("/django-admin/")
    assert response.status_code == 302  # to the admin's own login: not staff


def test_staff_superuser_uses_djangos_admin_site(client, admin):
    User.objects.create_superuser("ops@bitium.example", PASSWORD, first_name="O", last_name="P")
    client.post("/django-admin/login/", {"username": "ops@bitium.example", "password": PASSWORD})
    page = client.get("/django-admin/accounts/user/")
    assert page.status_code == 200
    assert admin.email in page.content.decode()  # sees every organization's people
