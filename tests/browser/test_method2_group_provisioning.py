"""Method 2 by its visible labels: three real SCIM servers, a real Celery worker."""

import pytest
from playwright.sync_api import expect
from scim2_server.memory import InMemoryStorage

from apps_catalog.models import GroupApp
from groups.models import Group
from provisioning.connectors.base import NewAccount
from provisioning.connectors.scim import ScimConnector
from provisioning.models import AppAccount
from provisioning.scim_server import bearer_token_required, scim_application, serve_in_thread
from provisioning.services import connect

from ..conftest import PASSWORD, SCIM_TOKEN, add_app, wait_for, wait_until_settled

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def three_servers():
    started = []
    for _ in range(3):
        storage = InMemoryStorage()
        server, url = serve_in_thread(bearer_token_required(scim_application(storage), SCIM_TOKEN))
        started.append((server, url, storage))
    yield started
    for server, _, _ in started:
        server.shutdown()


def usernames(storage):
    return sorted(r.user_name for r in storage.resources)


def test_admin_follows_method_2(
    page, live_server, sign_in, celery_worker, three_servers, testco, admin
):
    sales = Group.objects.create(organization=testco, name="Sales")
    apps = []
    for name, (_, url, _) in zip(("CRM", "Chat", "Wiki"), three_servers, strict=True):
        app = add_app(testco, name=name)
        assert connect(app, {"base_url": url, "token": SCIM_TOKEN})[0]
        GroupApp.objects.create(organization=testco, group=sales, app=app)
        apps.append(app)
    # Dana already has an account in CRM, under another username.
    ScimConnector.build({"base_url": three_servers[0][1], "token": SCIM_TOKEN}).create_account(
        NewAccount(
            email="dana.doe@testco.example", username="ddoe-crm", first_name="Dana", last_name="Doe"
        )
    )

    sign_in(admin.email, PASSWORD)
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Assignment Settings").click()
    page.get_by_label("Set on a per app basis. By default, apps will not auto provision.").check()
    page.get_by_label("Default username configuration").select_option("first.last")
    page.get_by_role("button", name="Save Settings").click()
    expect(page.get_by_text("Assignment Settings saved.")).to_be_visible()

    for name in ("CRM", "Chat"):
        nav.get_by_role("link", name="Manage Apps").click()
        page.get_by_role("link", name=name, exact=True).click()
        page.get_by_role("navigation", name=name).get_by_role("link", name="Settings").click()
        page.get_by_text("Group Auto Provisioning", exact=True).last.click()
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("App settings saved.")).to_be_visible()

    nav.get_by_role("link", name="People").click()
    page.get_by_role("link", name="Add a person").click()
    page.get_by_label("First name").fill("Dana")
    page.get_by_label("Last name").fill("Doe")
    page.get_by_label("Email").fill("dana.doe@testco.example")
    page.get_by_label("Sales").check()
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_text("Dana Doe was added.")).to_be_visible()

    crm, chat, wiki = (storage for _, _, storage in three_servers)
    wait_for(
        lambda: (
            len(chat.resources) == 1
            and AppAccount.objects.filter(
                status__in=["created", "active"], user__email="dana.doe@testco.example"
            ).count()
            == 2
        )
    )
    assert usernames(crm) == ["ddoe-crm"]  # linked, not duplicated
    assert usernames(chat) == ["dana.doe"]  # created with the first.last convention
    assert usernames(wiki) == []  # its toggle is off
    nav.get_by_role("link", name="Manage Apps").click()
    page.get_by_role("link", name="CRM", exact=True).click()
    page.get_by_role("link", name="Users", exact=True).click()
    row = page.locator("#app-accounts").get_by_role("row", name="Dana Doe")
    expect(row.locator(".badge")).to_have_text("Active")
    expect(row.get_by_text("Linked existing")).to_be_visible()
    wait_until_settled()
