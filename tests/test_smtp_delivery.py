"""One real SMTP round trip, through a server the test starts (aiosmtpd)."""

import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from django.utils import timezone

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
    from notifications.models import Email

    email = Email.objects.create(
        to="nina@testco.example",
        subject="Your apps",
        body="plain body",
        html_body="<p>html body</p>",
    )
    send_email(str(email.pk))
    (envelope,) = inbox.messages
    assert envelope.rcpt_tos == ["nina@testco.example"]
    content = envelope.content.decode()
    assert "Subject: Your apps" in content and "plain body" in content
    assert "<p>html body</p>" in content
    email.refresh_from_db()
    assert email.state == "sent" and email.body == ""  # a link in it is not kept


def test_a_send_that_keeps_failing_is_shown_to_admins_who_can_retry_it(
    as_admin, as_other_admin, testco, member, smtp_server, settings, committed
):
    from django.urls import reverse

    from notifications.models import Email
    from notifications.services import queue_email

    settings.EMAIL_MAX_ATTEMPTS = 2
    with socket.socket() as probe:  # a port where no mail server listens
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": dead_port, "timeout": 2},
        }
    }
    queue_email(
        [member.email],
        "accounts/email/activation_subject.txt",
        "accounts/email/activation.txt",
        None,
        {"person": member, "organization": testco, "url": "http://x/activate/t/"},
        organization_id=testco.pk,
    )
    email = Email.objects.get()
    for _ in range(2):  # the worker's first delivery and, once due again, its retry
        Email.objects.update(next_attempt_at=timezone.now())
        send_email.apply((str(email.pk),), throw=False)
    email = Email.objects.get()
    assert (email.state, email.attempts) == ("failed", 2)
    page = as_admin.get(reverse("settings")).content.decode()
    assert "Emails that could not be sent" in page and member.email in page
    assert member.email not in as_other_admin.get(reverse("settings")).content.decode()

    inbox, port = smtp_server
    settings.MAILERS["default"]["OPTIONS"]["port"] = port
    with committed():
        as_admin.post(reverse("retry_email", kwargs={"email_id": email.pk}))
    email.refresh_from_db()
    assert email.state == "sent" and len(inbox.messages) == 1


def test_a_batch_goes_over_one_connection_and_what_fails_is_due_again_later(
    smtp_server, settings, monkeypatch
):
    from notifications import sending, tasks
    from notifications.models import Email

    inbox, port = smtp_server
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port},
        }
    }
    emails = [
        Email.objects.create(to=f"p{i}@testco.example", subject=f"Hello {i}", body="body")
        for i in range(3)
    ]
    tasks.send_emails([str(e.pk) for e in emails])
    assert sorted(m.rcpt_tos[0] for m in inbox.messages) == [e.to for e in emails]
    assert set(Email.objects.values_list("state", flat=True)) == {"sent"}

    # The server goes away mid-batch: the rest are due again after a backoff (the sweep).
    more = [
        Email.objects.create(to=f"q{i}@testco.example", subject=f"Again {i}", body="body")
        for i in range(3)
    ]
    real_send = sending.EmailMultiAlternatives
    sent = []

    def dropped_after_one(*args, **kwargs):
        if sent:
            raise ConnectionResetError("the server went away")
        sent.append(1)
        return real_send(*args, **kwargs)

    monkeypatch.setattr(sending, "EmailMultiAlternatives", dropped_after_one)
    tasks.send_emails([str(e.pk) for e in more])
    states = dict(Email.objects.filter(pk__in=[e.pk for e in more]).values_list("to", "state"))
    assert states == {
        "q0@testco.example": "sent",
        "q1@testco.example": "queued",
        "q2@testco.example": "queued",
    }
    waiting = Email.objects.filter(state="queued")
    assert all(e.next_attempt_at > timezone.now() for e in waiting)  # a backoff first
    assert sending.claim([str(e.pk) for e in waiting]) == []  # not before it is due
