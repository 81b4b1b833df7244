"""App Settings names its section once ("Provisioning") and labels the toggle "Group Auto
Provisioning"; the username template sits in its own wrapper, shown by CSS only with the
convention "A template of your own"."""

from pathlib import Path

from django.conf import settings
from django.urls import reverse

from .conftest import add_app


def test_the_toggle_is_named_once(as_admin, testco):
    app = add_app(testco, name="Team Wiki")
    page = as_admin.get(reverse("app_settings", kwargs={"app_id": app.pk})).content.decode()
    assert "<h2>Provisioning</h2>" in page
    assert "<h2>Group Auto Provisioning</h2>" not in page
    assert page.count("Group Auto Provisioning") == 1  # the toggle's label


def test_the_template_field_is_wrapped_for_the_css(as_admin, testco):
    app = add_app(testco, name="Team Wiki")
    for url in (
        reverse("app_settings", kwargs={"app_id": app.pk}),
        reverse("assignment_settings"),
    ):
        page = as_admin.get(url).content.decode()
        wrapper = page[page.index('<div class="username-template-field">') :]
        assert wrapper.index('name="username_template"') < wrapper.index("</div>\n</div>")
    css = (Path(settings.BASE_DIR) / "static" / "css" / "console.css").read_text()
    assert 'option[value="template"]:checked)) .username-template-field { display: none; }' in css
