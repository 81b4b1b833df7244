"""Security headers: nothing a signed-in person sees (a revealed password least of all) is
kept by a browser or proxy cache; a Content Security Policy allows scripts and styles from our
own static files only; in production (an https SITE_URL) HTTPS is enforced with HSTS and
`manage.py check --deploy` has nothing to say."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.urls import reverse

from provisioning.models import AppAccount
from provisioning.status import Status

from .conftest import add_app

NEVER_CACHE = {"no-store", "no-cache", "must-revalidate", "private", "max-age=0"}


def cache_directives(response):
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def assert_not_stored(response):
    assert NEVER_CACHE <= cache_directives(response), response.get("Cache-Control")
    assert response["Pragma"] == "no-cache"
    assert "Expires" in response


def csp(response):
    """The enforced policy as {directive: [values]}."""
    header = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


# --- no-store ------------------------------------------------------------------------------


@pytest.fixture
def waiting_password(testco, member):
    app = add_app(testco, name="Wiki")
    return AppAccount.objects.create(
        organization=testco,
        app=app,
        user=member,
        username="bob",
        email=member.email,
        status=Status.CREATED,
        secrets={"temporary_password": "Tmp-9f2c-Quartz"},
    )


def test_the_revealed_password_is_not_kept_by_any_cache(as_member, waiting_password):
    url = reverse("reveal_password", kwargs={"account_id": waiting_password.pk})
    response = as_member.post(url)
    assert "Tmp-9f2c-Quartz" in response.content.decode()
    assert_not_stored(response)


@pytest.mark.parametrize("name", ["dashboard", "people", "group_list", "manage_apps", "settings"])
def test_every_signed_in_page_is_no_store(as_admin, name):
    response = as_admin.get(reverse(name))
    assert response.status_code == 200
    assert_not_stored(response)


def test_members_pages_htmx_parts_and_redirects_are_no_store_too(as_member, as_admin):
    assert_not_stored(as_member.get(reverse("my_apps")))
    assert_not_stored(
        as_admin.get(
            reverse("people"),
            {"q": "a"},
            headers={"HX-Request": "true", "HX-Target": "people-results"},
        )
    )
    not_allowed = as_member.get(reverse("people"))  # a member on an admin page
    assert not_allowed.status_code in (302, 403, 404)
    assert_not_stored(not_allowed)


def test_pages_that_carry_tokens_are_no_store_for_anyone(client):
    for url in (
        reverse("login"),
        reverse("password_reset"),
        reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "set-password"}),
        reverse("activate", kwargs={"token": "not-a-real-token"}),
        reverse("resend_activation"),
    ):
        assert_not_stored(client.get(url))


def test_what_is_nobodys_own_stays_cacheable(client):
    # Anonymous answers that carry no token (here: the way to the sign-in page) are not
    # marked: the middleware aims at people's own pages, not at everything.
    response = client.get(reverse("people"))
    assert response.status_code == 302
    assert "no-store" not in cache_directives(response)


# --- Content Security Policy ---------------------------------------------------------------


@pytest.mark.parametrize("signed_in", [False, True])
def test_pages_carry_a_strict_content_security_policy(client, as_admin, signed_in):
    response = (as_admin if signed_in else client).get(
        reverse("dashboard" if signed_in else "login")
    )
    policy = csp(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "a style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an on*= event handler"),
    (re.compile(r"\bhx-on[:-]", re.I), "an hx-on handler (eval)"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def test_no_template_has_what_the_policy_would_block():
    found = []
    for path in sorted(Path(settings.BASE_DIR, "templates").rglob("*.html")):
        text = path.read_text()
        for pattern, what in INLINE:
            found += [f"{path.name}: {what}" for _ in pattern.finditer(text)]
    assert found == []


def test_htmx_is_told_not_to_inject_its_indicator_style(as_admin):
    page = as_admin.get(reverse("dashboard")).content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page).group(1)
    assert json.loads(config)["includeIndicatorStyles"] is False
    css = Path(settings.BASE_DIR, "static", "css", "console.css").read_text()
    assert ".htmx-request .htmx-indicator" in css


# --- HTTPS in production -------------------------------------------------------------------


def production_env(**extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SECURE_", "SESSION_", "CSRF_"))
        and k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "CREDENTIAL_KEYS",
            "SITE_URL",
            "ALLOWED_HOSTS",
            "DJANGO_ALLOW_ASYNC_UNSAFE",  # the browser tests set it for their live server
        }
    }
    return (
        env
        | {
            "DJANGO_SETTINGS_MODULE": "bitium.settings",
            "READ_DOT_ENV": "false",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "CREDENTIAL_KEYS": Fernet.generate_key().decode(),
            "SITE_URL": "https://console.example",
            "ALLOWED_HOSTS": "console.example",
        }
        | extra
    )


def run(args, **env):
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=production_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_an_https_site_url():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "security.W" not in result.stdout + result.stderr


def test_check_deploy_names_what_an_http_site_url_leaves_off():
    result = run(["manage.py", "check", "--deploy"], SITE_URL="http://localhost:8000")
    for warning in ("W004", "W008", "W012", "W016"):
        assert f"security.{warning}" in result.stderr


# Requests against the production settings, in a process of their own (settings are read
# once). None of these requests reaches the database.
PROBE = """
import json, django
django.setup()
from django.test import Client, override_settings
# No collectstatic here: static files from the finders, as in the test settings.
override_settings(
    STORAGES={"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
).enable()
c = Client(HTTP_HOST="console.example")
plain = c.get("/sign-in/")
secure = c.get("/sign-in/", secure=True)
proxied = c.get("/sign-in/", headers={"X-Forwarded-Proto": "https"})
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "hsts": secure.get("Strict-Transport-Security"),
    "secure_status": secure.status_code,
    "csrf_cookie_secure": bool(secure.cookies["csrftoken"]["secure"]),
    "proxied": proxied.status_code,
}))
"""


def probe(**env):
    result = run(["-c", PROBE], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_redirects_to_https_and_sends_hsts():
    seen = probe()
    assert seen["plain"] == [301, "https://console.example/sign-in/"]
    assert seen["secure_status"] == 200
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert seen["csrf_cookie_secure"] is True
    assert seen["proxied"] == 301  # no proxy configured: the header is not trusted


def test_behind_a_proxy_its_header_says_https():
    seen = probe(SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto", SECURE_HSTS_SECONDS="300")
    assert seen["proxied"] == 200
    assert seen["hsts"] == "max-age=300; includeSubDomains; preload"


def test_the_http_demo_has_no_https_enforcement(client):
    assert settings.SITE_URL.startswith("http://")
    assert not settings.SECURE_SSL_REDIRECT and not settings.SESSION_COOKIE_SECURE
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response
