"""Provision on demand: one person in one app, now. The plan first (as for any change), then
its jobs run in this request on the durable path, and each step's requests and the vendor's
answers are shown (the admin's troubleshooting tool, as Entra's is)."""

import time
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from . import engine
from .models import AccountEvent, Job
from .plans import reconcile
from .runs import run

TRIGGER = "provision on demand"
WAIT_SECONDS = 20  # a job the worker claimed first is awaited this long, then shown as is


def plan_for(person, app):
    return reconcile(
        [person.pk],
        app.organization_id,
        title=f"{person.full_name} in {app.name}",
        app_ids=[app.pk],
        restore=True,
    )


@dataclass
class Ran:
    job: Job
    outcome: str
    events: list


def run_now(person, app, by):
    """Queues the plan's steps and runs their jobs here; returns what each did."""
    started = timezone.now()
    plan = plan_for(person, app)
    with transaction.atomic():
        run(plan.steps, app.organization_id, trigger=TRIGGER, by=by)
    jobs = list(
        Job.objects.filter(
            app=app, account__user=person, trigger=TRIGGER, created_at__gte=started
        ).order_by("created_at", "pk")
    )
    outcomes = {}
    for job in jobs:  # one at a time, in order: an account's jobs run in the order queued
        outcomes[job.pk] = engine.run_job(job.pk)
    wait_for_the_worker([job for job in jobs if outcomes[job.pk] == "not claimed"])
    events = AccountEvent.objects.filter(job__in=jobs).order_by("created_at", "pk")
    by_job = {}
    for event in events:
        by_job.setdefault(event.job_id, []).append(event)
    for job in jobs:
        job.refresh_from_db()
    return plan, [Ran(job, outcomes[job.pk], by_job.get(job.pk, [])) for job in jobs]


def wait_for_the_worker(jobs):
    """The worker may have claimed a job first: its result is awaited a while."""
    deadline = time.monotonic() + WAIT_SECONDS
    open_states = [Job.State.QUEUED, Job.State.RUNNING]
    ids = [job.pk for job in jobs]
    while ids and time.monotonic() < deadline:
        if not Job.objects.filter(pk__in=ids, state__in=open_states).exists():
            return
        time.sleep(0.25)
