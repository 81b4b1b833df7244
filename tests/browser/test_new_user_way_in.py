"""The new user's way in, by its visible labels: one email, activation, the temporary
password revealed once, My Apps, and Active in the admin's Users tab."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from provisioning.models import AppAccount
from provisioning.services import AccountRequest, connect, queue_jobs

from ..conftest import PASSWORD, SCIM_TOKEN, add_app, make_user, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_new_user_activates_and_opens_both_apps(
    page,
    live_server,
    sign_in,
    celery_worker,
    scim_server,
    another_scim_server,
    testco,
    admin,
    settings,
):
    settings.SITE_URL = live_server.url
    apps = []
    for name, passwords, server in (
        ("Wiki", "set", scim_server),
        ("Chat", "none", another_scim_server),
    ):
        app = add_app(testco, name=name)
        app.sign_in_url = f"{live_server.url}/my-apps/?opened={name}"
        app.save()
        assert connect(app, {"base_url": server.url, "token": SCIM_TOKEN, "passwords": passwords})[
            0
        ]
        apps.append(app)
    nina = make_user(testco, "nina@testco.example", first="Nina", last="New")
    nina.set_unusable_password()
    nina.save()
    mail.outbox.clear()
    for app in apps:
        queue_jobs(app, [AccountRequest(user=nina)], trigger="test")

    wait_for(lambda: len(mail.outbox) >= 1)
    wait_for(
        lambda: AppAccount.objects.filter(user=nina, welcomed_at__isnull=False).count() == 2,
        timeout=10,
    )
    assert len(mail.outbox) == 1
    link = re.search(r"(http://\S+/activate/\S+/)", mail.outbox[0].body).group(1)

    page.goto(link)
    page.get_by_label(re.compile(r"^New password\W*$")).fill("a long new passphrase")
    page.get_by_label("New password confirmation").fill("a long new passphrase")
    page.get_by_role("button", name="Set password and continue").click()
    expect(page.get_by_role("heading", name="My Apps")).to_be_visible()

    wiki_card = page.locator(".catalog-card", has_text="Wiki")
    wiki_card.get_by_role("button", name="Reveal temporary password").click()
    password = page.locator(".secret code").inner_text()
    assert len(password) == 16
    page.go_back()
    page.reload()
    expect(
        page.locator(".catalog-card", has_text="Wiki").get_by_role(
            "button", name="Reveal temporary password"
        )
    ).to_have_count(0)
    expect(page.locator(".catalog-card", has_text="Chat")).to_contain_text(
        "will email you to set your own password"
    )

    for name in ("Wiki", "Chat"):
        with page.context.expect_page() as opened:
            page.get_by_role("link", name=f"Open {name}").click()
        expect(opened.value).to_have_url(re.compile(f"opened={name}"))
        opened.value.close()

    page.context.clear_cookies()
    sign_in(admin.email, PASSWORD)
    for app in apps:
        page.goto(f"{live_server.url}/apps/{app.pk}/users/")
        row = page.locator("#app-accounts").get_by_role("row", name="Nina New")
        expect(row.locator(".badge")).to_have_text("Active")
