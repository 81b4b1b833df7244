"""Jobs on accounts the app already has: update, suspend, reactivate, delete. The engine
(engine.py) calls perform(); results.py records what came of it with done() and
not_done(). An account that is gone from the app counts as suspended or deleted."""

from .connectors.base import AccountUpdate
from .connectors.errors import NotFound, PermanentError
from .models import Job
from .services import move
from .status import Status

VERBS = {
    Job.Action.UPDATE: ("update", "updated"),
    Job.Action.SUSPEND: ("suspend", "suspended"),
    Job.Action.REACTIVATE: ("reactivate", "reactivated"),
    Job.Action.DELETE: ("delete", "deleted"),
}
CAPABILITY = {
    Job.Action.UPDATE: "update",
    Job.Action.SUSPEND: "deactivate",
    Job.Action.REACTIVATE: "reactivate",
    Job.Action.DELETE: "delete",
}
GONE = "already gone from the app"
NOTHING = "no account in the app"
FIELDS = ("email", "username", "first_name", "last_name")


def perform(job, account, connector):
    """Calls the vendor for one lifecycle job; returns what was sent (no secrets)."""
    verb = VERBS[job.action][0]
    if not account.remote_id:  # never created (a failed or cancelled seat): nothing to do
        return {"action": verb, "answer": NOTHING}
    if not getattr(connector.capabilities, CAPABILITY[job.action]):
        raise PermanentError(f"{job.app.name} cannot {verb} accounts through its API.")
    sent = {"action": verb, "remote_id": account.remote_id}
    try:
        if job.action == Job.Action.UPDATE:
            update = AccountUpdate(
                **job.options["after"], changed=frozenset(job.options["changed"])
            )
            connector.update_account(account.remote_id, update)
            sent["changed"] = {name: job.options["after"][name] for name in update.changed}
        elif job.action == Job.Action.SUSPEND:
            connector.deactivate_account(account.remote_id)
        elif job.action == Job.Action.REACTIVATE:
            connector.reactivate_account(account.remote_id)
        else:
            connector.delete_account(account.remote_id)
    except NotFound:
        if job.action in (Job.Action.SUSPEND, Job.Action.DELETE):
            return sent | {"answer": GONE}
        raise PermanentError(f"The account {account.remote_id} is no longer in the app.") from None
    return sent


def done(outcome, now):
    """A lifecycle job succeeded: the account's new status (or fields) and its event."""
    job, account, sent = outcome.job, outcome.job.account, outcome.sent
    job.state, job.finished_at, job.last_error, job.lease_until = Job.State.SUCCEEDED, now, "", None
    account.last_error = ""
    to_status, message = account.status, ""
    if sent.get("answer") == NOTHING:
        message = f"Nothing to {VERBS[job.action][0]}: the account was never created in the app."
    elif job.action == Job.Action.UPDATE:
        before, after = job.options["before"], job.options["after"]
        for name in FIELDS:
            setattr(account, name, after[name])
        message = "Updated in the app: " + "; ".join(
            f"{name.replace('_', ' ')} {before[name] or '(none)'} → {after[name]}"
            for name in job.options["changed"]
        )
    elif job.action == Job.Action.REACTIVATE:
        to_status, message = Status.ACTIVE, "Reactivated in the app."
    else:
        gone = sent.get("answer") == GONE
        to_status = (
            Status.SUSPENDED
            if job.action == Job.Action.SUSPEND and not gone
            else Status.DEPROVISIONED
        )
        message = (
            "Already gone from the app."
            if gone
            else f"{VERBS[job.action][1].capitalize()} in the app."
        )
        account.secrets = {}  # a temporary password of a closed seat is no use to anyone
    return move(
        account,
        to_status,
        job=job,
        actor=job.requested_by_id,
        message=message,
        save=False,
        detail={
            "sent": sent,
            **({"before": job.options["before"]} if "before" in job.options else {}),
        },
    )


def not_done(outcome, now, *, retrying):
    """A lifecycle job that failed or waits to retry: the account keeps its status."""
    job, account = outcome.job, outcome.job.account
    verb = VERBS[job.action][0].capitalize()
    account.last_error = f"{verb} failed: {outcome.message}" if not retrying else outcome.message
    return move(account, account.status, job=job, message=account.last_error, save=False)
