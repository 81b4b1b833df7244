"""Periodic work (Celery beat): the sweep that makes the job rows the truth, and the
refresh that turns accounts Active when their vendor reports a first sign-in."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from . import background, welcome
from .connectors.errors import ConnectorError
from .models import AppAccount, Connection, Job
from .services import connector_for, enqueue, record_first_sign_in, send_task
from .status import Status

logger = logging.getLogger("provisioning.upkeep")


def sweep():
    """Re-enqueues due jobs whose message may be lost, and reclaims jobs of dead workers.

    The job rows are the truth: with the broker emptied, this alone finishes the work.
    """
    now = timezone.now()
    Job.objects.filter(
        Q(lease_until__lt=now) | Q(lease_until__isnull=True), state=Job.State.RUNNING
    ).update(state=Job.State.QUEUED, lease_until=None, enqueued_at=None)
    stale = now - timedelta(seconds=settings.JOB_REQUEUE_SECONDS)
    due = Job.objects.filter(state=Job.State.QUEUED, not_before__lte=now).exclude(
        enqueued_at__gt=stale
    )
    Job.objects.filter(
        state=Job.State.HELD, app__connection__state=Connection.State.CONNECTED
    ).update(state=Job.State.QUEUED, not_before=now, enqueued_at=None)
    by_organization = {}
    for job_id, organization_id in due.values_list("pk", "organization_id")[:5000]:
        by_organization.setdefault(organization_id, []).append(job_id)
    for organization_id, job_ids in by_organization.items():
        Job.objects.filter(pk__in=job_ids).update(enqueued_at=now)
        enqueue(organization_id, job_ids)
    background.sweep()
    send_due_welcomes(now)
    return sum(len(ids) for ids in by_organization.values())


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
