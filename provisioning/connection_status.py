"""An app's connection as an admin reads it, and Test connection.

- `describe_apps`: Manage Apps' one status per app, in words ("Broken: ...", "Waiting for
  working credentials (3 jobs held)", "2 failed", "Provisioning 40", "OK"), its counts
  annotated into the page's one query of apps (a subquery per kind through the (app, state)
  indexes), whatever the number of apps, accounts and jobs.
- `overview`: what the app's page shows: the state and its reason, the last check, the rate
  budget, the jobs queued, running and held, when the queued work should be done and a 429's
  pause.
- `check_now`: Test connection. The connector's check, run now on the stored credentials
  (never shown back). Only a vendor that rejects the credentials (401/403) breaks a working
  connection; a vendor that cannot be reached (timeout, 5xx, 429) leaves it as it was. A
  passing check fixes a broken connection and resumes its held jobs.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Count
from django.template.defaultfilters import pluralize
from django.utils import timezone

from apps_catalog.services import row_count

from . import budget, engine, services
from .connectors.errors import AuthenticationError, ConnectorError, TransientError
from .connectors.http import redact
from .connectors.registry import connector_class
from .models import Connection, Job
from .status import Status

# The words of a status's badge: its CSS class (static/css/console.css).
OK, WORKING, NOT_SET_UP, WARN, BAD = "ok", "working", "none", "warn", "bad"
BUSY = [Job.State.QUEUED, Job.State.RUNNING]
OPEN = [*BUSY, Job.State.HELD]
UNKNOWN_REASON = "The app rejected the saved credentials."
STATE_WORDS = {Connection.State.CONNECTED: "connected", Connection.State.BROKEN: "broken"}


@dataclass
class AppStatus:
    level: str  # OK, WORKING, NOT_SET_UP, WARN or BAD: its badge
    words: str  # what is wrong or waiting, said first: "Broken", "2 failed"
    reason: str = ""  # the vendor's, for a broken connection
    details: tuple = ()  # what else: "2 failed", "Paused by the app (429) until 14:05:10"

    def __str__(self):
        said = f"{self.words}: {self.reason}" if self.reason else self.words
        return ". ".join([said, *self.details])


def jobs_word(n):
    return f"{n} job{pluralize(n)}"


def status_of(app, connection, *, failed=0, held=0, busy=0):
    """The one status of an app: the most pressing thing first, the rest as details. A job
    of an app without working credentials waits (the engine holds it when it comes), so
    queued jobs count as held there."""
    if not app.catalog_app.supports_provisioning:
        return AppStatus(OK, "OK")
    state = connection.state if connection else Connection.State.NOT_CONFIGURED
    connected = state == Connection.State.CONNECTED
    waiting = held if connected else held + busy
    details = []
    if state == Connection.State.BROKEN:
        status = AppStatus(BAD, "Broken", reason=connection.state_message or UNKNOWN_REASON)
        if waiting:
            details.append(f"{jobs_word(waiting)} held")
    elif waiting:
        status = AppStatus(WARN, f"Waiting for working credentials ({jobs_word(waiting)} held)")
    elif not connected:
        status = AppStatus(NOT_SET_UP, "Not connected")
    elif failed:
        status = AppStatus(WARN, f"{failed} failed")
    elif busy:
        status = AppStatus(WORKING, f"Provisioning {busy}")
    else:
        return AppStatus(OK, "OK")
    if failed and status.words != f"{failed} failed":
        details.append(f"{failed} failed")
    if connected and busy:
        if status.level != WORKING:
            details.append(f"Provisioning {busy}")
        until = budget.paused_until(connection)
        if until:
            details.append(f"Paused by the app (429) until {timezone.localtime(until):%H:%M:%S}")
    status.details = tuple(details)
    return status


def describe_apps(apps):
    """Manage Apps: the apps (a queryset with `failed_count` and the connection selected)
    with `provisioning_status` set on each. Its job counts join the apps' one query."""
    apps = apps.annotate(
        held_jobs=row_count(Job, state=Job.State.HELD),
        busy_jobs=row_count(Job, state__in=BUSY),
    )
    rows = list(apps)
    for app in rows:
        app.provisioning_status = status_of(
            app,
            getattr(app, "connection", None),
            failed=getattr(app, "failed_count", 0) or 0,
            held=app.held_jobs or 0,
            busy=app.busy_jobs or 0,
        )
    return rows


# --- the app's page ---------------------------------------------------------------------------


@dataclass
class Overview:
    """What the app's page says of its connection."""

    app: object
    connection: Connection | None
    jobs: dict  # Job.State -> count, of the open ones
    failed: int
    connector_name: str  # "" while its connector is not built
    per_minute: int | None  # the rate budget, requests a minute
    budget_is_override: bool
    finish_at: object = None  # when the queued work should be done, at the budget
    paused_until: object = None  # a 429's Retry-After, while it lasts

    @property
    def state(self):
        return self.connection.state if self.connection else Connection.State.NOT_CONFIGURED

    @property
    def connected(self):
        return self.state == Connection.State.CONNECTED

    @property
    def broken(self):
        return self.state == Connection.State.BROKEN

    @property
    def has_credentials(self):
        return bool(self.connection and self.connection.credentials)

    @property
    def can_test(self):
        return self.has_credentials and not self.app.archived_at and self.connector_name != ""

    @property
    def checked_at(self):
        return self.connection.checked_at if self.connection else None

    @property
    def reason(self):
        """Why a broken connection is broken, in the vendor's words."""
        return (self.connection.state_message or UNKNOWN_REASON) if self.broken else ""

    @property
    def last_check_problem(self):
        """What the last test of a working connection could not do (the vendor was not
        reached), or ""."""
        return self.connection.state_message if self.connected else ""

    @property
    def queued(self):
        return self.jobs.get(Job.State.QUEUED, 0)

    @property
    def running(self):
        return self.jobs.get(Job.State.RUNNING, 0)

    @property
    def held(self):
        return self.jobs.get(Job.State.HELD, 0)

    @property
    def jobs_left(self):
        return self.queued + self.running

    @property
    def seconds_per_request(self):
        """The request interval in seconds as a person writes it: 0.1, 0.33, 6."""
        if not self.per_minute:
            return ""
        return f"{60 / self.per_minute:.2f}".rstrip("0").rstrip(".")

    @property
    def finish_in(self):
        return time_left(self.finish_at) if self.finish_at else ""


def overview(app):
    """The app's connection for its page, or None for an app without auto-provisioning.
    Three queries: the connection, its open jobs by state, its failed accounts."""
    if not app.catalog_app.supports_provisioning:
        return None
    connection = Connection.objects.filter(app=app).first()
    jobs = dict(
        Job.objects.filter(app=app, state__in=OPEN)
        .values_list("state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    failed = app.accounts.filter(status=Status.FAILED).count()
    cls = connector_class(app.catalog_app.connector_key)
    override = connection.rate_limit_per_minute if connection else None
    per_minute = override or (cls.default_rate_limit_per_minute if cls else None)
    view = Overview(
        app=app,
        connection=connection,
        jobs=jobs,
        failed=failed,
        connector_name=cls.name if cls else "",
        per_minute=per_minute,
        budget_is_override=bool(override),
    )
    if view.connected:
        view.paused_until = budget.paused_until(connection)
        if view.jobs_left and per_minute:
            view.finish_at = expected_finish(
                connection, per_minute, view.jobs_left, view.paused_until
            )
    return view


def expected_finish(connection, per_minute, jobs_left, paused_until=None):
    """When the jobs left should be done: one request interval each from now (or from the
    end of a 429's pause), or the planning clock's end when its places reach further."""
    now = timezone.now()
    by_budget = max(now, paused_until or now) + timedelta(seconds=60 / per_minute) * jobs_left
    return max(by_budget, connection.next_slot_at or now)


def time_left(when):
    """How long until `when`: within a minute, about 3 minutes, about 2 hours."""
    seconds = (when - timezone.now()).total_seconds()
    if seconds < 60:
        return "within a minute"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"about {minutes} minute{pluralize(minutes)}"
    hours = round(minutes / 60)
    return f"about {hours} hour{pluralize(hours)}"


# --- Test connection ---------------------------------------------------------------------------

PASSED = "passed"
REJECTED = "rejected"  # 401/403: the connection is broken
UNREACHABLE = "unreachable"  # timeout, 5xx, 429: the state is kept
FAILED = "failed"  # any other refusal (a wrong address, ...): the state is kept
NO_CREDENTIALS = "no_credentials"  # nothing to test


@dataclass
class Check:
    outcome: str
    message: str = ""  # the vendor's reason, redacted
    state: str = ""  # the connection's state after the check
    resumed: int = 0  # held jobs sent back to the queue

    @property
    def passed(self):
        return self.outcome == PASSED

    def says(self, app):
        """The admin's message after the test."""
        if self.outcome == PASSED:
            resumed = f" {jobs_word(self.resumed)} held resumed." if self.resumed else ""
            return f"Connected: {app.name} accepted the saved credentials.{resumed}"
        if self.outcome == REJECTED:
            return (
                f"{app.name} rejected the saved credentials: {self.message} The connection is "
                "broken; its jobs wait until working credentials are saved."
            )
        if self.outcome == NO_CREDENTIALS:
            return f"{app.name} has no saved credentials to test: enter them under Assign Users."
        kept = STATE_WORDS.get(self.state, "not connected")
        if self.outcome == UNREACHABLE:
            return f"{app.name} could not be reached: {self.message} The connection stays {kept}."
        return f"The test failed: {self.message} The connection stays {kept}."

    def audit_detail(self):
        detail = {"result": self.outcome, "state": self.state}
        if self.message:
            detail["message"] = self.message
        if self.resumed:
            detail["resumed_jobs"] = self.resumed
        return detail


def check_now(app):
    """Test connection: the connector's check on the app's stored credentials, now. Its
    state, state_message and checked_at say what was found (a broken connection keeps the
    vendor's reason when the vendor could not be reached this time)."""
    connection = Connection.objects.filter(app=app).first()
    cls = connector_class(app.catalog_app.connector_key)
    if cls is None or connection is None or not connection.credentials:
        state = connection.state if connection else Connection.State.NOT_CONFIGURED
        return Check(NO_CREDENTIALS, state=state)
    secrets = cls.secret_values(connection.credentials)
    try:
        server_info = cls.build(connection.credentials).test_connection()
    except AuthenticationError as error:
        message = redact(error.message, secrets)
        engine.mark_broken(connection, message[:500])  # and its queued jobs are held
        return Check(REJECTED, message, Connection.State.BROKEN)
    except ConnectorError as error:
        message = redact(error.message, secrets)
        outcome = UNREACHABLE if isinstance(error, TransientError) else FAILED
        # Only the fields of the check: the worker moves the budget's clocks meanwhile.
        Connection.objects.filter(pk=connection.pk, state=Connection.State.CONNECTED).update(
            state_message=message[:500], checked_at=timezone.now()
        )
        return Check(outcome, message, connection.state)
    with transaction.atomic():
        Connection.objects.filter(pk=connection.pk).update(
            state=Connection.State.CONNECTED,
            state_message="",
            checked_at=timezone.now(),
            server_info=server_info,
        )
        resumed = services.resume_held_jobs(app)
    return Check(PASSED, state=Connection.State.CONNECTED, resumed=resumed)
