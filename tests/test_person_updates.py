"""A person's new name or email reaches the apps that can take it; the event records before
and after."""

from django.urls import reverse

from provisioning import changes
from provisioning.models import AccountEvent, AppAccount, Job

from .lifecycle_helpers import remote_user, run_queued


def test_a_rename_reaches_the_scim_server(as_admin, admin, member, scim_app, scim_server):
    changes.confirm(changes.Assign(member, scim_app), scim_app.organization_id, admin)
    run_queued()
    account = AppAccount.objects.get(app=scim_app, user=member)
    as_admin.post(
        reverse("person_edit", kwargs={"user_id": member.pk}),
        {
            "first_name": "Roberto",
            "last_name": "Ñúñez",
            "email": "roberto@testco.example",
            "role": "member",
        },
    )
    run_queued()
    stored = remote_user(scim_server, account)
    assert (stored.name.given_name, stored.name.family_name) == ("Roberto", "Ñúñez")
    assert stored.emails[0].value == "roberto@testco.example"
    account.refresh_from_db()
    assert (account.first_name, account.email) == ("Roberto", "roberto@testco.example")
    event = AccountEvent.objects.filter(account=account).last()
    assert "first name Bob → Roberto" in event.message
    assert event.detail["before"]["email"] == "member@testco.example"


def test_saving_without_a_change_sends_nothing(as_admin, admin, member, scim_app):
    changes.confirm(changes.Assign(member, scim_app), scim_app.organization_id, admin)
    run_queued()
    as_admin.post(
        reverse("person_edit", kwargs={"user_id": member.pk}),
        {"first_name": "Bob", "last_name": "Member", "email": member.email, "role": "member"},
    )
    assert not Job.objects.filter(action=Job.Action.UPDATE).exists()
