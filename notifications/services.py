"""Email composition and sending. A leaf: imports no other app of ours."""

import logging

from django.db import transaction
from django.template import loader
from django.utils import timezone
from django_scopes import scopes_disabled

from .models import Email
from .tasks import send_email, send_emails

logger = logging.getLogger("notifications")


def queue_email(to, subject_template, text_template, html_template, context, organization_id=None):
    """Renders a message, records it, and hands it to the worker once the transaction
    commits; the worker retries while the mail server is unreachable."""
    (email,) = queue_emails(
        [(to, context)], subject_template, text_template, html_template, organization_id
    )
    return email


def queue_emails(messages, subject_template, text_template, html_template, organization_id=None):
    """The same templates for many people, given as (to, context) pairs: recorded in one
    insert and handed to one task, which sends them over one connection."""
    emails = []
    for to, context in messages:
        subject = "".join(loader.render_to_string(subject_template, context).splitlines())
        emails.append(
            Email(
                organization_id=organization_id,
                to=", ".join(to),
                subject=subject,
                body=loader.render_to_string(text_template, context),
                html_body=loader.render_to_string(html_template, context) if html_template else "",
            )
        )
    with scopes_disabled():
        Email.objects.bulk_create(emails)
    email_ids = [str(email.pk) for email in emails]
    if email_ids:
        transaction.on_commit(lambda: wake(send_emails, email_ids))
    return emails


def wake(task, *args):
    """Asks the worker to send now. A broker that is down loses nothing: the rows are due
    and the sweep sends them (notifications.tasks.sweep_emails)."""
    try:
        task.delay(*args)
    except Exception:  # kombu's OperationalError, redis' ConnectionError, ...
        logger.warning("Could not reach the broker; the sweep will send the emails.")


def retry_email(email):
    """An admin's Retry on a failed message."""
    Email.objects.filter(pk=email.pk, state=Email.State.FAILED).update(
        state=Email.State.QUEUED, attempts=0, last_error="", next_attempt_at=timezone.now()
    )
    transaction.on_commit(lambda: wake(send_email, str(email.pk)))
