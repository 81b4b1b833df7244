"""Each app's request budget: jobs take places spaced by its requests per minute (the
connector's default or the app's override), so a big batch paces itself instead of
collecting 429s."""

from datetime import timedelta

from django.db import connection as db
from django.db import transaction
from django.utils import timezone

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
        per_minute = connection.rate_limit_per_minute or connector_default_rate(jobs[0].app)
        interval = timedelta(seconds=60.0 / per_minute)
        first = take_slots(connection, interval * len(new))
        for index, job in enumerate(new):
            job.slot_at = first + interval * index
    return [job.slot_at for job in jobs]


def take_slots(connection, length):
    """Moves the app's budget clock on by length; returns where the taken stretch begins."""
    now = timezone.now()
    if db.vendor == "postgresql":
        with db.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Connection._meta.db_table} SET next_slot_at = "
                "GREATEST(next_slot_at, %s) + %s WHERE id = %s RETURNING next_slot_at",
                [now, length, connection.pk],
            )
            end = cursor.fetchone()[0]
    else:  # SQLite: its transactions take the database's write lock anyway
        with transaction.atomic():
            end = max(now, Connection.objects.get(pk=connection.pk).next_slot_at) + length
            Connection.objects.filter(pk=connection.pk).update(next_slot_at=end)
    connection.next_slot_at = end
    return end - length


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


def connector_default_rate(app):
    from .connectors.registry import connector_class

    return connector_class(app.catalog_app.connector_key).default_rate_limit_per_minute
