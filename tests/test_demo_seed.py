from accounts.models import Organization, User
from apps_catalog.models import TenantApp
from bitium.demo import ADMIN_EMAIL, seed_demo
from groups.models import Group


def test_seed_builds_testco_and_running_it_again_keeps_data(monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "demo password 123")
    email, password, works = seed_demo()
    assert (email, password, works) == (ADMIN_EMAIL, "demo password 123", True)
    testco = Organization.objects.get(name="TestCo")
    assert User.objects.filter(organization=testco).count() >= 12
    assert User.objects.get(email=ADMIN_EMAIL).role == "admin"
    assert User.objects.filter(organization=testco, role="member").exists()
    assert Group.objects.filter(organization=testco).count() >= 3
    assert TenantApp.objects.filter(organization=testco).count() >= 3

    added = User.objects.create_user(
        "kept@testco.example", None, organization=testco, first_name="Kept", last_name="Person"
    )
    counts = (User.objects.count(), Group.objects.count(), TenantApp.objects.count())
    seed_demo()
    assert (User.objects.count(), Group.objects.count(), TenantApp.objects.count()) == counts
    assert User.objects.filter(pk=added.pk).exists()


def test_seed_reports_a_password_the_admin_changed(monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "demo password 123")
    seed_demo()
    admin = User.objects.get(email=ADMIN_EMAIL)
    admin.set_password("changed by the admin")
    admin.save()
    _, _, works = seed_demo()
    assert works is False
    admin.refresh_from_db()
    assert admin.check_password("changed by the admin")  # never reset behind their back
