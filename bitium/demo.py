"""The demo organization that `make run` seeds: idempotent, it never removes or resets data."""

import os
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from accounts.models import Organization, User
from apps_catalog.models import CatalogApp, GroupApp, TenantApp
from groups.models import Group, Membership
from provisioning.connectors.base import NewAccount
from provisioning.connectors.scim import ScimConnector
from provisioning.models import Connection

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
DEMO_SCIM_APP = "Demo SCIM app"
# Accounts the demo SCIM app has before the console touches it: Priya's matches her email.
DEMO_VENDOR_ACCOUNTS = [
    ("Priya.Raman@testco.example", "Priya", "Raman"),
    ("contractor@agency.example", "Casey", "Contractor"),
    ("former.employee@testco.example", "Former", "Employee"),
]


def demo_scim_port():
    return int(os.environ.get("DEMO_SCIM_PORT") or int(os.environ.get("PORT") or 8000) + 1)


def demo_scim_url():
    return f"http://127.0.0.1:{demo_scim_port()}/v2"


def kept_secret(name, env_name=None):
    """The environment's value when set; otherwise one generated on the first run and kept."""
    if env_name and os.environ.get(env_name):
        return os.environ[env_name]
    path = settings.VAR_DIR / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return path.read_text().strip()


def demo_scim_token():
    return kept_secret("demo-scim-token")


def demo_admin_password():
    return kept_secret("demo-admin-password", "DEMO_ADMIN_PASSWORD")


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
        seed_demo_scim_app(organization)
    admin = people[ADMIN_EMAIL]
    return ADMIN_EMAIL, password, admin.check_password(password)


def seed_demo_scim_app(organization):
    """TestCo's local SCIM app (run_demo serves it), connected; its address follows PORT."""
    app, _ = TenantApp.objects.get_or_create(
        organization=organization,
        name=DEMO_SCIM_APP,
        defaults={"catalog_app": CatalogApp.objects.get(key="scim")},
    )
    connection, _ = Connection.objects.get_or_create(
        app=app, defaults={"organization": organization}
    )
    connection.credentials = {
        "base_url": demo_scim_url(),
        "auth": "bearer",
        "token": demo_scim_token(),
    }
    connection.state = Connection.State.CONNECTED
    connection.checked_at = timezone.now()
    connection.save()


def ensure_demo_vendor_accounts():
    """Gives the demo SCIM app its own few accounts (once), through its SCIM API."""
    scim = ScimConnector.build({"base_url": demo_scim_url(), "token": demo_scim_token()})
    for email, first, last in DEMO_VENDOR_ACCOUNTS:
        if scim.find_account(email=email) is None:
            scim.create_account(
                NewAccount(email=email, username=email.lower(), first_name=first, last_name=last)
            )
