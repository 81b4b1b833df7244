from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from notifications.backends import OutboxBackend
from notifications.models import OutboxEmail

OUTBOX = {"default": {"BACKEND": "notifications.backends.OutboxBackend"}}


def test_outbox_backend_keeps_messages_with_their_html():
    message = EmailMultiAlternatives("Hello", "plain body", to=["a@testco.example"])
    message.attach_alternative("<p>html body</p>", "text/html")
    assert OutboxBackend().send_messages([message]) == 1
    kept = OutboxEmail.objects.get()
    assert (kept.to, kept.body, kept.html_body) == (
        "a@testco.example",
        "plain body",
        "<p>html body</p>",
    )


def test_outbox_page_shows_mail_only_in_the_local_demo(as_admin, testco, settings):
    # The outbox is for the organization's admins (tests/test_outbox_access.py).
    OutboxEmail.objects.create(
        organization_id=testco.pk, to="a@testco.example", subject="Your link", body="http://x/y"
    )
    settings.MAILERS = OUTBOX
    settings.DEBUG = False
    assert as_admin.get(reverse("outbox")).status_code == 404
    settings.DEBUG = True
    page = as_admin.get(reverse("outbox")).content.decode()
    assert "Your link" in page
    email_id = OutboxEmail.objects.get().pk
    detail = as_admin.get(reverse("outbox_email", kwargs={"email_id": email_id}))
    assert 'href="http://x/y"' in detail.content.decode()


def test_outbox_page_is_off_when_mail_really_goes_out(client, settings):
    settings.DEBUG = True
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend"}}
    assert client.get(reverse("outbox")).status_code == 404
