"""Accounts found only in the app become actionable on Assign Users: link to a person,
suspend or delete (through a plan), or set aside. A re-read shows drift on the Users tab."""

from django.urls import reverse

from provisioning import changes
from provisioning.mapping import read_accounts
from provisioning.models import AppAccount, Assignment
from provisioning.services import connector_for
from provisioning.status import Status

from .conftest import make_user
from .lifecycle_helpers import run_queued
from .scim_servers.helpers import raw_create


def discovered(scim_app, scim_server, username, email):
    raw_create(scim_server, username, email)
    read_accounts(scim_app, connector_for(scim_app))
    return AppAccount.objects.get(app=scim_app, username=username)


def test_linking_an_app_only_account_to_a_person(as_admin, testco, scim_app, scim_server):
    account = discovered(scim_app, scim_server, "old-dana", "dana@personal.example")
    dana = make_user(testco, "dana@testco.example", first="Dana", last="Doe")
    page = as_admin.get(reverse("assign_users", kwargs={"app_id": scim_app.pk})).content.decode()
    assert "old-dana" in page and "Link" in page and "Ignore" in page
    response = as_admin.post(
        reverse("app_only_link", kwargs={"account_id": account.pk}),
        {"email": "DANA@testco.example"},
        follow=True,
    )
    assert "Linked to Dana Doe." in response.content.decode()
    account.refresh_from_db()
    assert account.user == dana and account.origin == AppAccount.Origin.LINKED
    assert Assignment.objects.filter(user=dana, app=scim_app).exists()


def test_linking_to_nobody_or_to_someone_with_an_account_is_refused(
    as_admin, admin, member, scim_app, scim_server
):
    account = discovered(scim_app, scim_server, "ghost", "ghost@vendor.example")
    url = reverse("app_only_link", kwargs={"account_id": account.pk})
    page = as_admin.post(url, {"email": "nobody@testco.example"}, follow=True).content.decode()
    assert "Nobody in your console has the email" in page
    changes.confirm(changes.Assign(member, scim_app), scim_app.organization_id, admin)
    run_queued()
    page = as_admin.post(url, {"email": member.email}, follow=True).content.decode()
    assert "Bob Member already has an account in SCIM app." in page
    assert AppAccount.objects.get(pk=account.pk).user is None


def test_suspending_an_app_only_account_shows_the_plan(as_admin, scim_app, scim_server):
    account = discovered(scim_app, scim_server, "ghost", "ghost@vendor.example")
    url = reverse("plan_suspend_app_only", kwargs={"account_id": account.pk})
    assert "Suspending ghost&#x27;s account in SCIM app" in as_admin.get(url).content.decode()
    as_admin.post(url)
    run_queued()
    account.refresh_from_db()
    assert account.status == Status.SUSPENDED
    stored = next(r for r in scim_server.storage.resources if r.id == account.remote_id)
    assert stored.active is False


def test_deleting_and_setting_aside(as_admin, scim_app, scim_server):
    gone = discovered(scim_app, scim_server, "gone", "gone@vendor.example")
    kept = discovered(scim_app, scim_server, "kept", "kept@vendor.example")
    as_admin.post(reverse("plan_delete_app_only", kwargs={"account_id": gone.pk}))
    run_queued()
    assert AppAccount.objects.get(pk=gone.pk).status == Status.DEPROVISIONED
    assert all(r.user_name != "gone" for r in scim_server.storage.resources)
    as_admin.post(reverse("app_only_ignore", kwargs={"account_id": kept.pk}))
    page = as_admin.get(reverse("assign_users", kwargs={"app_id": scim_app.pk})).content.decode()
    assert "gone@vendor.example" not in page and "kept@vendor.example" not in page


def test_a_reread_shows_drift_on_the_users_tab(as_admin, admin, member, scim_app, scim_server):
    changes.confirm(changes.Assign(member, scim_app), scim_app.organization_id, admin)
    run_queued()
    account = AppAccount.objects.get(user=member)
    stored = next(r for r in scim_server.storage.resources if r.id == account.remote_id)
    stored.active, stored.user_name = False, "bob.renamed"
    read_accounts(scim_app, connector_for(scim_app))
    account.refresh_from_db()
    assert account.drift == {"active": False, "username": "bob.renamed"}
    tab = as_admin.get(reverse("app_users", kwargs={"app_id": scim_app.pk})).content.decode()
    assert "Changed in SCIM app: deactivated there username now bob.renamed." in tab
