"""A new username convention reaches existing accounts only where the admin asks for it:
saving it shows the plan; Confirm renames the accounts in the apps that can update."""

from django.urls import reverse

from provisioning import changes
from provisioning.models import AccountEvent, AppAccount, Job

from .lifecycle_helpers import remote_user, run_queued


def test_a_new_convention_shows_its_plan_and_renames_on_confirm(
    as_admin, admin, member, scim_app, scim_server
):
    changes.confirm(changes.Assign(member, scim_app), scim_app.organization_id, admin)
    run_queued()
    account = AppAccount.objects.get(user=member)
    assert account.username == member.email
    response = as_admin.post(
        reverse("assignment_settings"),
        {"group_auto_provisioning": "per_app", "username_convention": "first.last"},
    )
    assert response["Location"] == reverse("plan_apply_convention")
    page = as_admin.get(response["Location"]).content.decode()
    assert "will update accounts in SCIM app" in page and "Update username" in page
    assert not Job.objects.filter(action=Job.Action.UPDATE).exists()  # asked, not done
    as_admin.post(reverse("plan_apply_convention"))
    run_queued()
    assert remote_user(scim_server, account).user_name == "bob.member"
    account.refresh_from_db()
    assert account.username == "bob.member"
    assert "username member@testco.example → bob.member" in AccountEvent.objects.last().message


def test_saving_the_same_convention_asks_nothing(as_admin):
    response = as_admin.post(
        reverse("assignment_settings"),
        {"group_auto_provisioning": "per_app", "username_convention": "email"},
    )
    assert response["Location"] == reverse("assignment_settings")
