"""Import people by the visible labels: upload a CSV file, read the preview, Import; a real
Celery worker and a real SCIM server, and Method 2 provisions the imported people."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from scim2_server.memory import InMemoryStorage

from apps_catalog.models import GroupApp
from groups.models import Group
from provisioning.models import AppAccount
from provisioning.scim_server import bearer_token_required, scim_application, serve_in_thread
from provisioning.services import connect

from ..conftest import PASSWORD, SCIM_TOKEN, add_app, wait_for, wait_until_settled

pytestmark = pytest.mark.django_db(transaction=True)

FILE = (
    "name,email,groups,username\n"
    "José Ñúñez,jose.nunez@testco.example,Sales,\n"
    "Priya Raman,priya@testco.example,Sales; Support,praman\n"
    "Kim Lee,kim@testco.example,,\n"
)


def serious_violations(page):
    """axe-core's serious and critical findings on the page."""
    violations = Axe().run(page).response["violations"]
    return [v["id"] for v in violations if v["impact"] in ("serious", "critical")]


@pytest.fixture
def scim_server_in_thread():
    storage = InMemoryStorage()
    server, url = serve_in_thread(bearer_token_required(scim_application(storage), SCIM_TOKEN))
    yield url, storage
    server.shutdown()


def test_admin_imports_people_and_method_2_provisions_them(
    page, live_server, sign_in, celery_worker, scim_server_in_thread, testco, admin, tmp_path
):
    url, storage = scim_server_in_thread
    sales = Group.objects.create(organization=testco, name="Sales")
    Group.objects.create(organization=testco, name="Support")
    app = add_app(testco, name="CRM")
    assert connect(app, {"base_url": url, "token": SCIM_TOKEN})[0]
    app.group_auto_provisioning = True
    app.save()
    GroupApp.objects.create(organization=testco, group=sales, app=app)
    bad = tmp_path / "bad.csv"
    bad.write_text(FILE.replace("kim@testco.example", "kim@"), encoding="utf-8")
    good = tmp_path / "people.csv"
    good.write_text(FILE, encoding="utf-8")

    sign_in(admin.email, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    page.get_by_role("link", name="Import people").click()
    expect(page.get_by_role("link", name="Download the template")).to_be_visible()
    assert serious_violations(page) == []

    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_text("1 line has an error")).to_be_visible()
    expect(page.get_by_role("row", name="4")).to_contain_text("“kim@” is not an email address.")
    expect(page.get_by_role("button", name="Import")).to_have_count(0)
    assert serious_violations(page) == []

    page.get_by_role("link", name="Upload a corrected file").click()
    page.get_by_label("CSV file").set_input_files(str(good))
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("row", name="José Ñúñez")).to_contain_text("New")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Import").click()
    expect(
        page.get_by_text("Imported. 3 people added, 0 updated, 0 unchanged.").first
    ).to_be_visible()

    wait_for(
        lambda: AppAccount.objects.filter(app=app, status__in=["created", "active"]).count() == 2
    )
    assert sorted(r.user_name for r in storage.resources) == ["jose.nunez@testco.example", "praman"]
    page.get_by_role("link", name="Go to People").click()
    expect(page.get_by_role("link", name="Priya Raman")).to_be_visible()
    wait_until_settled()
