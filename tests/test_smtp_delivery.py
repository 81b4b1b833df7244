"""One real SMTP round trip, through a server the test starts (aiosmtpd)."""

import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink

from notifications.tasks import send_email


class Inbox(Sink):
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_the_send_task_delivers_over_smtp(smtp_server, settings):
    inbox, port = smtp_server
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port},
        }
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    send_email(["nina@testco.example"], "Your apps", "plain body", "<p>html body</p>")
    (envelope,) = inbox.messages
    assert envelope.rcpt_tos == ["nina@testco.example"]
    content = envelope.content.decode()
    assert "Subject: Your apps" in content and "plain body" in content
    assert "<p>html body</p>" in content
