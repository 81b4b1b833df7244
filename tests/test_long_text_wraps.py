"""Long emails, usernames and activation links wrap inside their cards instead of cutting a
column off or stretching the page: the cells that hold them carry the wrapping class, and the
stylesheet wraps them anywhere (the screenshots at 1280 px were checked by hand)."""

from pathlib import Path

from django.conf import settings
from django.urls import reverse

from notifications.models import OutboxEmail
from tests.conftest import add_app, make_user

CSS = (Path(settings.BASE_DIR) / "static" / "css" / "console.css").read_text()
LONG = "maximilian.alexander.von-hohenzollern-sigmaringen@subsidiary-engineering.testco.example"


def test_the_stylesheet_wraps_long_words():
    assert ".email-body { white-space: pre-wrap; overflow-wrap: anywhere;" in CSS
    assert ".table td.break, .table td .break { overflow-wrap: anywhere; }" in CSS
    assert ".table.fit { table-layout: fixed; }" in CSS


def test_assign_users_shares_the_width_and_wraps_the_person(as_admin, testco, scim_app):
    make_user(testco, LONG, first="Maximilian", last="Long")
    page = as_admin.get(reverse("assign_users", kwargs={"app_id": scim_app.pk}))
    text = page.content.decode()
    without = text[text.index("People without") : text.index("Accounts only in")]
    assert 'class="table compact fit"' in without
    assert '<td class="break"><label for="sel-' in without and LONG in without


def test_the_outbox_wraps_the_address_and_the_link(as_admin, testco, settings):
    settings.DEBUG = True  # the outbox is the local demo's
    settings.MAILERS = {"default": {"BACKEND": "notifications.backends.OutboxBackend"}}
    email = OutboxEmail.objects.create(
        organization_id=testco.pk, to=LONG, subject="Welcome", body="https://x.example/" + "a" * 300
    )
    listing = as_admin.get(reverse("outbox")).content.decode()
    assert '<small class="muted break">to ' + LONG in listing
    page = as_admin.get(reverse("outbox_email", kwargs={"email_id": email.pk})).content.decode()
    assert '<p class="muted break">To ' + LONG in page
    assert '<pre class="email-body">' in page


def test_the_users_tab_wraps_the_person(as_admin, testco, member):
    from provisioning.models import AppAccount

    app = add_app(testco, name="Team Wiki")
    AppAccount.objects.create(organization=testco, app=app, user=member, username=LONG)
    page = as_admin.get(reverse("app_users", kwargs={"app_id": app.pk})).content.decode()
    assert '<td class="break" data-label="User">Bob Member' in page
