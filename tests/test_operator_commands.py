from django.core.management import call_command

from accounts.models import User


def test_createsuperuser_makes_a_staff_account_outside_any_organization(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long operator password")
    call_command("createsuperuser", "--noinput", "--email", "ops@bitium.example")
    ops = User.objects.get(email="ops@bitium.example")
    assert ops.is_superuser and ops.is_staff and ops.organization is None


def test_changepassword_finds_a_tenant_user_by_email(member, monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "another long password")
    call_command("changepassword", member.email)
    member.refresh_from_db()
    assert member.check_password("another long password")


def test_provision_creates_a_seat(
    scim_app, scim_server, member, django_capture_on_commit_callbacks
):
    from io import StringIO

    from provisioning.models import AppAccount

    out = StringIO()
    # Eager in tests: the job runs on commit, as the worker would run it.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("provision", member.email.upper(), "scim APP", stdout=out)
    assert "Queued job" in out.getvalue()
    assert AppAccount.objects.get(user=member).remote_id
    assert len(scim_server.storage.resources) == 1


def test_provision_explains_unknown_people_and_apps(scim_app, member):
    import pytest
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No person with the email"):
        call_command("provision", "nobody@x.example", "SCIM app")
    with pytest.raises(CommandError, match="has no app named 'Nope' \\(its apps: SCIM app\\)"):
        call_command("provision", member.email, "Nope")


def test_jobs_lists_with_filters(vendor_app, scim_app, member, admin):
    from io import StringIO

    from provisioning.services import AccountRequest, queue_jobs

    queue_jobs(vendor_app, [AccountRequest(user=member)], trigger="test")
    queue_jobs(scim_app, [AccountRequest(user=admin)], trigger="test")
    out = StringIO()
    call_command("jobs", "--app", "vendor scim", "--state", "queued", stdout=out)
    text = out.getvalue()
    assert member.email in text and admin.email not in text and "1 job." in text
    out = StringIO()
    call_command("jobs", "--state", "failed", stdout=out)
    assert "0 jobs." in out.getvalue()
