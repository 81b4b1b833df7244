"""Sending recorded emails so that none is lost and none goes twice: a worker claims the
rows it sends (queued -> sending, with a lease), marks them sent, or puts them back with the
time of their next attempt. The sweep sends what is due again and takes back the rows of a
dead worker. A message handed to the broker is only a wake-up call: the row is the truth."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import connection as db
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_scopes import scopes_disabled

from .models import Email

logger = logging.getLogger("notifications")
LEASE = timedelta(minutes=2)
FRESH = timedelta(seconds=30)  # its own message will send it: the sweep leaves it alone
SWEEP_BATCH = 500


def claim(email_ids):
    """The due, queued ones among these, marked as being sent by us (one statement)."""
    now = timezone.now()
    with scopes_disabled():
        due = Email.objects.filter(
            pk__in=email_ids, state=Email.State.QUEUED, next_attempt_at__lte=now
        )
        if db.vendor == "postgresql":
            ids = list(due.values_list("pk", flat=True))
            table = db.ops.quote_name(Email._meta.db_table)
            with db.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET state = %s, lease_until = %s "
                    "WHERE id = ANY(%s) AND state = %s RETURNING id",
                    [Email.State.SENDING, now + LEASE, ids, Email.State.QUEUED],
                )
                claimed = [row[0] for row in cursor.fetchall()]
        else:  # SQLite: one writer at a time; select then update in one transaction
            with transaction.atomic():
                claimed = list(due.values_list("pk", flat=True))
                Email.objects.filter(pk__in=claimed).update(
                    state=Email.State.SENDING, lease_until=now + LEASE
                )
        return list(Email.objects.filter(pk__in=claimed).order_by("created_at"))


def send(email_ids):
    """Sends the claimable ones over one connection; the rest are another worker's."""
    emails = claim(email_ids)
    if not emails:
        return 0
    sent = []
    try:
        with mailers.default as connection:
            for email in emails:
                connection.send_messages([as_message(email)])
                sent.append(email)
    except OSError as error:  # smtplib's errors are OSErrors too
        logger.warning("Sending email failed: %s", error)
        put_back(emails[len(sent) :], str(error))
    mark_sent(sent)
    return len(sent)


def put_back(emails, error):
    """Not sent now: due again after a backoff, or failed after EMAIL_MAX_ATTEMPTS."""
    now = timezone.now()
    with scopes_disabled():
        for email in emails:
            attempts = email.attempts + 1
            failed = attempts >= settings.EMAIL_MAX_ATTEMPTS
            Email.objects.filter(pk=email.pk).update(
                attempts=attempts,
                last_error=error[:500],
                lease_until=None,
                state=Email.State.FAILED if failed else Email.State.QUEUED,
                next_attempt_at=now + timedelta(seconds=min(3600, 30 * 2**attempts)),
            )


def mark_sent(emails):
    """Sent: the body (it may hold an activation link) is not kept."""
    with scopes_disabled():
        Email.objects.filter(pk__in=[email.pk for email in emails]).update(
            state=Email.State.SENT,
            sent_at=timezone.now(),
            attempts=F("attempts") + 1,
            body="",
            html_body="",
            last_error="",
            lease_until=None,
        )


def as_message(email):
    from .backends import ORGANIZATION_ATTRIBUTE

    message = EmailMultiAlternatives(
        subject=email.subject, body=email.body, to=[a.strip() for a in email.to.split(",")]
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    # The outbox of the local demo shows a message only to its organization's admins. An
    # attribute, not a header: SMTP backends ignore it, so it is never sent.
    setattr(message, ORGANIZATION_ATTRIBUTE, email.organization_id)
    return message


def sweep():
    """Takes back rows a dead worker was sending; returns the ids due now (not fresh: their
    own message is on its way) for the caller to hand to the worker."""
    now = timezone.now()
    with scopes_disabled():
        Email.objects.filter(state=Email.State.SENDING, lease_until__lt=now).update(
            state=Email.State.QUEUED, lease_until=None
        )
        due = Email.objects.filter(
            state=Email.State.QUEUED, next_attempt_at__lte=now, created_at__lt=now - FRESH
        )
        return [
            str(pk) for pk in due.order_by("next_attempt_at").values_list("pk", flat=True)[:5000]
        ]
