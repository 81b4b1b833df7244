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
