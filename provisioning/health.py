"""The organization's health at a glance (the dashboard): what failed, what waits and why,
what is queued and when it should be done, each with where to act. The counts are Manage
Apps' (connection_status.describe_apps: a subquery per kind in the apps' one query)."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from apps_catalog.models import TenantApp
from apps_catalog.services import row_count
from notifications.models import Email

from . import budget
from .connection_status import describe_apps, expected_finish, time_left
from .models import AppAccount, Connection, Plan
from .status import Status


@dataclass
class AppHealth:
    app: TenantApp
    connection: Connection | None
    failed: int = 0
    held: int = 0
    queued: int = 0  # queued or running

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
    apps = apps.select_related("catalog_app", "connection").order_by("name")
    apps = describe_apps(apps.annotate(failed_count=row_count(AppAccount, status=Status.FAILED)))
    rows = [
        AppHealth(
            app=app,
            connection=getattr(app, "connection", None),
            failed=app.failed_count or 0,
            held=app.held_jobs or 0,
            queued=app.busy_jobs or 0,
        )
        for app in apps
    ]
    rows = [row for row in rows if row.failed or row.held or row.queued or row.broken]
    return Health(
        apps=rows,
        failed_emails=Email.objects.filter(
            organization_id=organization.pk, state=Email.State.FAILED
        ).count(),
        waiting_plans=Plan.objects.filter(
            organization=organization, state=Plan.State.AWAITING
        ).count(),
    )
