"""Periodic work (Celery beat): the sweep that makes the job rows the truth, and the
refresh that turns accounts Active when their vendor reports a first sign-in."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from . import background, digests, welcome
from .connectors.errors import ConnectorError
from .engine import ETA_HORIZON_SECONDS
from .models import AppAccount, Connection, Job
from .services import connector_for, enqueue, record_first_sign_in, send_task
from .status import Status

logger = logging.getLogger("provisioning.upkeep")


def sweep():
    """Re-enqueues queued jobs whose message may be lost, and reclaims jobs of dead workers.

    The job rows are the truth: with the broker emptied, this alone finishes the work. Jobs
    due within ETA_HORIZON_SECONDS are sent ahead, each due second as one message with that
    ETA: a job paced a minute out is there on time, not at the next sweep with the others
    that came due meanwhile (which the vendor would see as a burst).
    """
    now = timezone.now()
    Job.objects.filter(
        Q(lease_until__lt=now) | Q(lease_until__isnull=True), state=Job.State.RUNNING
    ).update(state=Job.State.QUEUED, lease_until=None, enqueued_at=None)
    Job.objects.filter(
        state=Job.State.HELD, app__connection__state=Connection.State.CONNECTED
    ).update(state=Job.State.QUEUED, not_before=now, enqueued_at=None)
    stale = now - timedelta(seconds=settings.JOB_REQUEUE_SECONDS)
    horizon = now + timedelta(seconds=ETA_HORIZON_SECONDS)
    due = Job.objects.filter(state=Job.State.QUEUED, not_before__lte=horizon).exclude(
        enqueued_at__gt=stale
    )
    messages = {}  # (organization, due second or None for now) -> job ids
    rows = due.order_by("not_before").values_list("pk", "organization_id", "not_before")
    for job_id, organization_id, not_before in rows[:5000]:
        eta = not_before.replace(microsecond=0) if not_before > now else None
        messages.setdefault((organization_id, eta), []).append(job_id)
    for (organization_id, eta), job_ids in messages.items():
        Job.objects.filter(pk__in=job_ids).update(enqueued_at=eta or now)
        enqueue(organization_id, job_ids, eta)
    background.sweep()
    send_due_welcomes(now)
    digests.send_failure_digests(now)
    return sum(len(ids) for ids in messages.values())


def send_due_welcomes(now):
    """Welcome emails whose message was lost: the accounts say they are due."""
    from .tasks import send_welcomes

    for organization_id, user_ids in welcome.due_welcomes(now).items():
        send_task(send_welcomes, (organization_id, user_ids))


def refresh_sign_ins():
    """Accounts the vendor reports as used (a first sign-in, an accepted invitation) become
    Active, as opening them from My Apps does. Celery beat runs it every few minutes."""
    from .connectors.registry import connector_class

    activated = 0
    waiting = AppAccount.objects.filter(
        status__in=[Status.CREATED, Status.INVITED], user__isnull=False
    ).exclude(remote_id="")
    app_ids = set(waiting.order_by().values_list("app_id", flat=True).distinct())
    connections = Connection.objects.filter(
        app_id__in=app_ids, state=Connection.State.CONNECTED
    ).select_related("app__catalog_app")
    for connection in connections:
        cls = connector_class(connection.app.catalog_app.connector_key)
        if cls is None or not cls.capabilities.reports_sign_in:
            continue
        accounts = {a.remote_id: a for a in waiting.filter(app_id=connection.app_id)}
        try:
            used = connector_for(connection.app, connection).signed_in(list(accounts))
        except ConnectorError as error:
            logger.warning("Could not read sign-ins of %s: %s", connection.app_id, error.message)
            continue
        for remote_id in used:
            account = accounts.get(remote_id)
            if account is None:
                continue
            record_first_sign_in(account, "The app reports the first sign-in.")
            activated += 1
    return activated


def reread_apps():
    """The scheduled reading of connected apps' accounts (Celery beat, daily by default):
    the kept reading Assign Users shows, and drift on the Users tab, stay near the truth
    without a visit reading the app."""
    from .models import AccountRead
    from .tasks import read_accounts

    due_before = timezone.now() - timedelta(seconds=settings.ACCOUNT_READ_INTERVAL_SECONDS)
    started = 0
    for connection in Connection.objects.filter(
        state=Connection.State.CONNECTED, app__archived_at__isnull=True
    ).select_related("app"):
        last = AccountRead.objects.filter(app=connection.app).first()
        if last is not None and last.started_at > due_before:
            continue
        run = AccountRead.objects.create(
            organization_id=connection.organization_id,
            app=connection.app,
            expected_count=(connection.server_info or {}).get("accounts"),
        )
        read_accounts.delay(str(connection.organization_id), run.pk)
        started += 1
    return started
