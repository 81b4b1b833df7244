"""Connect forms: a connector's sign-in methods are grouped in fieldsets with a legend and an
explanation (Salesforce: an access token, or a connected app and an admin's password); a JSON
key is pasted in a text area that never echoes it back; required fields are marked, visibly and
with `required`/`aria-required`."""

import re

from django.urls import reverse

from .conftest import add_app


def credentials_page(client, app, data=None):
    url = reverse("assign_users", kwargs={"app_id": app.pk}) + "?step=credentials"
    response = client.post(url, data) if data is not None else client.get(url)
    return response.content.decode()


def test_salesforce_groups_its_two_sign_in_methods(as_admin, testco):
    page = credentials_page(as_admin, add_app(testco, "salesforce", "Salesforce"))
    sets = re.findall(r'<fieldset class="field-group">(.*?)</fieldset>', page, re.S)
    assert len(sets) == 2
    assert "<legend>Sign in with an access token</legend>" in sets[0]
    assert 'name="access_token"' in sets[0] and 'name="instance_url"' in sets[0]
    assert (
        "<legend>Or sign in with a connected app and an admin&#x27;s password</legend>" in (sets[1])
    )
    for name in ("client_id", "client_secret", "username", "password"):
        assert f'name="{name}"' in sets[1]
    assert 'name="profile"' not in "".join(sets)  # asked whichever way they sign in


def test_required_fields_are_marked(as_admin, testco):
    page = credentials_page(as_admin, add_app(testco, "salesforce", "Salesforce"))
    profile = re.search(r'<input[^>]*name="profile"[^>]*>', page).group(0)
    assert "required" in profile and 'aria-required="true"' in profile
    label = page[page.index('<label for="id_profile">') :]
    assert label[: label.index("</label>")].endswith(
        '<span class="req" aria-hidden="true">*</span>'
    )
    token = re.search(r'<input[^>]*name="access_token"[^>]*>', page).group(0)
    assert "required" not in token  # one of two methods: neither is required alone
    assert "Fields marked" in page


def test_googles_json_key_is_a_text_area_never_echoed(as_admin, testco):
    app = add_app(testco, "google-workspace", "Google Workspace")
    page = credentials_page(as_admin, app)
    assert re.search(r'<textarea[^>]*name="service_account_key"', page)
    key = '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----secret"}'
    again = credentials_page(as_admin, app, {"service_account_key": key, "admin_email": ""})
    assert "This field is required." in again  # the admin is missing: the form comes back
    assert "BEGIN PRIVATE KEY" not in again and "service_account" not in again.split("<form")[1]
