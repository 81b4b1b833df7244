"""My Apps names the organization's app and opens it honestly: Open follows a real sign-in
address and only that marks the account Active; without an address My Apps says where to go
and marks nothing (the vendor's own report, `refresh_sign_ins`, does it then)."""

import pytest
from django.urls import reverse

from apps_catalog.models import CatalogApp
from provisioning.models import AppAccount
from provisioning.status import Status

from .conftest import add_app


@pytest.fixture
def wiki(testco):
    app = add_app(testco, name="Team Wiki")
    CatalogApp.objects.filter(pk=app.catalog_app_id).update(sign_in_url="")
    app.catalog_app.refresh_from_db()
    return app


def account_of(member, app, **extra):
    return AppAccount.objects.create(
        organization=member.organization,
        app=app,
        user=member,
        username="bob.member",
        email=member.email,
        remote_id="r-1",
        status=Status.CREATED,
        **extra,
    )


def test_without_a_sign_in_address_my_apps_says_where_to_go(as_member, member, wiki):
    account_of(member, wiki)
    page = as_member.get(reverse("my_apps")).content.decode()
    assert "no sign-in address for Team Wiki" in page
    assert reverse("open_app", kwargs={"account_id": AppAccount.objects.get().pk}) not in page


def test_open_without_an_address_marks_nothing(as_member, member, wiki):
    account = account_of(member, wiki)
    response = as_member.get(reverse("open_app", kwargs={"account_id": account.pk}), follow=True)
    assert "no sign-in address in Bitium yet" in response.content.decode()
    account.refresh_from_db()
    assert account.status == Status.CREATED and account.first_sign_in_at is None


def test_open_with_an_address_follows_it_and_marks_active(as_member, member, wiki):
    wiki.sign_in_url = "https://wiki.vendor.example/login"
    wiki.save()
    account = account_of(member, wiki)
    page = as_member.get(reverse("my_apps")).content.decode()
    assert reverse("open_app", kwargs={"account_id": account.pk}) in page
    response = as_member.get(reverse("open_app", kwargs={"account_id": account.pk}))
    assert response.url == "https://wiki.vendor.example/login"
    account.refresh_from_db()
    assert account.status == Status.ACTIVE and account.first_sign_in_at


def test_my_apps_and_the_reveal_page_name_the_organizations_app(as_member, member, wiki):
    account = account_of(member, wiki, secrets={"temporary_password": "Tmp-pass-123"})
    page = as_member.get(reverse("my_apps")).content.decode()
    assert "Team Wiki will likely ask you for a new one" in page
    assert wiki.catalog_app.name in page  # the catalog entry stays as a secondary line
    revealed = as_member.post(reverse("reveal_password", kwargs={"account_id": account.pk}))
    text = revealed.content.decode()
    assert "Tmp-pass-123" in text and "Team Wiki will likely ask you" in text
