"""Takes the README's screenshots from a running `make run` (PORT=8000 unless set):
    .venv/bin/python scripts/screenshots.py
It walks Method 1 on the demo SCIM app, so run it on a fresh demo."""

import os
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = f"http://localhost:{os.environ.get('PORT', '8000')}"
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PASSWORD = os.environ.get("DEMO_ADMIN_PASSWORD") or (
    (ROOT / "var" / "demo-admin-password").read_text().strip()
)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

with sync_playwright() as playwright:
    browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    page.goto(f"{BASE}/sign-in/")
    page.get_by_label("Email").fill("admin@testco.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Manage Apps").click()
    page.get_by_text("Show").click()
    page.get_by_label("Auto-Provisioning").check()
    page.get_by_role("button", name="Apply").click()
    page.screenshot(path=OUT / "manage-apps.png")
    page.get_by_role("link", name="Demo SCIM app").click()
    page.get_by_role("link", name="Assign Users").click()
    page.get_by_label("Select Priya Raman").check()
    page.get_by_label("Select Aiko Tanaka").check()
    page.get_by_label("Select Emma Johansson").check()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=OUT / "assign-users.png")
    page.get_by_role("button", name="Done").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    page.screenshot(path=OUT / "dashboard.png")  # the seats queued, when they should be done
    time.sleep(4)
    page.goto(f"{BASE}/log/")
    page.get_by_text("Request and answer").first.click()
    page.screenshot(path=OUT / "provisioning-log.png")
    page.go_back()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Manage Apps").click()
    page.get_by_role("link", name="Demo SCIM app").click()
    page.get_by_role("navigation", name="Demo SCIM app").get_by_role("link", name="Users").click()
    page.screenshot(path=OUT / "users-tab.png")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Manage Apps").click()
    page.screenshot(path=OUT / "manage-apps.png")
    browser.close()
print(f"Screenshots in {OUT}")
