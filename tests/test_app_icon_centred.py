"""Manage Apps: an app's initials sit in the middle of its tile. The table's name cell lays
its spans out as a column; the icon, a span too, keeps its centring grid."""

from pathlib import Path

from django.conf import settings
from django.urls import reverse

from .conftest import add_app

CSS = (Path(settings.BASE_DIR) / "static" / "css" / "console.css").read_text()


def test_the_icon_keeps_its_grid_inside_the_name_cell():
    assert ".app-cell span { display: flex; flex-direction: column; }" in CSS
    column = CSS.index(".app-cell span {")
    icon = CSS.index(".app-cell .app-icon { display: inline-grid; }")
    assert icon > column  # the later, more specific rule wins


def test_manage_apps_draws_the_icon_in_the_name_cell(as_admin, testco):
    add_app(testco, name="Team Wiki")
    page = as_admin.get(reverse("manage_apps")).content.decode()
    cell = page[page.index('class="app-cell"') :]
    assert cell.index('class="app-icon"') < cell.index("Team Wiki")
