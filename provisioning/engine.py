"""Running jobs: claim a chunk, pace it, call the vendor, record what happened.

A worker thread takes a chunk of jobs (one message). One conditional UPDATE claims them, so
two deliveries of the same job never both reach the vendor. Attempts are counted and
committed before the vendor calls, so after a crash the next attempt looks the account up
before creating it. Results are written a run at a time, a few statements for the lot:
per-job ORM work, not the vendor, was what a worker spent its time on.
"""

import contextlib
import logging
import secrets
import string
import time
from datetime import timedelta
from functools import cache, partial

from django.conf import settings
from django.db import connection as db
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps_catalog.models import TenantApp

from . import budget, digests, lifecycle, shares
from .budget import reserve_slots
from .bulk import insert_rows, update_rows
from .connectors.base import NewAccount, identity_match
from .connectors.errors import (
    AlreadyExists,
    AuthenticationError,
    ConnectorError,
    PermanentError,
    TransientError,
)
from .models import AccountEvent, AppAccount, Connection, Job
from .results import (
    FAILED,
    HELD,
    NO_CREDENTIALS,
    RETRYING,
    SUCCEEDED,
    Outcome,
    record,
)
from .services import connector_for, enqueue_on_commit, move
from .status import Status

logger = logging.getLogger("provisioning.engine")

# A job waits inline for its rate slot when it is this close; otherwise it is re-enqueued.
INLINE_WAIT_SECONDS = 2.0
PAUSED = "The app asked us to wait (429): every job of the app waits with it."
MAKING_ROOM = "Waiting a moment: other work shares the worker."
# Results are written at least this often, so a slow vendor's progress still shows.
RECORD_EVERY_SECONDS = 1.0


def run_job(job_id):
    """Runs one job if it can be claimed now; returns what happened, for logs and tests."""
    return run_jobs([job_id])[0]


def run_jobs(job_ids):
    """Runs the jobs among these that can be claimed now; returns each one's outcome."""
    outcomes = dict.fromkeys(map(str, job_ids), "not claimed")
    jobs_by_app = {}
    for job in claim(job_ids):
        jobs_by_app.setdefault(job.app_id, []).append(job)
    for jobs in jobs_by_app.values():
        with shares.Share(jobs[0].organization_id, jobs[0].app_id) as share:
            if not share.may_start():  # beyond its share of the threads now: back in a second
                bounce(jobs)
                results = [(job, "bounced") for job in jobs]
            else:
                results = run_app_jobs(jobs, share)
        for job, outcome in results:
            outcomes[str(job.pk)] = outcome
    return [outcomes[str(job_id)] for job_id in job_ids]


def bounce(jobs):
    """Claimed but not started (nothing counted): back to the queue for a second later."""
    soon = timezone.now() + timedelta(seconds=1)
    Job.objects.filter(pk__in=[job.pk for job in jobs], state=Job.State.RUNNING).update(
        state=Job.State.QUEUED, lease_until=None, not_before=soon, enqueued_at=soon
    )
    enqueue_on_commit(jobs[0].organization_id, [job.pk for job in jobs], eta=soon)


def claim(job_ids):
    """Marks the queued, due jobs among these as running, in one statement; returns them."""
    now = timezone.now()
    pk, lease = Job._meta.pk, Job._meta.get_field("lease_until")
    ids = [pk.get_db_prep_value(pk.to_python(job_id), db) for job_id in job_ids]
    if not ids:
        return []
    table = db.ops.quote_name(Job._meta.db_table)
    with db.cursor() as cursor:
        # An account's jobs run one at a time, in the order they were queued: a suspension
        # waits for the create before it (record() enqueues it when that one ends).
        cursor.execute(
            f"UPDATE {table} SET state = %s, lease_until = %s "
            f"WHERE id IN ({', '.join(['%s'] * len(ids))}) AND state = %s AND not_before <= %s "
            f"AND NOT EXISTS (SELECT 1 FROM {table} earlier "
            f"WHERE earlier.account_id = {table}.account_id AND earlier.state IN (%s, %s, %s) "
            f"AND (earlier.created_at < {table}.created_at OR "
            f"(earlier.created_at = {table}.created_at AND earlier.id < {table}.id))) "
            "RETURNING id",
            [
                Job.State.RUNNING,
                lease.get_db_prep_value(now + timedelta(seconds=settings.JOB_LEASE_SECONDS), db),
                *ids,
                Job.State.QUEUED,
                lease.get_db_prep_value(now + timedelta(seconds=1), db),
                Job.State.QUEUED,
                Job.State.RUNNING,
                Job.State.HELD,
            ],
        )
        claimed = [row[0] for row in cursor.fetchall()]
    if not claimed:
        return []
    jobs = Job.objects.filter(pk__in=claimed).select_related("account")
    jobs = list(jobs.order_by("created_at", "id"))
    apps = TenantApp.objects.select_related("catalog_app").in_bulk({job.app_id for job in jobs})
    for job in jobs:
        job.app = apps[job.app_id]  # one app object for its jobs, not one per row
    return jobs


def run_app_jobs(jobs, share=None):
    """The claimed jobs of one app: start them, call the vendor for each, record the results.
    Returns (job, outcome) pairs."""
    connection, ready, stopped = start(jobs)
    done = list(stopped.items())
    if not ready:
        return done
    # Built once for the chunk; a failure to build is each job's, like any other.
    get_connector = cache(partial(connector_for, jobs[0].app, connection))
    pacer = budget.Pacer(connection, jobs[0].app)
    with chunk_calls(get_connector, pacer):
        done += run_ready(connection, ready, get_connector, pacer, share)
    return done


@contextlib.contextmanager
def chunk_calls(get_connector, pacer):
    """The chunk's vendor calls run inside the connector's batch (see Connector.batch), each
    request paced by the app's request clock."""
    try:
        connector = get_connector()
    except Exception:  # each job reports it
        connector = None
    if connector is None:
        yield
        return
    connector.http.pacer = pacer
    try:
        with connector.batch():
            yield
    finally:
        connector.http.pacer = None
        pacer.settle()


def run_ready(connection, ready, get_connector, pacer, share=None):
    done, unrecorded, recorded_at = [], [], time.monotonic()
    for index, (job, slot) in enumerate(ready):
        if index and share is not None and not share.keep():  # others' turn: the rest wait
            unrecorded += [
                Outcome(later, RETRYING, MAKING_ROOM, retry_after=1, uncount=True)
                for later, _ in ready[index:]
            ]
            break
        until = budget.paused_until(connection)
        if until:  # the app asked us to wait: the rest go back, to new places after it
            wait = (until - timezone.now()).total_seconds()
            unrecorded += [
                Outcome(later, RETRYING, PAUSED, retry_after=wait, uncount=True)
                for later, _ in ready[index:]
            ]
            break
        wait = (slot - timezone.now()).total_seconds()
        if wait > 0:  # a sleep, even of 0, lets the other threads take the GIL
            time.sleep(wait)
        pacer.job_started()
        outcome = call(job, get_connector, pacer)
        unrecorded.append(outcome)
        if outcome.result == RETRYING and outcome.retry_after:
            budget.pause(connection, timezone.now() + timedelta(seconds=outcome.retry_after))
        if outcome.result == HELD:  # the credentials are rejected: the rest wait with it
            mark_broken(connection, outcome.message)
            unrecorded += [
                Outcome(later, HELD, outcome.message, uncount=True)
                for later, _ in ready[index + 1 :]
            ]
            break
        if time.monotonic() - recorded_at >= RECORD_EVERY_SECONDS:
            pacer.settle()
            record(connection, unrecorded)
            connection.paused_until = (  # another process may have heard a Retry-After
                Connection.objects.filter(pk=connection.pk)
                .values_list("paused_until", flat=True)
                .first()
            )
            renew_leases([later for later, _ in ready[index + 1 :]])
            done += [(o.job, o.result) for o in unrecorded]
            unrecorded, recorded_at = [], time.monotonic()
    record(connection, unrecorded)
    return done + [(o.job, o.result) for o in unrecorded]


def start(jobs):
    """Takes the jobs' places in the app's rate budget and counts the attempts of those whose
    place has come. Returns (connection, [(job, slot)] to run now, {job: outcome} of the
    others: held without working credentials, or paced back to the queue)."""
    connection = Connection.objects.filter(app_id=jobs[0].app_id).first()
    if connection is None or connection.state != Connection.State.CONNECTED:
        record(connection, [Outcome(job, HELD, NO_CREDENTIALS) for job in jobs])
        return connection, [], dict.fromkeys(jobs, HELD)
    horizon = timezone.now() + timedelta(seconds=INLINE_WAIT_SECONDS)
    slots = reserve_slots(connection, jobs)
    ready = [(job, slot) for job, slot in zip(jobs, slots, strict=True) if slot <= horizon]
    paced = [job for job, slot in zip(jobs, slots, strict=True) if slot > horizon]
    release(paced)
    count_attempts([job for job, _ in ready])
    return connection, ready, dict.fromkeys(paced, "paced")


def renew_leases(jobs):
    """The chunk's jobs still to run stay claimed: the sweep reclaims only a dead worker's."""
    Job.objects.filter(pk__in=[job.pk for job in jobs], state=Job.State.RUNNING).update(
        lease_until=timezone.now() + timedelta(seconds=settings.JOB_LEASE_SECONDS)
    )


@transaction.atomic
def count_attempts(jobs):
    """Committed before the vendor calls: after a crash, the next attempt looks up first."""
    if not jobs:
        return
    Job.objects.filter(pk__in=[job.pk for job in jobs]).update(
        attempts=F("attempts") + 1, slot_at=None
    )
    events = []
    for job in jobs:
        job.attempts += 1
        job.slot_at = None
        if job.action in Job.LIFECYCLE:  # the account keeps its status until the app answers
            continue
        if job.account.status != Status.PROVISIONING:
            message = f"Attempt {job.attempts}."
            event = move(job.account, Status.PROVISIONING, job=job, message=message, save=False)
            event.outcome, event.detail = AccountEvent.Outcome.STARTED, {"attempt": job.attempts}
            events.append(event)
    AppAccount.objects.filter(pk__in=[event.account_id for event in events]).update(
        status=Status.PROVISIONING, updated_at=timezone.now()
    )
    insert_rows(AccountEvent, events)


def call(job, get_connector, pacer=None):
    """Calls the vendor for one job; returns its Outcome, with the requests it made (method,
    path, HTTP status, milliseconds: the pacer notes them) for the provisioning log. Never
    raises."""
    outcome = call_vendor(job, get_connector)
    outcome.called, outcome.calls = True, list(pacer.calls) if pacer else []
    return outcome


def call_vendor(job, get_connector):
    try:
        connector = get_connector()
        remote, origin, sent = perform(job, job.account, connector)
    except budget.Busy as error:  # it waits for a place in the budget: no attempt counted
        return Outcome(job, RETRYING, error.message, retry_after=error.retry_after, uncount=True)
    except TransientError as error:
        return retry_or_give_up(job, error.message, error.retry_after, error.status_code)
    except AuthenticationError as error:
        return Outcome(job, HELD, error.message, status_code=error.status_code)
    except ConnectorError as error:
        return Outcome(job, FAILED, error.message, status_code=error.status_code)
    except Exception:  # a bug, or a crash between the vendor's answer and our commit
        logger.exception("Job %s raised", job.pk)
        return retry_or_give_up(job, "An unexpected error interrupted the job.", None)
    capabilities = connector.capabilities
    return Outcome(
        job,
        SUCCEEDED,
        remote=remote,
        origin=origin,
        sent=sent,
        invited=capabilities.invites,
        password_meant=capabilities.set_password,
    )


def retry_or_give_up(job, message, retry_after, status_code=None):
    if job.attempts >= settings.JOB_MAX_ATTEMPTS:
        message = f"{message} Gave up after {job.attempts} attempts."
        return Outcome(job, FAILED, message, status_code=status_code)
    return Outcome(job, RETRYING, message, retry_after=retry_after, status_code=status_code)


def perform(job, account, connector):
    """Calls the vendor. Returns (remote account, origin, what was sent: no secrets)."""
    if job.action in Job.LIFECYCLE:
        return None, account.origin, lifecycle.perform(job, account, connector)
    lookup = {"email": account.email, "username": account.username}
    if job.action == Job.Action.LINK:
        remote = look_up(connector, **lookup)
        if remote is None:
            raise PermanentError(f"No account with {account.email} was found in the app.")
        return remote, AppAccount.Origin.LINKED, {"looked up": lookup}
    if job.attempts > 1:
        # An earlier attempt may have reached the vendor: never create the account twice.
        remote = look_up(connector, **lookup)
        if remote is not None:
            return remote, account.origin, {"looked up": lookup}
    elif job.options.get("lookup_first"):
        # The person may have an account already: link it. By email only: a username from
        # a convention may belong to somebody else.
        remote = look_up(connector, email=account.email)
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
        remote = look_up(connector, **lookup)
        if remote is None:
            raise PermanentError(
                f"The app says an account with the username {account.username} or the email "
                f"{account.email} exists, but none of its accounts is this person's (a username "
                "held by an account with another email is somebody else's). Choose another "
                "username, or link the account by hand."
            ) from None
        return remote, AppAccount.Origin.LINKED, sent | {"answer": "already exists: linked"}
    if password:
        account.secrets = {"temporary_password": password}
    return remote, AppAccount.Origin.CREATED, sent


def look_up(connector, *, email, username=""):
    """find_account, the identity checked once more: whatever a connector returns, an
    account that is not this person's is never linked."""
    remote = connector.find_account(email=email, username=username)
    if remote is not None and not identity_match(remote, email=email, username=username):
        raise PermanentError(
            f"The app answered the lookup of {email} with account {remote.remote_id} "
            f"({remote.email or remote.username or 'no email'}), which is not this person's: "
            "it was not linked."
        )
    return remote


# A paced job whose place is further off than this gets no message of its own (a message
# held for long is redelivered by Redis, and lost with a worker): the sweep sends it ahead.
ETA_HORIZON_SECONDS = 60


def release(jobs):
    """Back to the queue until their reserved slots come."""
    now = timezone.now()
    horizon = now + timedelta(seconds=ETA_HORIZON_SECONDS)
    soon = [job for job in jobs if job.slot_at <= horizon]
    sent = {job.pk for job in soon}
    for job in jobs:
        job.state, job.not_before, job.lease_until = Job.State.QUEUED, job.slot_at, None
        job.enqueued_at = job.slot_at if job.pk in sent else None  # when its message is due
    update_rows(Job, jobs, ["state", "not_before", "slot_at", "lease_until", "enqueued_at"])
    for job in soon:
        enqueue_on_commit(job.organization_id, [job.pk], eta=job.slot_at)


def mark_broken(connection, message):
    """Credentials rejected: the app's connection is broken and its queued jobs wait. The
    admins are told once, when it breaks (not by every chunk that hears the 401)."""
    cut = message[: Connection._meta.get_field("state_message").max_length]  # a long answer
    with transaction.atomic():
        broke = (
            Connection.objects.filter(pk=connection.pk)
            .exclude(state=Connection.State.BROKEN)
            .update(state=Connection.State.BROKEN, state_message=cut, checked_at=timezone.now())
        )
        Job.objects.filter(app_id=connection.app_id, state=Job.State.QUEUED).update(
            state=Job.State.HELD, last_error=message
        )
        if broke:
            digests.connection_broken(connection, message)


SYMBOLS = "!#%+-=?@"
ALPHANUMERIC = string.ascii_letters + string.digits
CLASSES = [set(string.ascii_uppercase), set(string.ascii_lowercase), set(string.digits)]


def temporary_password(length=16):
    """Letters and digits with one symbol, every class present: vendors' password rules
    accept it. A few reads of the OS's random source, not one per character: those reads
    were the engine's costliest step."""
    while True:
        chars = draw(ALPHANUMERIC, length - 1)
        if all(cls.intersection(chars) for cls in CLASSES):
            break
    chars.insert(draw(range(length), 1)[0], draw(SYMBOLS, 1)[0])
    return "".join(chars)


def draw(choices, count):
    """count uniform picks from choices, from the OS's random source (bytes above the last
    whole multiple of len(choices) are skipped, so no pick is likelier than another)."""
    size = len(choices)
    limit = 256 - 256 % size
    picked = []
    while len(picked) < count:
        picked += [choices[byte % size] for byte in secrets.token_bytes(2 * count) if byte < limit]
    return picked[:count]
