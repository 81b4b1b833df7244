"""Celery tasks: thin wrappers over sending.py. Each message only says "send these now";
the Email rows are the truth (a lost message is made good by the sweep)."""

from celery import shared_task

from . import sending

BATCH = sending.SWEEP_BATCH


@shared_task(acks_late=True, ignore_result=True)
def send_email(email_id):
    return sending.send([email_id])


@shared_task(acks_late=True, ignore_result=True)
def send_emails(email_ids):
    return sending.send(email_ids)


@shared_task(ignore_result=True)
def sweep_emails():
    """Celery beat: emails due again (after a backoff, a lost message, a dead worker)."""
    due = sending.sweep()
    for start in range(0, len(due), BATCH):
        send_emails.delay(due[start : start + BATCH])
    return len(due)
