"""Admin actions on many people, run by the worker with progress the admin can watch and
leave: Done for thousands, a big group add. The row (BackgroundAction) is the truth: the
sweep restarts an action whose worker died, and every kind's steps skip what is done, so
running one twice does no harm.

A kind is a function(action, report) registered in KINDS; it calls report(done, total)
as it goes and returns the outcome in words."""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import BackgroundAction
from .services import send_task

logger = logging.getLogger("provisioning.background")
# Actions on this many people or more go to the worker; fewer run in the request.
BACKGROUND_FROM = 200
BATCH = 500  # people a step: each in its own transaction, with its progress
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 3
KINDS = {}


def kind(name):
    def register(function):
        KINDS[name] = function
        return function

    return register


def start(organization_id, kind_name, title, params, *, by, back_url=""):
    """Records the action and sends it to the worker when the transaction commits."""
    from .tasks import run_background

    action = BackgroundAction.objects.create(
        organization_id=organization_id,
        kind=kind_name,
        title=title[:300],
        params=params,
        requested_by=by,
        back_url=back_url,
    )
    transaction.on_commit(lambda: send_task(run_background, (str(organization_id), str(action.pk))))
    return action


def run(action_id):
    """Runs the action if it can be claimed now (one worker at a time)."""
    now = timezone.now()
    claimed = BackgroundAction.objects.filter(
        pk=action_id, state=BackgroundAction.State.QUEUED
    ).update(
        state=BackgroundAction.State.RUNNING, lease_until=now + LEASE, attempts=F("attempts") + 1
    )
    if not claimed:
        return "not claimed"
    action = BackgroundAction.objects.get(pk=action_id)

    def report(done, total=None):
        changes = {"done": done, "lease_until": timezone.now() + LEASE}
        if total is not None:
            changes["total"] = total
        BackgroundAction.objects.filter(pk=action.pk).update(**changes)

    try:
        message = KINDS[action.kind](action, report)
    except Exception as error:  # recorded for the admin; the sweep starts it again
        logger.exception("Background action %s stopped", action.pk)
        finish_failed(action, error)
        return "failed"
    BackgroundAction.objects.filter(pk=action.pk).update(
        state=BackgroundAction.State.DONE,
        message=message,
        finished_at=timezone.now(),
        lease_until=None,
    )
    return "done"


def finish_failed(action, error):
    if action.attempts >= MAX_ATTEMPTS:  # this attempt was counted in the claim
        state, message = BackgroundAction.State.FAILED, f"It stopped: {error}"
    else:
        state, message = BackgroundAction.State.QUEUED, "Interrupted; it will start again."
    BackgroundAction.objects.filter(pk=action.pk).update(
        state=state, message=message, lease_until=None
    )


def sweep():
    """Restarts actions whose worker died, and sends again those whose message was lost."""
    from .tasks import run_background

    now = timezone.now()
    BackgroundAction.objects.filter(
        state=BackgroundAction.State.RUNNING, lease_until__lt=now
    ).update(state=BackgroundAction.State.QUEUED, lease_until=None)
    waiting = BackgroundAction.objects.filter(
        state=BackgroundAction.State.QUEUED, created_at__lt=now - timedelta(seconds=30)
    ).values_list("pk", "organization_id")[:100]
    for action_id, organization_id in waiting:
        send_task(run_background, (str(organization_id), str(action_id)))
    return len(waiting)


def in_batches(items, size=BATCH):
    for start_at in range(0, len(items), size):
        yield start_at, items[start_at : start_at + size]


@kind("add_members")
def add_members(action, report):
    """params: group_id, and user_ids or query (everyone active matching it)."""
    from accounts.services import search_people
    from groups import services as groups
    from groups.models import Group

    group = Group.objects.get(pk=action.params["group_id"])
    if "user_ids" in action.params:
        people = group.organization.users.filter(pk__in=action.params["user_ids"], is_active=True)
    else:
        people = search_people(action.params.get("query", ""))
    people = list(people.exclude(memberships__group=group).order_by("pk"))
    added = 0
    for start_at, batch in in_batches(people):
        with transaction.atomic():
            added += len(groups.add_members(group, batch, by=action.requested_by))
        report(start_at + len(batch), len(people))
    return f"Added {added} {'person' if added == 1 else 'people'} to {group.name}."
