"""Each app's request budget (the connector's default requests per minute or the app's
override), kept by two clocks on its connection:

- the planning clock (next_slot_at): each job takes a place on it, and a job whose place is
  far off goes back to the queue until then, so a big batch waits in the queue, not in the
  worker's threads;
- the request clock (next_call_at): each request takes the next place on it just before it
  goes (Pacer), so the vendor never sees more than the budget, whatever the plan missed: a
  job that comes late after an outage, a lookup before a create, a page of a listing.
"""

import contextlib
import time
from datetime import timedelta

from django.db import connection as db
from django.db import transaction
from django.utils import timezone

from . import shares
from .connectors.errors import TransientError
from .models import Connection

LATE = timedelta(seconds=5)  # a reserved place this far in the past is given up


def reserve_slots(connection, jobs):
    """Takes the jobs' places in the app's request budget; returns each one's slot time.

    Places are spaced by the budget (requests per minute). A job that comes back for a
    place it reserved earlier keeps that place, unless the place is long past (the job was
    held up: by a dead worker, a lost broker, a pause): then it queues up again, or the
    vendor would see every late job at once. On PostgreSQL the places are taken in one
    statement: the connection row is locked for that statement only.
    """
    late = timezone.now() - LATE
    new = [job for job in jobs if job.slot_at is None or job.slot_at < late]
    if new:
        interval = request_interval(connection, jobs[0].app)
        first = take_slots(connection, interval * len(new))
        for index, job in enumerate(new):
            job.slot_at = first + interval * index
    return [job.slot_at for job in jobs]


def take_slots(connection, length):
    """Moves the app's planning clock on by length; returns where the taken stretch begins."""
    end = advance(connection, "next_slot_at", timezone.now(), length)
    connection.next_slot_at = end
    return end - length


def advance(connection, clock, not_before, length, latest=None):
    """Moves one of the connection's clocks to GREATEST(clock, not_before) + length and
    returns it; with latest, only when the taken place starts by then (None otherwise).
    On PostgreSQL in one statement: the row is locked for that statement only."""
    latest = latest or timezone.now() + timedelta(days=3650)
    if db.vendor == "postgresql":
        with db.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Connection._meta.db_table} SET {clock} = "
                f"GREATEST({clock}, %s) + %s WHERE id = %s AND GREATEST({clock}, %s) <= %s "
                f"RETURNING {clock}",
                [not_before, length, connection.pk, not_before, latest],
            )
            row = cursor.fetchone()
            return row[0] if row else None
    with transaction.atomic():  # SQLite: its transactions take the database's write lock
        start = max(
            not_before,
            Connection.objects.filter(pk=connection.pk).values_list(clock, flat=True)[0],
        )
        if start > latest:
            return None
        Connection.objects.filter(pk=connection.pk).update(**{clock: start + length})
    return start + length


# A request may go this far ahead of the request clock: a small burst after a quiet spell,
# so the vendor sees at most budget + 1 + CALL_TOLERANCE worth of requests in any window.
CALL_TOLERANCE = timedelta(seconds=0.2)
# Longer than this for a place on the request clock, and the job goes back to the queue (a
# thread does not sleep past its chunk's lease).
MAX_CALL_WAIT_SECONDS = 5.0


# A budget above this many requests a minute (200 a second: above the vendors' published
# limits) is paced by the plan alone: a database round trip per request would cost more than
# the spacing it keeps (benchmarks set 1,000,000 to measure the engine, not the budget).
PACED_UP_TO_PER_MINUTE = 12_000


class Busy(TransientError):
    """No place on the request clock soon: the job goes back, its attempt not counted."""


class Pacer:
    """Spaces a chunk's requests on the app's request clock (VendorHTTP makes each request
    inside request()), tells the app's thread share how long they take, and notes the current
    job's requests for the provisioning log. It counts them,
    so requests beyond one per job take places on the planning clock too (settle): the jobs
    planned after them then do not wait for the request clock in a thread."""

    def __init__(self, connection, app):
        self.connection = connection
        self.interval = request_interval(connection, app)
        self.spaced = self.interval >= timedelta(minutes=1) / PACED_UP_TO_PER_MINUTE
        self.requests = 0
        self.planned = 0  # the chunk's jobs that had a place on the planning clock
        self.calls = []  # the current job's requests, for the provisioning log

    @contextlib.contextmanager
    def request(self, method, path):
        """One request: its place in the budget first; then it is timed (the wait is not in
        its time) and noted for the job (VendorHTTP sets the status when it is answered)."""
        self.wait_for_place()
        call = {"method": method, "path": path, "status": None}
        self.calls.append(call)
        started = time.monotonic()
        try:
            with shares.calling(self.connection.app_id):
                yield call
        finally:
            call["ms"] = round((time.monotonic() - started) * 1000)

    def wait_for_place(self):
        if not self.spaced:
            self.requests += 1
            return
        now = timezone.now()
        latest = now + timedelta(seconds=MAX_CALL_WAIT_SECONDS)
        at = advance(self.connection, "next_call_at", now - CALL_TOLERANCE, self.interval, latest)
        if at is None:
            raise Busy("The app's request budget is taken for now.", retry_after=1)
        wait = (at - self.interval - now).total_seconds()
        if wait > 0:
            time.sleep(wait)
        self.requests += 1

    def job_started(self):
        self.planned += 1
        self.calls = []

    def settle(self):
        extra = self.requests - self.planned
        if extra > 0 and self.spaced:
            take_slots(self.connection, self.interval * extra)
            self.planned = self.requests


# Pauses this process has heard of, so its other threads stop at once (others read the
# connection's paused_until when they record, every second).
_paused = {}


def pause(connection, until):
    if until > _paused.get(connection.pk, until - timedelta(seconds=1)):
        _paused[connection.pk] = until


def paused_until(connection):
    """When the app may be called again, if it asked us to wait; None otherwise."""
    until = max(filter(None, [_paused.get(connection.pk), connection.paused_until]), default=None)
    return until if until and until > timezone.now() else None


def request_interval(connection, app):
    """The time between two requests in the app's budget."""
    from .connectors.registry import connector_class

    per_minute = connection.rate_limit_per_minute or (
        connector_class(app.catalog_app.connector_key).default_rate_limit_per_minute
    )
    return timedelta(seconds=60.0 / per_minute)
