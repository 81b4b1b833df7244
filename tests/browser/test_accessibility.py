"""axe-core (axe-playwright-python bundles it) over the console's main pages: no serious or
critical violation on any of them, for an admin, a member (My Apps) and a visitor (sign-in)."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from tests.conftest import PASSWORD, SCIM_TOKEN

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Axe()
SERIOUS = {"serious", "critical"}


def serious_violations(page):
    results = AXE.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


def report(found):
    return "\n".join(f"{path}:\n  " + "\n  ".join(violations) for path, violations in found.items())


@pytest.fixture
def demo(monkeypatch, scim_server):
    """The seeded TestCo, its demo SCIM app connected to a real SCIM server, with an account
    of the member (My Apps) and a long email (wrapping)."""
    from django_scopes import scopes_disabled

    from accounts.models import User
    from apps_catalog.models import TenantApp
    from bitium.demo import DEMO_SCIM_APP, MEMBER_EMAIL, seed_demo
    from groups.models import Group
    from provisioning.models import AppAccount, Connection

    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", PASSWORD)
    seed_demo()
    with scopes_disabled():
        app = TenantApp.objects.get(name=DEMO_SCIM_APP)
        Connection.objects.filter(app=app).update(
            credentials={"base_url": scim_server.url, "auth": "bearer", "token": SCIM_TOKEN}
        )
        member = User.objects.get(email=MEMBER_EMAIL)
        member.set_password(PASSWORD)
        member.save()
        AppAccount.objects.create(
            organization=app.organization,
            app=app,
            user=member,
            username="member",
            email=MEMBER_EMAIL,
            remote_id="r-1",
            status="created",
            secrets={"temporary_password": "Tmp-pass-123"},
        )
        group = Group.objects.filter(organization=app.organization).order_by("name").first()
        yield {"app": app, "member": member, "group": group}


def admin_pages(demo):
    app, member, group = demo["app"], demo["member"], demo["group"]
    with_app = {"app_id": app.pk}
    return [
        reverse("dashboard"),
        reverse("people"),
        reverse("person_edit", kwargs={"user_id": member.pk}),
        reverse("group_list"),
        reverse("group_detail", kwargs={"group_id": group.pk}),
        reverse("assignment_settings"),
        reverse("manage_apps"),
        reverse("add_an_app"),
        reverse("app_detail", kwargs=with_app),
        reverse("app_users", kwargs=with_app),
        reverse("app_settings", kwargs=with_app),
        reverse("assign_users", kwargs=with_app) + "?step=credentials",
        reverse("assign_users", kwargs=with_app),
        reverse("provisioning_log"),
        reverse("audit_log"),
        reverse("settings"),
    ]


def test_the_admins_pages_have_no_serious_violations(page, live_server, sign_in, demo):
    from bitium.demo import ADMIN_EMAIL

    sign_in(ADMIN_EMAIL, PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    found = {}
    for path in admin_pages(demo):
        page.goto(f"{live_server.url}{path}")
        if path.endswith("/assign/"):  # the reading of the app's accounts, then the matching
            page.get_by_text("People without an account").wait_for()
        if violations := serious_violations(page):
            found[path] = violations
    page.goto(f"{live_server.url}{reverse('manage_apps')}")
    page.locator("details.menu > summary").click()  # the Show menu, open
    if violations := serious_violations(page):
        found["manage apps, Show open"] = violations
    assert not found, report(found)


def test_my_apps_and_sign_in_have_no_serious_violations(page, live_server, sign_in, demo):
    page.goto(f"{live_server.url}{reverse('login')}")
    found = {"sign-in": serious_violations(page)}
    sign_in(demo["member"].email, PASSWORD)
    page.wait_for_url(f"{live_server.url}/**")
    page.goto(f"{live_server.url}{reverse('my_apps')}")
    found["my apps"] = serious_violations(page)
    found = {path: v for path, v in found.items() if v}
    assert not found, report(found)
