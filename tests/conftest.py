"""The fixed cast: TestCo with an admin and a member; OtherCo with an admin of its own."""

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from accounts.models import Organization, User

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _unscoped_test_code(db):
    # Test code reads and writes rows of both organizations freely; each request still runs
    # inside its user's scope (the middleware enters it explicitly).
    with scopes_disabled():
        yield


def make_user(organization, email, role=User.Role.MEMBER, first="Test", last="Person", **extra):
    return User.objects.create_user(
        email,
        PASSWORD,
        organization=organization,
        first_name=first,
        last_name=last,
        role=role,
        **extra,
    )


@pytest.fixture
def testco():
    return Organization.objects.create(name="TestCo")


@pytest.fixture
def otherco():
    return Organization.objects.create(name="OtherCo")


@pytest.fixture
def admin(testco):
    return make_user(testco, "admin@testco.example", User.Role.ADMIN, "Alice", "Admin")


@pytest.fixture
def member(testco):
    return make_user(testco, "member@testco.example", User.Role.MEMBER, "Bob", "Member")


@pytest.fixture
def other_admin(otherco):
    return make_user(otherco, "admin@otherco.example", User.Role.ADMIN, "Charlie", "Outsider")


def signed_in(user):
    client = Client()
    client.force_login(user, backend="accounts.backends.EmailBackend")
    return client


@pytest.fixture
def as_admin(admin):
    return signed_in(admin)


@pytest.fixture
def as_member(member):
    return signed_in(member)


@pytest.fixture
def as_other_admin(other_admin):
    return signed_in(other_admin)
