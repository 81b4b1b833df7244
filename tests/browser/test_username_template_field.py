"""The username template field shows only when the convention is "A template of your own"
(App Settings and Assignment Settings), by CSS alone: no JavaScript needed."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, add_app, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("javascript", [True, False])
def test_the_template_field_follows_the_convention(browser, live_server, javascript):
    from accounts.models import Organization, User

    org = Organization.objects.create(name="TestCo")
    make_user(org, "admin@testco.example", User.Role.ADMIN, "Alice", "Admin")
    app = add_app(org, name="Team Wiki")
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Email").fill("admin@testco.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    for path in (f"/apps/{app.pk}/settings/", "/groups/assignment-settings/"):
        page.goto(f"{live_server.url}{path}")
        template = page.locator("input[name=username_template]")
        expect(template).to_be_hidden()
        page.locator("select[name=username_convention]").select_option("template")
        expect(template).to_be_visible()
        page.locator("select[name=username_convention]").select_option("flast")
        expect(template).to_be_hidden()
    context.close()
