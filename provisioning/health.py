"""The organization's health at a glance (the dashboard): what failed, what waits and why,
what is queued and when it should be done, each with where to act. A few grouped queries
whatever the organization's size: each count goes through the (app, status) and
(app, state) indexes of the organization's apps."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from apps_catalog.models import TenantApp
from notifications.models import Email

from . import budget
from .connection_status import expected_finish, time_left
from .models import AppAccount, Connection, Job, Plan
from .status import Status


@dataclass
class AppHealth:
    app: TenantApp
    connection: Connection | None
    failed: int = 0
    jobs: dict = field(default_factory=dict)  # state -> count

    @property
    def held(self):
        return self.jobs.get(Job.State.HELD, 0)

    @property
    def queued(self):
        return self.jobs.get(Job.State.QUEUED, 0) + self.jobs.get(Job.State.RUNNING, 0)

    @property
    def broken(self):
        return self.connection is not None and self.connection.state == Connection.State.BROKEN

    @property
    def not_connected(self):
        state = self.connection.state if self.connection else Connection.State.NOT_CONFIGURED
        return state != Connection.State.CONNECTED and (self.held or self.queued)

    @property
    def paused_until(self):
        until = self.connection.paused_until if self.connection else None
        return until if until and until > timezone.now() else None

    @property
    def finish_at(self):
        """When the queued work should be done at the app's budget (None: nothing queued)."""
        if not self.queued or self.connection is None:
            return None
        per_minute = timedelta(minutes=1) / budget.request_interval(self.connection, self.app)
        return expected_finish(self.connection, per_minute, self.queued, self.paused_until)

    @property
    def finish_in(self):
        """ "within a minute", "in about 3 minutes"."""
        if not self.finish_at:
            return ""
        left = time_left(self.finish_at)
        return left if left.startswith("within") else f"in {left}"

    @property
    def needs_attention(self):
        return bool(self.failed or self.held or self.broken or self.not_connected)


@dataclass
class Health:
    apps: list  # AppHealth of the apps with something failed, waiting or queued
    failed_emails: int
    waiting_plans: int

    @property
    def attention(self):
        return [a for a in self.apps if a.needs_attention]

    @property
    def working(self):
        return [a for a in self.apps if a.queued and not a.needs_attention]

    @property
    def all_clear(self):
        return not (self.apps or self.failed_emails or self.waiting_plans)


def of_organization(organization):
    apps = TenantApp.objects.filter(organization=organization, archived_at__isnull=True)
    app_ids = apps.values("pk")
    failed = dict(
        AppAccount.objects.filter(app_id__in=app_ids, status=Status.FAILED)
        .values_list("app_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    jobs = {}
    open_jobs = (
        Job.objects.filter(
            app_id__in=app_ids, state__in=[Job.State.QUEUED, Job.State.RUNNING, Job.State.HELD]
        )
        .values_list("app_id", "state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for app_id, state, n in open_jobs:
        jobs.setdefault(app_id, {})[state] = n
    involved = apps.filter(
        Q(pk__in=set(failed) | set(jobs)) | Q(connection__state=Connection.State.BROKEN)
    )
    by_id = {app.pk: app for app in involved.select_related("catalog_app", "connection")}
    rows = [
        AppHealth(
            app=app,
            connection=getattr(app, "connection", None),
            failed=failed.get(app.pk, 0),
            jobs=jobs.get(app.pk, {}),
        )
        for app in sorted(by_id.values(), key=lambda a: a.name.lower())
    ]
    return Health(
        apps=rows,
        failed_emails=Email.objects.filter(
            organization_id=organization.pk, state=Email.State.FAILED
        ).count(),
        waiting_plans=Plan.objects.filter(
            organization=organization, state=Plan.State.AWAITING
        ).count(),
    )
