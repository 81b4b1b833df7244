"""Provisioning as the rest of the console sees it: queue work, connect apps, retry."""

import json
import logging
import math
import threading
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .bulk import insert_rows
from .connectors.errors import ConnectorError
from .connectors.http import redact
from .connectors.registry import connector_class
from .models import AccountEvent, AppAccount, Connection, Job
from .status import Status, check_transition

logger = logging.getLogger("provisioning")

TRIGGER_LENGTH = 200  # Job.trigger: a group's or an app's name is in it


@dataclass
class AccountRequest:
    """One person to provision into one app, as the admin confirmed it."""

    user: object
    action: str = Job.Action.CREATE
    username: str = ""
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    set_password: bool = True
    lookup_first: bool = False  # an account with this email may exist already: link it


def move(
    account,
    to_status,
    *,
    job=None,
    actor=None,
    message="",
    detail=None,
    save=True,
    action="",
    outcome=AccountEvent.Outcome.NOTED,
):
    """The one place an app account changes status; each change is an event. Its action is
    the job's unless given; results.record sets the outcome of the engine's events."""
    check_transition(account.status, to_status)
    event = AccountEvent(
        organization_id=account.organization_id,
        account=account,
        app_id=account.app_id,
        job=job,
        action=action or (job.action if job is not None else ""),
        outcome=outcome,
        who=AccountEvent.who_of(account),
        from_status=account.status,
        to_status=to_status,
        actor_id=getattr(actor, "pk", actor),  # a user or a user's id
        message=message,
        detail=detail or {},
    )
    account.status = to_status
    if save:
        account.save(update_fields=["status", "last_error", "updated_at"])
        event.save()
    return event


def record_first_sign_in(account, message, actor=None):
    """A created or invited account is used for the first time: it becomes Active."""
    with transaction.atomic():
        event = move(
            account,
            Status.ACTIVE,
            actor=actor,
            message=message,
            save=False,
            action=AccountEvent.Action.SIGN_IN,
        )
        account.first_sign_in_at = timezone.now()
        account.save(update_fields=["status", "first_sign_in_at", "updated_at"])
        event.save()


_connectors = threading.local()


def connector_for(app, connection=None):
    """The app's connector on its stored credentials, kept per worker thread so its HTTP
    session (and the vendor's keep-alive connection) serves the app's next jobs too."""
    connection = connection or app.connection
    cls = connector_class(app.catalog_app.connector_key)
    # Keyed by what the connector is made of: new credentials make a new connector.
    made_of = [connection.credentials, connection.server_info]
    key = (connection.pk, cls, json.dumps(made_of, sort_keys=True))
    cache = _connectors.__dict__.setdefault("by_connection", {})
    if key not in cache:
        if len(cache) > 50:  # old credentials' connectors
            cache.clear()
        cache[key] = cls.build(connection.credentials, server_info=connection.server_info)
    return cache[key]


def get_connection(app):
    connection, _ = Connection.objects.get_or_create(
        app=app, defaults={"organization_id": app.organization_id}
    )
    return connection


def connect(app, credentials):
    """Tests the credentials at once and saves them only when they work.

    Returns (ok, message). A failure's message says what to fix; nothing is saved then.
    """
    cls = connector_class(app.catalog_app.connector_key)
    if cls is None:
        return False, f"{app.catalog_app.name} does not support auto-provisioning."
    try:
        server_info = cls.build(credentials).test_connection()
    except ConnectorError as error:
        return False, redact(error.message, cls.secret_values(credentials))
    with transaction.atomic():
        connection = get_connection(app)
        connection.credentials = credentials
        connection.state = Connection.State.CONNECTED
        connection.state_message = ""
        connection.checked_at = timezone.now()
        connection.server_info = server_info
        connection.save()
        resume_held_jobs(app)
    return True, "Connected."


def resume_held_jobs(app):
    """Jobs that waited for working credentials go back to the queue."""
    held = list(Job.objects.filter(app=app, state=Job.State.HELD).values_list("pk", flat=True))
    if held:
        now = timezone.now()
        Job.objects.filter(pk__in=held).update(
            state=Job.State.QUEUED, not_before=now, last_error="", enqueued_at=now
        )
        enqueue_on_commit(app.organization_id, held)
    return len(held)


@transaction.atomic
def queue_jobs(app, requests, *, trigger, requested_by=None):
    """Writes the accounts and jobs for many people at once, in bulk, and enqueues the jobs
    when the transaction commits. People the console already provisions are left alone;
    a failed account is tried again."""
    by_user = {
        account.user_id: account
        for account in AppAccount.objects.filter(app=app, user_id__in=[r.user.pk for r in requests])
    }
    new_accounts, jobs = [], []
    now = timezone.now()
    retried_ids = set()
    for request in requests:
        account = by_user.get(request.user.pk)
        if account is None:
            account = AppAccount(
                organization_id=app.organization_id,
                app=app,
                user=request.user,
                email=request.email or request.user.email,
                username=request.username or request.email or request.user.email,
                first_name=request.first_name or request.user.first_name,
                last_name=request.last_name or request.user.last_name,
                origin=(
                    AppAccount.Origin.LINKED
                    if request.action == Job.Action.LINK
                    else AppAccount.Origin.CREATED
                ),
            )
            new_accounts.append(account)
        elif account.status in (Status.FAILED, Status.DEPROVISIONED):  # failed, or assigned again
            retried_ids.add(account.pk)
        else:
            continue
        jobs.append(
            Job(
                organization_id=app.organization_id,
                account=account,
                app=app,
                action=request.action,
                trigger=trigger[:TRIGGER_LENGTH],
                requested_by=requested_by,
                enqueued_at=now,  # its message goes when this commits
                options={
                    "set_password": request.set_password,
                    "lookup_first": request.lookup_first or account.pk in retried_ids,
                },
            )
        )
    insert_rows(AppAccount, new_accounts)
    insert_rows(Job, jobs)
    queued = []
    for job in jobs:
        if job.account.pk in retried_ids:
            job.account.last_error = ""
            move(
                job.account,
                Status.PENDING,
                job=job,
                actor=requested_by,
                message=f"Queued again: {job.get_action_display().lower()} ({trigger}).",
                outcome=AccountEvent.Outcome.QUEUED,
            )
            continue
        queued.append(
            AccountEvent(
                organization_id=app.organization_id,
                account=job.account,
                app_id=app.pk,
                job=job,
                action=job.action,
                outcome=AccountEvent.Outcome.QUEUED,
                who=AccountEvent.who_of(job.account),
                from_status="",
                to_status=Status.PENDING,
                actor=requested_by,
                message=f"Queued: {job.get_action_display().lower()} ({trigger}).",
            )
        )
    insert_rows(AccountEvent, queued)
    enqueue_on_commit(app.organization_id, [job.pk for job in jobs])
    return jobs


def retry_account(account, by):
    """The admin's Retry on a failed account: a new job that first looks the account up."""
    if account.user is None:
        raise ValueError("Only accounts of people in the console can be retried.")
    request = AccountRequest(user=account.user, action=Job.Action.CREATE)
    return queue_jobs(account.app, [request], trigger="retry", requested_by=by)


def chunk_size(count):
    """At most JOBS_PER_MESSAGE jobs a message, in a number of messages that is a multiple of
    the worker threads: a batch ends with every thread busy, not with a last few chunks."""
    threads = settings.WORKER_THREADS
    rounds = math.ceil(count / (threads * settings.JOBS_PER_MESSAGE))
    return max(1, math.ceil(count / (threads * max(rounds, 1))))


def enqueue_on_commit(organization_id, job_ids, eta=None):
    """Tasks are sent once the rows they name are committed (at once outside a transaction)."""
    if job_ids:
        transaction.on_commit(lambda: enqueue(organization_id, job_ids, eta))


def enqueue(organization_id, job_ids, eta=None):
    """A batch is cut into chunks, one message each, that keep every worker thread busy.
    The caller sets the jobs' enqueued_at in the write that queues them (an UPDATE after the
    messages would hold the rows the first worker threads try to claim)."""
    from .tasks import run_jobs

    size = chunk_size(len(job_ids))
    for start in range(0, len(job_ids), size):
        chunk = [str(job_id) for job_id in job_ids[start : start + size]]
        if not send_task(run_jobs, (str(organization_id), chunk), eta=eta):
            # Not sent: the sweep sends them at its next pass (enqueued_at says not sent).
            Job.objects.filter(pk__in=chunk, state=Job.State.QUEUED).update(enqueued_at=None)


def send_task(task, args, **options):
    """Hands a task to the broker. A broker that is down loses nothing (the rows are the
    truth and the sweeps finish what is due); returns whether it was sent."""
    try:
        task.apply_async(args, **options)
        return True
    except Exception:  # kombu's OperationalError, redis' ConnectionError, ...
        logger.warning("Could not reach the broker for %s; the sweep will do it.", task.name)
        return False
