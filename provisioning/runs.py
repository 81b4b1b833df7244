"""Running a plan's steps: creates through the same path as group provisioning, the other
steps as jobs on the engine's durable path, seats not created yet cancelled, and to-dos for
what an app's API cannot do. Approving or rejecting a kept plan."""

from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from apps_catalog.models import TenantApp
from groups.models import AssignmentSettings

from .bulk import insert_rows
from .group_provisioning import provision
from .models import AccountEvent, AppAccount, Job, Plan, ToDo
from .plans import Step
from .services import TRIGGER_LENGTH, enqueue_on_commit, move
from .status import Status

JOB_ACTIONS = {
    "update": Job.Action.UPDATE,
    "suspend": Job.Action.SUSPEND,
    "reactivate": Job.Action.REACTIVATE,
    "delete": Job.Action.DELETE,
}
UNFINISHED = [Job.State.QUEUED, Job.State.RUNNING, Job.State.HELD]


@transaction.atomic
def run(steps, organization_id, *, trigger, by):
    """Queues the steps' work; it is sent when the transaction commits."""
    by_action = defaultdict(list)
    for step in steps:
        by_action[step.action].append(step)
    create(by_action["create"], organization_id, trigger=trigger, by=by)
    queue_lifecycle(
        [s for s in steps if s.action in JOB_ACTIONS], organization_id, trigger=trigger, by=by
    )
    cancel(by_action["cancel"], by=by)
    to_do(by_action["todo"], organization_id)


def create(steps, organization_id, *, trigger, by):
    if not steps:
        return
    settings = AssignmentSettings.for_organization(organization_id)
    people = by_text(get_user_model().objects.in_bulk([s.user_id for s in steps]))
    apps = by_text(
        TenantApp.objects.select_related("catalog_app").in_bulk([s.app_id for s in steps])
    )
    per_app = defaultdict(list)
    for step in steps:
        per_app[str(step.app_id)].append(people[str(step.user_id)])
    for app_id, members in per_app.items():
        provision(apps[app_id], members, settings, trigger=trigger, by=by)


def by_text(bulk):
    """in_bulk's keys are UUIDs or ints; steps kept as JSON carry strings."""
    return {str(key): value for key, value in bulk.items()}


def queue_lifecycle(steps, organization_id, *, trigger, by):
    """One job per step, in bulk; an account that already has the same job unfinished is
    left with that one."""
    if not steps:
        return []
    accounts = by_text(AppAccount.objects.in_bulk([s.account_id for s in steps]))
    pending = set(
        Job.objects.filter(account_id__in=accounts, state__in=UNFINISHED).values_list(
            "account_id", "action"
        )
    )
    now = timezone.now()
    jobs = []
    for step in steps:
        account = accounts[str(step.account_id)]
        action = JOB_ACTIONS[step.action]
        if (account.pk, action) in pending:
            continue
        pending.add((account.pk, action))
        jobs.append(
            Job(
                organization_id=organization_id,
                account=account,
                app_id=account.app_id,
                action=action,
                trigger=trigger[:TRIGGER_LENGTH],
                requested_by=by,
                enqueued_at=now,
                options=step.changes,
            )
        )
    insert_rows(Job, jobs)
    insert_rows(
        AccountEvent,
        [
            AccountEvent(
                organization_id=organization_id,
                account=job.account,
                app_id=job.app_id,
                job=job,
                action=job.action,
                outcome=AccountEvent.Outcome.QUEUED,
                who=AccountEvent.who_of(job.account),
                from_status=job.account.status,
                to_status=job.account.status,
                actor=by,
                message=f"Queued: {job.get_action_display().lower()} ({trigger}).",
            )
            for job in jobs
        ],
    )
    enqueue_on_commit(organization_id, [job.pk for job in jobs])
    return jobs


def cancel(steps, *, by):
    """Seats whose create has not been tried: the job stops here and nothing is sent."""
    for step in steps:
        stopped = Job.objects.filter(
            account_id=step.account_id,
            action=Job.Action.CREATE,
            state__in=[Job.State.QUEUED, Job.State.HELD],
            attempts=0,
        ).update(state=Job.State.FAILED, last_error="Cancelled: no longer assigned.")
        if stopped:
            account = AppAccount.objects.get(pk=step.account_id)
            account.last_error = ""
            move(
                account,
                Status.DEPROVISIONED,
                actor=by,
                message="Cancelled before it was created.",
                action=AccountEvent.Action.CREATE,
                outcome=AccountEvent.Outcome.CANCELLED,
            )


def to_do(steps, organization_id):
    open_ones = {
        (str(account_id), action)
        for account_id, action in ToDo.objects.filter(
            account_id__in=[s.account_id for s in steps], done_at__isnull=True
        ).values_list("account_id", "action")
    }
    apps = by_text(TenantApp.objects.in_bulk([s.app_id for s in steps]))
    todos = []
    for step in steps:
        action = JOB_ACTIONS[step.todo]
        if (str(step.account_id), action) in open_ones:
            continue
        app = apps[str(step.app_id)]
        todos.append(
            ToDo(
                organization_id=organization_id,
                account_id=step.account_id,
                action=action,
                note=f"{step.todo.capitalize()} the account in {app.name} by hand: its API "
                f"cannot ({step.why}).",
            )
        )
    ToDo.objects.bulk_create(todos)


def tick_off(todo, by):
    """The admin did it in the app: the account's status says so."""
    with transaction.atomic():
        todo.done_at, todo.done_by = timezone.now(), by
        todo.save(update_fields=["done_at", "done_by"])
        status = {
            Job.Action.SUSPEND: Status.SUSPENDED,
            Job.Action.DELETE: Status.DEPROVISIONED,
            Job.Action.REACTIVATE: Status.ACTIVE,
        }.get(todo.action)
        account = todo.account
        if status and status != account.status:
            move(
                account,
                status,
                actor=by,
                message=f"Done by hand in the app: {todo.note}",
                action=todo.action,
                outcome=AccountEvent.Outcome.SUCCEEDED,
                detail={"by_hand": True},
            )


def approve(plan, by):
    """Runs a kept plan whole, as it was shown."""
    with transaction.atomic():
        decide(plan, Plan.State.APPROVED, by)
        steps = [Step(**step) for step in plan.steps]
        run(steps, plan.organization_id, trigger=f"{plan.trigger} (approved)", by=by)


def reject(plan, by):
    """Nothing of the plan is sent."""
    decide(plan, Plan.State.REJECTED, by)


def decide(plan, state, by):
    updated = Plan.objects.filter(pk=plan.pk, state=Plan.State.AWAITING).update(
        state=state, decided_by=by, decided_at=timezone.now()
    )
    if not updated:  # another admin decided first
        raise ValueError("This plan was already decided.")
