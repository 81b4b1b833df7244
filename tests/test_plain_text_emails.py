"""Plain-text emails and subjects say what people typed, as typed: no HTML escaping
(`O'Brien`, not `O&#x27;Brien`). HTML bodies stay escaped."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from accounts.activation import send_new_link

from .conftest import make_user

NAME = "O'Brien <script>alert(1)</script>"
ORG = 'O\'Brien & "Sons" <b>'


@pytest.fixture
def obrien(testco):
    testco.name = ORG
    testco.save()
    return make_user(testco, "obrien@testco.example", first=NAME, last="O'Brien")


def html_of(message):
    (html,) = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    return html


def assert_literal_text_escaped_html(message):
    assert NAME in message.body and ORG in message.subject
    assert "&#x27;" not in message.body + message.subject
    assert "&lt;" not in message.body + message.subject
    assert "&amp;" not in message.subject
    html = html_of(message)
    assert NAME not in html and "<script>" not in html
    assert "O&#x27;Brien &lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_password_reset_email(client, obrien, committed):
    with committed():
        client.post(reverse("password_reset"), {"email": obrien.email})
    (message,) = mail.outbox
    assert_literal_text_escaped_html(message)


def test_activation_link_email(obrien, committed):
    with committed():
        send_new_link(obrien)
    (message,) = mail.outbox
    assert_literal_text_escaped_html(message)


def test_support_request_email(as_admin, admin, committed):
    admin.first_name = NAME
    admin.save()
    with committed():
        as_admin.post(
            reverse("request_auto_provisioning"),
            {"app_name": "Tom & Jerry's <CRM>", "app_url": "https://crm.example", "note": "<3"},
        )
    (message,) = mail.outbox
    assert "Tom & Jerry's <CRM>" in message.subject
    assert NAME in message.body and "<3" in message.body


def test_every_plain_text_email_template_turns_escaping_off():
    templates = sorted(Path(settings.BASE_DIR, "templates").glob("*/email/*.txt"))
    assert len(templates) >= 8
    for path in templates:
        text = path.read_text().rstrip("\n")
        assert text.startswith("{% autoescape off %}"), path
        assert text.endswith("{% endautoescape %}"), path
