"""The admin signs in to the seeded demo and finds Dashboard, People, Groups and Manage Apps."""

import pytest
from playwright.sync_api import expect

from bitium.demo import ADMIN_EMAIL, seed_demo

pytestmark = pytest.mark.django_db(transaction=True)


def test_admin_tours_the_seeded_console(page, live_server, sign_in, monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "demo password 123")
    seed_demo()
    sign_in(ADMIN_EMAIL, "demo password 123")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")

    nav.get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", name="People")).to_be_visible()
    expect(page.get_by_role("cell", name="José Ñúñez")).to_be_visible()
    page.get_by_label("Search people").fill("priya")
    expect(page.get_by_role("cell", name="José Ñúñez")).to_have_count(0)
    expect(page.get_by_role("cell", name="Priya Raman")).to_be_visible()

    nav.get_by_role("link", name="Groups").click()
    expect(page.get_by_role("link", name="Engineering")).to_be_visible()

    nav.get_by_role("link", name="Manage Apps").click()
    expect(page.get_by_role("heading", name="Manage Apps")).to_be_visible()
    expect(page.get_by_role("link", name="Salesforce")).to_be_visible()
    page.get_by_role("link", name="Add an App").click()
    page.get_by_label("Search the catalog").fill("zoom")
    expect(page.get_by_role("heading", name="Dropbox")).to_have_count(0)
    page.get_by_role("link", name="Add Zoom").click()
    page.get_by_role("button", name="Add app").click()
    expect(page.get_by_text("Zoom was added.")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_phone_width_shows_the_menu_behind_a_toggle(page, live_server, sign_in, monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "demo password 123")
    seed_demo()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(ADMIN_EMAIL, "demo password 123")
    nav_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="People")
    expect(nav_link).to_be_hidden()
    page.get_by_text("☰ Menu").click()
    expect(nav_link).to_be_visible()
