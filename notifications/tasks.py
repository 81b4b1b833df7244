from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
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
        message = EmailMultiAlternatives(
            subject=email.subject, body=email.body, to=[a.strip() for a in email.to.split(",")]
        )
        if email.html_body:
            message.attach_alternative(email.html_body, "text/html")
        try:
            message.send()
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
        # Sent: the body (it may hold an activation link) is not kept.
        Email.objects.filter(pk=email.pk).update(
            state=Email.State.SENT,
            sent_at=timezone.now(),
            attempts=email.attempts + 1,
            body="",
            html_body="",
            last_error="",
        )
