"""The demo organization that `make run` seeds: idempotent, it never removes or resets data."""

import os
import secrets

from django.conf import settings
from django.db import transaction
from django_scopes import scope, scopes_disabled

from accounts.models import Organization, User
from apps_catalog.models import CatalogApp, GroupApp, TenantApp
from groups.models import Group, Membership

ADMIN_EMAIL = "admin@testco.example"
MEMBER_EMAIL = "member@testco.example"
PEOPLE = [
    ("Alex", "Admin", ADMIN_EMAIL, User.Role.ADMIN),
    ("Morgan", "Member", MEMBER_EMAIL, User.Role.MEMBER),
    ("José", "Ñúñez", "jose.nunez@testco.example", User.Role.MEMBER),
    ("Priya", "Raman", "priya.raman@testco.example", User.Role.MEMBER),
    ("Wei", "Chen", "wei.chen@testco.example", User.Role.MEMBER),
    ("Fatima", "Okafor", "fatima.okafor@testco.example", User.Role.MEMBER),
    ("Liam", "O'Brien", "liam.obrien@testco.example", User.Role.MEMBER),
    ("Sofia", "Rossi", "sofia.rossi@testco.example", User.Role.MEMBER),
    ("Noah", "Schmidt", "noah.schmidt@testco.example", User.Role.MEMBER),
    ("Aiko", "Tanaka", "aiko.tanaka@testco.example", User.Role.MEMBER),
    ("Mateo", "García", "mateo.garcia@testco.example", User.Role.MEMBER),
    ("Emma", "Johansson", "emma.johansson@testco.example", User.Role.ADMIN),
]
GROUPS = {
    "Sales": [MEMBER_EMAIL, "priya.raman@testco.example", "sofia.rossi@testco.example"],
    "Engineering": [
        "wei.chen@testco.example",
        "noah.schmidt@testco.example",
        "aiko.tanaka@testco.example",
    ],
    "Support": ["fatima.okafor@testco.example", "liam.obrien@testco.example"],
}
APPS = {"salesforce": ["Sales"], "slack": ["Sales", "Engineering", "Support"], "dropbox": []}


def demo_admin_password():
    """DEMO_ADMIN_PASSWORD when set; otherwise one generated on the first run and kept."""
    if os.environ.get("DEMO_ADMIN_PASSWORD"):
        return os.environ["DEMO_ADMIN_PASSWORD"]
    path = settings.VAR_DIR / "demo-admin-password"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return path.read_text().strip()


@transaction.atomic
def seed_demo():
    """Creates what is missing of TestCo; returns (admin email, password, password_works)."""
    password = demo_admin_password()
    with scopes_disabled():
        organization = Organization.objects.filter(name="TestCo").first()
        if organization is None:
            organization = Organization.objects.create(name="TestCo")
    with scope(organization=organization.pk):
        people = {}
        for first, last, email, role in PEOPLE:
            person = User.objects.filter(email__iexact=email).first()
            if person is None:
                person = User(
                    organization=organization,
                    email=email,
                    first_name=first,
                    last_name=last,
                    role=role,
                )
                if email == ADMIN_EMAIL:
                    person.set_password(password)
                else:
                    person.set_unusable_password()
                person.save()
            people[email] = person
        groups = {}
        for name, emails in GROUPS.items():
            group, created = Group.objects.get_or_create(organization=organization, name=name)
            groups[name] = group
            if created:
                Membership.objects.bulk_create(
                    Membership(organization=organization, group=group, user=people[e])
                    for e in emails
                )
        for key, group_names in APPS.items():
            catalog_app = CatalogApp.objects.get(key=key)
            app, created = TenantApp.objects.get_or_create(
                organization=organization,
                catalog_app=catalog_app,
                defaults={"name": catalog_app.name, "sign_in_url": catalog_app.sign_in_url},
            )
            if created:
                GroupApp.objects.bulk_create(
                    GroupApp(organization=organization, group=groups[g], app=app)
                    for g in group_names
                )
    admin = people[ADMIN_EMAIL]
    return ADMIN_EMAIL, password, admin.check_password(password)
