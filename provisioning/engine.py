"""Running one job: claim it, pace it, call the vendor, record what happened.

A job runs only after one conditional UPDATE claims it, so two deliveries of the same job
never both reach the vendor. Its attempt counter is committed before the vendor call, so
after a crash the next attempt knows to look the account up before creating it.
"""

import logging
import random
import secrets
import string
import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db import connection as db
from django.db.models import Q
from django.utils import timezone

from . import welcome
from .connectors.base import NewAccount
from .connectors.errors import (
    AlreadyExists,
    AuthenticationError,
    ConnectorError,
    PermanentError,
    TransientError,
)
from .models import AppAccount, Connection, Job
from .services import connector_for, enqueue, enqueue_on_commit, move
from .status import Status

logger = logging.getLogger("provisioning.engine")

# A job waits inline for its rate slot when it is this close; otherwise it is re-enqueued.
INLINE_WAIT_SECONDS = 2.0


def run_job(job_id):
    """Runs one job if it can be claimed now; returns what happened, for logs and tests."""
    outcome, job, connection, wait = claim(job_id)
    if outcome:
        return outcome
    time.sleep(wait)
    count_attempt(job)
    account = job.account
    try:
        connector = connector_for(job.app, connection)
        remote, origin, sent = perform(job, account, connector)
    except TransientError as error:
        return retry_later(job, connection, error.message, error.retry_after)
    except AuthenticationError as error:
        mark_broken(connection, error.message)
        hold(job, error.message)
        return "held"
    except ConnectorError as error:
        fail(job, error.message)
        return "failed"
    except Exception:  # a bug or a crash between the vendor's answer and our commit
        logger.exception("Job %s raised", job.pk)
        return retry_later(job, connection, "An unexpected error interrupted the job.", None)
    try:
        succeed(job, account, connector, remote, origin, sent)
    except IntegrityError:
        fail(job, "This app account already belongs to another person in the console.")
        return "failed"
    return "succeeded"


def claim(job_id):
    """Claims the job and takes its place in the app's rate budget.

    Returns (outcome if it stops here, job, connection, seconds to wait for its slot).
    """
    now = timezone.now()
    claimed = Job.objects.filter(
        pk=job_id, state=Job.State.QUEUED, not_before__lte=now + timedelta(seconds=1)
    ).update(
        state=Job.State.RUNNING, lease_until=now + timedelta(seconds=settings.JOB_LEASE_SECONDS)
    )
    if not claimed:
        return "not claimed", None, None, 0
    job = Job.objects.select_related("account", "app__catalog_app").get(pk=job_id)
    connection = Connection.objects.filter(app_id=job.app_id).first()
    if connection is None or connection.state != Connection.State.CONNECTED:
        hold(job, "Waiting for working credentials: open the app and enter them.")
        return "held", job, connection, 0
    wait = reserve_slot(connection, job)
    if wait > INLINE_WAIT_SECONDS:
        release(job, not_before=job.slot_at)
        return "paced", job, connection, 0
    return None, job, connection, wait


@transaction.atomic
def count_attempt(job):
    """Committed before the vendor call: after a crash, the next attempt looks up first."""
    job.attempts += 1
    Job.objects.filter(pk=job.pk).update(attempts=job.attempts, slot_at=None)
    job.slot_at = None
    if job.account.status != Status.PROVISIONING:
        move(job.account, Status.PROVISIONING, job=job, message=f"Attempt {job.attempts}.")


def perform(job, account, connector):
    """Calls the vendor. Returns (remote account, origin, what was sent: no secrets)."""
    lookup = {"email": account.email, "username": account.username}
    if job.action == Job.Action.LINK:
        remote = connector.find_account(**lookup)
        if remote is None:
            raise PermanentError(f"No account with {account.email} was found in the app.")
        return remote, AppAccount.Origin.LINKED, {"looked up": lookup}
    if job.attempts > 1:
        # An earlier attempt may have reached the vendor: never create the account twice.
        remote = connector.find_account(**lookup)
        if remote is not None:
            return remote, account.origin, {"looked up": lookup}
    elif job.options.get("lookup_first"):
        # The person may have an account already: link it. By email only: a username from
        # a convention may belong to somebody else.
        remote = connector.find_account(email=account.email)
        if remote is not None:
            return remote, AppAccount.Origin.LINKED, {"looked up": {"email": account.email}}
    password = None
    if job.options.get("set_password") and connector.capabilities.set_password:
        password = temporary_password()
    new_account = NewAccount(
        email=account.email,
        username=account.username,
        first_name=account.first_name,
        last_name=account.last_name,
        password=password,
    )
    sent = {
        "email": account.email,
        "username": account.username,
        "name": f"{account.first_name} {account.last_name}".strip(),
        "password": "[set]" if password else "[none]",
    }
    try:
        remote = connector.create_account(new_account)
    except AlreadyExists:
        remote = connector.find_account(**lookup)
        if remote is None:
            raise PermanentError(
                "The app says this account exists but could not find it by email or username."
            ) from None
        return remote, AppAccount.Origin.LINKED, sent | {"answer": "already exists: linked"}
    if password:
        account.secrets = {"temporary_password": password}
    return remote, AppAccount.Origin.CREATED, sent


@transaction.atomic
def succeed(job, account, connector, remote, origin, sent):
    if origin == AppAccount.Origin.LINKED or "looked up" in sent:
        # An account the console only discovered (nobody owned it) is absorbed into this one.
        AppAccount.objects.filter(
            app=job.app, remote_id=remote.remote_id, user__isnull=True
        ).exclude(pk=account.pk).delete()
    account.remote_id = remote.remote_id
    account.username = remote.username or account.username
    account.origin = origin
    account.last_error = ""
    if origin == AppAccount.Origin.LINKED:
        to_status, message = Status.ACTIVE, "Linked to the existing account."
    else:
        to_status = Status.INVITED if connector.capabilities.invites else Status.CREATED
        message = "Account created."
    event = move(
        account,
        to_status,
        job=job,
        actor=job.requested_by_id,
        message=message,
        save=False,
        detail={
            "sent": sent,
            "answer": {"remote_id": remote.remote_id, "username": remote.username},
        },
    )
    account.save(
        update_fields=[
            "remote_id",
            "username",
            "origin",
            "last_error",
            "secrets",
            "status",
            "updated_at",
        ]
    )
    event.save()
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.SUCCEEDED, finished_at=timezone.now(), last_error="", lease_until=None
    )
    if account.user_id and origin == AppAccount.Origin.CREATED:
        welcome.schedule(account)


def retry_later(job, connection, message, retry_after):
    if job.attempts >= settings.JOB_MAX_ATTEMPTS:
        fail(job, f"{message} Gave up after {job.attempts} attempts.")
        return "failed"
    delay = backoff(job.attempts, retry_after)
    not_before = timezone.now() + timedelta(seconds=delay)
    if retry_after:  # the whole app slows down, not just this job
        Connection.objects.filter(pk=connection.pk, next_slot_at__lt=not_before).update(
            next_slot_at=not_before
        )
    with transaction.atomic():
        account = job.account
        account.last_error = f"{message} Retrying at {not_before:%H:%M:%S} UTC."
        move(account, Status.PENDING, job=job, message=account.last_error)
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.QUEUED, not_before=not_before, last_error=message, lease_until=None
        )
    enqueue_on_commit(job.organization_id, [job.pk], eta=not_before)
    return "retrying"


def backoff(attempts, retry_after=None):
    """Exponential with full jitter in its upper half; never sooner than Retry-After."""
    ceiling = min(settings.RETRY_MAX_SECONDS, settings.RETRY_BASE_SECONDS * 2 ** (attempts - 1))
    delay = random.uniform(ceiling / 2, ceiling)
    return max(delay, retry_after or 0)


def fail(job, message):
    with transaction.atomic():
        account = job.account
        account.last_error = message
        move(account, Status.FAILED, job=job, message=message)
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.FAILED,
            last_error=message,
            finished_at=timezone.now(),
            lease_until=None,
        )


def hold(job, message):
    """The job waits for working credentials; resume_held_jobs wakes it."""
    with transaction.atomic():
        account = job.account
        account.last_error = message
        if account.status == Status.PROVISIONING:
            move(account, Status.PENDING, job=job, message=message)
        else:
            account.save(update_fields=["last_error", "updated_at"])
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.HELD, last_error=message, lease_until=None
        )


def release(job, not_before):
    """Back to the queue until its reserved slot comes."""
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.QUEUED, not_before=not_before, slot_at=not_before, lease_until=None
    )
    enqueue_on_commit(job.organization_id, [job.pk], eta=not_before)


def mark_broken(connection, message):
    """Credentials rejected: the app's connection is broken and its queued jobs wait."""
    with transaction.atomic():
        Connection.objects.filter(pk=connection.pk).update(
            state=Connection.State.BROKEN, state_message=message, checked_at=timezone.now()
        )
        Job.objects.filter(app_id=connection.app_id, state=Job.State.QUEUED).update(
            state=Job.State.HELD, last_error=message
        )


def reserve_slot(connection, job):
    """Takes this job's place in the app's request budget; returns seconds to wait for it.

    Every job of an app passes its connection row, so on PostgreSQL the place is taken in
    one statement: the row is locked for that statement only. A job that comes back for a
    place it reserved earlier keeps that place.
    """
    now = timezone.now()
    if job.slot_at is not None:
        return max(0.0, (job.slot_at - now).total_seconds())
    per_minute = connection.rate_limit_per_minute or connector_default_rate(job.app)
    interval = timedelta(seconds=60.0 / per_minute)
    if db.vendor == "postgresql":
        with db.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Connection._meta.db_table} SET next_slot_at = "
                "GREATEST(next_slot_at, %s) + %s WHERE id = %s RETURNING next_slot_at",
                [now, interval, connection.pk],
            )
            slot = cursor.fetchone()[0] - interval
    else:  # SQLite: its transactions take the database's write lock anyway
        with transaction.atomic():
            slot = max(now, Connection.objects.get(pk=connection.pk).next_slot_at)
            Connection.objects.filter(pk=connection.pk).update(next_slot_at=slot + interval)
    connection.next_slot_at = slot + interval
    job.slot_at = slot  # stored with the job only if it must wait (release)
    return max(0.0, (slot - now).total_seconds())


def connector_default_rate(app):
    from .connectors.registry import connector_class

    return connector_class(app.catalog_app.connector_key).default_rate_limit_per_minute


def temporary_password(length=16):
    """Letters, digits and a symbol from each class: vendors' password rules accept it."""
    alphabet = string.ascii_letters + string.digits
    core = [secrets.choice(alphabet) for _ in range(length - 4)]
    extras = [
        secrets.choice(string.ascii_uppercase),
        secrets.choice(string.ascii_lowercase),
        secrets.choice(string.digits),
        secrets.choice("!#%+-=?@"),
    ]
    password = core + extras
    random.SystemRandom().shuffle(password)
    return "".join(password)


def sweep():
    """Re-enqueues due jobs whose message may be lost, and reclaims jobs of dead workers.

    The job rows are the truth: with the broker emptied, this alone finishes the work.
    """
    now = timezone.now()
    Job.objects.filter(
        Q(lease_until__lt=now) | Q(lease_until__isnull=True), state=Job.State.RUNNING
    ).update(state=Job.State.QUEUED, lease_until=None, enqueued_at=None)
    stale = now - timedelta(seconds=settings.JOB_LEASE_SECONDS)
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
        enqueue(organization_id, job_ids)
    return sum(len(ids) for ids in by_organization.values())


def refresh_sign_ins():
    """Accounts the vendor reports as used (a first sign-in, an accepted invitation) become
    Active, as opening them from My Apps does. Celery beat runs it every few minutes."""
    from .connectors.registry import connector_class

    activated = 0
    waiting = AppAccount.objects.filter(
        status__in=[Status.CREATED, Status.INVITED], user__isnull=False
    ).exclude(remote_id="")
    app_ids = set(waiting.values_list("app_id", flat=True))
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
            with transaction.atomic():
                account.first_sign_in_at = timezone.now()
                account.save(update_fields=["first_sign_in_at"])
                move(account, Status.ACTIVE, message="The app reports the first sign-in.")
            activated += 1
    return activated
