"""Recording what vendor calls came to: a run of outcomes is written at once, in a few
statements (bulk updates of the accounts and jobs, one insert of their events)."""

import random
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import lifecycle, welcome
from .bulk import insert_rows, update_alike, update_rows
from .connectors.base import RemoteAccount
from .models import AccountEvent, AppAccount, Connection, Job
from .services import enqueue_on_commit, move
from .status import Status

SUCCEEDED, RETRYING, FAILED, HELD = "succeeded", "retrying", "failed", "held"
OWNED_BY_ANOTHER = "This app account already belongs to another person in the console."
NO_CREDENTIALS = "Waiting for working credentials: open the app and enter them."


@dataclass
class Outcome:
    """What one vendor call came to, until it is recorded."""

    job: Job
    result: str  # SUCCEEDED, RETRYING, FAILED or HELD
    message: str = ""
    remote: RemoteAccount | None = None
    origin: str = ""
    sent: dict = field(default_factory=dict)
    retry_after: float | None = None
    invited: bool = False  # the vendor emails an invitation: a new account starts "invited"
    uncount: bool = False  # its attempt was counted, but the vendor was never called
    password_meant: bool = False  # the connector sets temporary passwords for new accounts
    # What the log shows of the call (engine.call): the HTTP status of the vendor's answer
    # when an error carried one, and each request ({"method", "path", "status", "ms"}).
    status_code: int | None = None
    calls: list = field(default_factory=list)
    called: bool = False  # engine.call ran for it (not held or paced before the vendor)


ACCOUNT_FIELDS = [
    "remote_id",
    "username",
    "email",
    "first_name",
    "last_name",
    "origin",
    "last_error",
    "secrets",
    "status",
    "updated_at",
]
# What each way of ending changes in the job row.
JOB_FIELDS = {
    SUCCEEDED: ["state", "finished_at", "last_error", "lease_until"],
    FAILED: ["state", "finished_at", "last_error", "lease_until"],
    RETRYING: ["state", "attempts", "not_before", "last_error", "lease_until", "enqueued_at"],
    HELD: ["state", "attempts", "last_error", "lease_until"],
}


def record(connection, outcomes):
    """Writes a run of outcomes in one transaction, a few statements for the lot."""
    if not outcomes:
        return
    discovered = match_known_accounts(outcomes)
    now = timezone.now()
    events, retries = [], []
    for outcome in outcomes:
        event = WRITERS[outcome.result](outcome, now)
        if event is not None:
            describe(event, outcome)
            events.append(event)
        outcome.job.account.updated_at = now
        if outcome.result == RETRYING:
            retries.append(outcome.job)
    accounts = [outcome.job.account for outcome in outcomes]
    with transaction.atomic():
        if discovered:
            AppAccount.objects.filter(pk__in=discovered).delete()
        update_rows(AppAccount, accounts, ACCOUNT_FIELDS)
        for result, fields in JOB_FIELDS.items():
            update_alike(Job, [o.job for o in outcomes if o.result == result], fields)
        insert_rows(AccountEvent, events)
        slow_down(connection, outcomes)
        for job in retries:
            enqueue_on_commit(job.organization_id, [job.pk], eta=job.not_before)
        enqueue_next(outcomes)
        welcome.schedule(
            outcomes[0].job.organization_id,
            [
                o.job.account.user_id
                for o in outcomes
                if o.result == SUCCEEDED
                and o.origin == AppAccount.Origin.CREATED
                and o.job.account.user_id
            ],
        )


# The event's outcome column for each way a vendor call ends.
EVENT_OUTCOMES = {
    SUCCEEDED: AccountEvent.Outcome.SUCCEEDED,
    RETRYING: AccountEvent.Outcome.RETRYING,
    FAILED: AccountEvent.Outcome.FAILED,
    HELD: AccountEvent.Outcome.HELD,
}


def describe(event, outcome):
    """What the provisioning log shows of the call behind an event (in memory, no query):
    its outcome, the attempt, what was sent (perform()'s record, or what the job asked for
    when the call ended in an error) and the vendor's answer: the HTTP status, the requests
    and the time they took."""
    event.outcome = EVENT_OUTCOMES[outcome.result]
    if not outcome.called or outcome.uncount:  # the vendor was not called for it
        return
    detail = {**event.detail, "attempt": outcome.job.attempts}
    detail.setdefault("sent", outcome.sent or asked(outcome.job))
    calls = outcome.calls
    status = outcome.status_code or answer_status(outcome.result, calls)
    if status:
        detail["status"] = status
    if calls:
        detail["calls"] = calls
        detail["ms"] = sum(call.get("ms", 0) for call in calls)
    event.detail = detail


def answer_status(result, calls):
    """The HTTP status that answered the job, when its error did not carry one: a failure's
    is the vendor's first refusal (a 409 before a lookup that found nobody), anything else's
    the last answer (a 201 after a lookup)."""
    statuses = [call["status"] for call in calls if call.get("status")]
    if result == FAILED:
        return next((status for status in statuses if status >= 300), None)
    return statuses[-1] if statuses else None


def asked(job):
    """What the job asks the app for, as perform() records what it sends (no secret: a
    temporary password is "[set]"), for a call that ended before it returned."""
    account = job.account
    if job.action in Job.LIFECYCLE:
        sent = {"action": lifecycle.VERBS[job.action][0], "remote_id": account.remote_id}
        if job.action == Job.Action.UPDATE and "after" in job.options:
            after = job.options["after"]
            sent["changed"] = {name: after.get(name) for name in job.options.get("changed", [])}
        return sent
    if job.action == Job.Action.LINK:
        return {"looked up": {"email": account.email, "username": account.username}}
    return {
        "email": account.email,
        "username": account.username,
        "name": f"{account.first_name} {account.last_name}".strip(),
        "password": "[set]" if job.options.get("set_password") else "[none]",
    }


def match_known_accounts(outcomes):
    """The accounts the vendor answered with may be known here already. One owned by another
    person fails that job (checked first, so it does not undo the others' results); one the
    console only discovered in the app (nobody's) is returned, to give way to the person's."""
    found = [o for o in outcomes if o.result == SUCCEEDED and o.remote is not None]
    if not found:
        return []
    known = AppAccount.objects.filter(
        app_id=found[0].job.app_id, remote_id__in=[o.remote.remote_id for o in found]
    ).exclude(pk__in=[o.job.account_id for o in found])
    owners, discovered = {}, []
    for pk, remote_id, user_id in known.values_list("pk", "remote_id", "user_id"):
        if user_id is None:
            discovered.append(pk)
        else:
            owners[remote_id] = pk
    for outcome in found:
        owner = owners.setdefault(outcome.remote.remote_id, outcome.job.account_id)
        if owner != outcome.job.account_id:
            outcome.result = FAILED
            outcome.message = OWNED_BY_ANOTHER
    return discovered


def succeeded(outcome, now):
    if outcome.job.action in Job.LIFECYCLE:
        return lifecycle.done(outcome, now)
    job, account, remote = outcome.job, outcome.job.account, outcome.remote
    account.remote_id = remote.remote_id
    account.username = remote.username or account.username
    account.origin = outcome.origin
    account.last_error = ""
    new_status = Status.INVITED if outcome.invited else Status.CREATED
    if outcome.origin == AppAccount.Origin.LINKED:
        to_status, message = Status.ACTIVE, "Linked to the existing account."
    elif "looked up" in outcome.sent:
        to_status, message = new_status, "Found the account an earlier attempt created."
        if job.options.get("set_password") and outcome.password_meant:
            # The attempt that set it died before we kept it: say so, to the person too.
            account.secrets = {"password_lost": True}
            message += " Its temporary password was lost with that attempt."
    else:
        to_status, message = new_status, "Account created."
    job.state, job.finished_at, job.last_error, job.lease_until = Job.State.SUCCEEDED, now, "", None
    return move(
        account,
        to_status,
        job=job,
        actor=job.requested_by_id,
        message=message,
        save=False,
        detail={
            "sent": outcome.sent,
            "answer": {"remote_id": remote.remote_id, "username": remote.username},
        },
    )


def sentence(text):
    """A message ends with its full stop before another is added ("... unavailable.")."""
    text = text.rstrip()
    return text if not text or text[-1] in ".!?" else f"{text}."


def retrying(outcome, now):
    job, account = outcome.job, outcome.job.account
    if outcome.uncount:  # never called (a pause, or making room): back when the wait ends
        job.attempts -= 1
        job.not_before = now + timedelta(seconds=outcome.retry_after or 1)
    else:
        job.not_before = now + timedelta(seconds=backoff(job.attempts, outcome.retry_after))
    job.state, job.last_error, job.lease_until = Job.State.QUEUED, outcome.message, None
    job.enqueued_at = job.not_before  # its message goes when this commits, due then
    outcome.message = f"{sentence(outcome.message)} Retrying at {job.not_before:%H:%M:%S} UTC."
    if job.action in Job.LIFECYCLE:
        return lifecycle.not_done(outcome, now, retrying=True)
    account.last_error = outcome.message
    return move(account, Status.PENDING, job=job, message=account.last_error, save=False)


def failed(outcome, now):
    job, account = outcome.job, outcome.job.account
    job.state, job.last_error, job.finished_at = Job.State.FAILED, outcome.message, now
    job.lease_until = None
    if job.action in Job.LIFECYCLE:
        return lifecycle.not_done(outcome, now, retrying=False)
    account.last_error = outcome.message
    return move(account, Status.FAILED, job=job, message=outcome.message, save=False)


def held(outcome, now):
    """The job waits for working credentials; resume_held_jobs wakes it."""
    job, account = outcome.job, outcome.job.account
    job.state, job.last_error, job.lease_until = Job.State.HELD, outcome.message, None
    job.attempts -= 1 if outcome.uncount else 0
    account.last_error = outcome.message
    if account.status == Status.PROVISIONING:
        return move(account, Status.PENDING, job=job, message=outcome.message, save=False)
    return None


# How each outcome changes its account and job (in memory) and the event it adds.
WRITERS = {SUCCEEDED: succeeded, RETRYING: retrying, FAILED: failed, HELD: held}


def enqueue_next(outcomes):
    """An account's next job waited for this one (engine.claim runs them in order)."""
    ended = [o.job.account_id for o in outcomes if o.result in (SUCCEEDED, FAILED)]
    if not ended:
        return
    waiting = Job.objects.filter(account_id__in=ended, state=Job.State.QUEUED).exclude(
        pk__in=[o.job.pk for o in outcomes]
    )
    waiting = list(waiting.values_list("pk", "organization_id", "not_before"))
    for job_id, organization_id, not_before in waiting:
        enqueue_on_commit(organization_id, [job_id], eta=not_before)


def slow_down(connection, outcomes):
    """A Retry-After pauses the whole app, not just the job that got it: running chunks
    stop at it (engine.run_ready) and new places in the budget start after it."""
    told = [  # the vendor's own Retry-After answers, not the jobs that waited with them
        o.job.not_before
        for o in outcomes
        if o.result == RETRYING and o.retry_after and not o.uncount
    ]
    if told:
        until = max(told)
        Connection.objects.filter(pk=connection.pk, next_slot_at__lt=until).update(
            next_slot_at=until
        )
        Connection.objects.filter(pk=connection.pk).exclude(paused_until__gte=until).update(
            paused_until=until
        )


def backoff(attempts, retry_after=None):
    """Exponential with full jitter in its upper half; never sooner than Retry-After."""
    ceiling = min(settings.RETRY_MAX_SECONDS, settings.RETRY_BASE_SECONDS * 2 ** (attempts - 1))
    delay = random.uniform(ceiling / 2, ceiling)
    return max(delay, retry_after or 0)
