from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db.models import F
from django.utils import timezone
from django_scopes import scopes_disabled


@shared_task(bind=True, acks_late=True, ignore_result=True)
def send_email(self, email_id):
    """Sends one recorded message; an unreachable mail server is retried with backoff, and
    after EMAIL_MAX_ATTEMPTS the message is marked failed for an admin to retry."""
    from .models import Email

    with scopes_disabled():
        email = Email.objects.filter(pk=email_id, state=Email.State.QUEUED).first()
        if email is None:
            return
        try:
            with mailers.default as connection:
                connection.send_messages([as_message(email)])
        except OSError as error:  # smtplib's errors are OSErrors too
            attempts = email.attempts + 1
            failed = attempts >= settings.EMAIL_MAX_ATTEMPTS
            Email.objects.filter(pk=email.pk).update(
                attempts=attempts,
                last_error=str(error)[:500],
                state=Email.State.FAILED if failed else Email.State.QUEUED,
            )
            if not failed:
                raise self.retry(countdown=min(3600, 30 * 2**attempts)) from error
            return
        mark_sent([email])


@shared_task(acks_late=True, ignore_result=True)
def send_emails(email_ids):
    """Sends many recorded messages over one connection. A message that cannot go now is
    handed to send_email, which retries it on its own."""
    from .models import Email

    with scopes_disabled():
        queued = Email.objects.filter(pk__in=email_ids, state=Email.State.QUEUED)
        emails = list(queued.order_by("created_at"))
        sent = []
        try:
            with mailers.default as connection:
                for email in emails:
                    connection.send_messages([as_message(email)])
                    sent.append(email)
        except OSError:
            for email in emails[len(sent) :]:
                send_email.delay(str(email.pk))
        mark_sent(sent)


def as_message(email):
    message = EmailMultiAlternatives(
        subject=email.subject, body=email.body, to=[a.strip() for a in email.to.split(",")]
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    return message


def mark_sent(emails):
    """Sent: the body (it may hold an activation link) is not kept."""
    from .models import Email

    Email.objects.filter(pk__in=[email.pk for email in emails]).update(
        state=Email.State.SENT,
        sent_at=timezone.now(),
        attempts=F("attempts") + 1,
        body="",
        html_body="",
        last_error="",
    )
