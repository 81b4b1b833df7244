import pytest
from django.urls import reverse

from apps_catalog.catalog import load_catalog
from apps_catalog.models import CatalogApp, TenantApp

REQUIRED = [
    "SCIM 2.0 app",
    "Salesforce",
    "Google Workspace",
    "Slack",
    "GitHub",
    "Zendesk",
    "Zoom",
    "HipChat",
    "Yammer",
    "Dropbox",
]


def test_catalog_lists_the_apps_the_brief_names_and_some_without_provisioning():
    names = set(CatalogApp.objects.values_list("name", flat=True))
    assert set(REQUIRED) <= names
    assert CatalogApp.objects.filter(connector_key="").count() >= 3
    assert CatalogApp.objects.get(key="hipchat").legacy


def test_loading_the_catalog_again_changes_nothing():
    before = CatalogApp.objects.count()
    assert load_catalog() == 0
    assert CatalogApp.objects.count() == before


def test_add_an_app_searches_the_catalog(as_admin):
    page = as_admin.get(reverse("add_an_app"), {"q": "sales"}).content.decode()
    assert "Salesforce" in page and "Dropbox" not in page
    partial = as_admin.get(
        reverse("add_an_app"),
        {"q": "drop"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="catalog-results",
    ).content.decode()
    assert "Dropbox" in partial and "<nav" not in partial
    assert "No app matches" in as_admin.get(reverse("add_an_app"), {"q": "zzzz"}).content.decode()


def test_admin_adds_the_same_catalog_app_twice_under_two_names(as_admin, testco):
    url = reverse("add_app_form", kwargs={"catalog_key": "salesforce"})
    assert 'value="Salesforce"' in as_admin.get(url).content.decode()
    as_admin.post(url, {"name": "Salesforce", "sign_in_url": ""})
    assert 'value="Salesforce 2"' in as_admin.get(url).content.decode()
    as_admin.post(url, {"name": "Salesforce EMEA", "sign_in_url": ""})
    apps = TenantApp.objects.filter(organization=testco, catalog_app__key="salesforce")
    assert sorted(apps.values_list("name", flat=True)) == ["Salesforce", "Salesforce EMEA"]
    page = as_admin.get(reverse("manage_apps")).content.decode()
    assert "Salesforce EMEA" in page


def test_two_apps_cannot_share_a_name_in_any_case(as_admin):
    url = reverse("add_app_form", kwargs={"catalog_key": "slack"})
    as_admin.post(url, {"name": "Slack"})
    response = as_admin.post(url, {"name": "SLACK"})
    assert response.status_code == 200
    assert "You already have an app with this name." in response.content.decode()


@pytest.mark.parametrize(
    "data, error",
    [
        ({"name": ""}, "This field is required."),
        ({"name": "x" * 300}, "Ensure this value has at most 100 characters"),
        ({"name": "Slack", "sign_in_url": "not a url"}, "Enter a valid URL."),
    ],
)
def test_bad_app_input_gets_form_errors(as_admin, data, error):
    response = as_admin.post(reverse("add_app_form", kwargs={"catalog_key": "slack"}), data)
    assert response.status_code == 200
    assert error in response.content.decode()


def test_unknown_catalog_key_is_404(as_admin):
    assert as_admin.get(reverse("add_app_form", kwargs={"catalog_key": "nope"})).status_code == 404


def test_auto_provisioning_column_is_blank_for_apps_without_support(as_admin, testco):
    TenantApp.objects.create(
        organization=testco, catalog_app=CatalogApp.objects.get(key="dropbox"), name="Dropbox"
    )
    TenantApp.objects.create(
        organization=testco, catalog_app=CatalogApp.objects.get(key="slack"), name="Slack"
    )
    as_admin.post(reverse("manage_apps_columns"), {"columns": ["auto_provisioning"]})
    page = as_admin.get(reverse("manage_apps")).content.decode()
    dropbox_row = page[page.index(">Dropbox<") :].split("</tr>")[0]
    slack_row = page[page.index(">Slack<") :].split("</tr>")[0]
    assert "Not connected" in slack_row
    assert "badge" not in dropbox_row


def test_admin_renames_and_removes_an_app(as_admin, testco):
    app = TenantApp.objects.create(
        organization=testco, catalog_app=CatalogApp.objects.get(key="zoom"), name="Zoom"
    )
    as_admin.post(
        reverse("app_settings", kwargs={"app_id": app.pk}),
        {"name": "Zoom Sales", "sign_in_url": "https://zoom.us/signin"},
    )
    app.refresh_from_db()
    assert app.name == "Zoom Sales"
    page = as_admin.get(reverse("app_remove", kwargs={"app_id": app.pk}), follow=True)
    assert "Remove “Zoom Sales”?" in page.content.decode()
    as_admin.post(reverse("plan_remove_app", kwargs={"app_id": app.pk}), {"leaving": "leave"})
    app.refresh_from_db()
    assert app.archived_at is not None and app.name.startswith("Zoom Sales (removed ")
    listing = as_admin.get(reverse("manage_apps")).content.decode()
    assert "Removed apps (1)" in listing and ">Zoom Sales<" not in listing
    assert as_admin.get(reverse("app_users", kwargs={"app_id": app.pk})).status_code == 200
