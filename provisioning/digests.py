"""Admins are told, by email, what needs them: a connection that breaks (at once, once per
break), and a batch that ended with failures (one digest per app when its work settles,
not one email per account). The emails are Email rows (notifications), so the sweep sends
them whatever the broker loses; Connection.failures_told_at says what was told already."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Exists, F, Min, OuterRef
from django.urls import reverse
from django.utils import timezone

from notifications.services import queue_emails

from .models import Connection, Job

SHOWN = 20  # failures listed in a digest; the link shows them all
# A digest waits for the app's batch to settle, but not longer than this (a steady trickle of
# work would otherwise hold it for ever).
LONGEST_WAIT = timedelta(hours=1)


def admins(organization_id):
    people = get_user_model().objects.filter(
        organization_id=organization_id, role="admin", is_active=True
    )
    return list(people.order_by("email"))


def tell_admins(organization_id, template, context):
    messages = [([admin.email], {**context, "admin": admin}) for admin in admins(organization_id)]
    queue_emails(
        messages,
        f"provisioning/email/{template}_subject.txt",
        f"provisioning/email/{template}.txt",
        None,
        organization_id=organization_id,
    )


def connection_broken(connection, message):
    """Called once per break (engine.mark_broken changes the state once)."""
    app = connection.app
    held = Job.objects.filter(  # the running chunk's jobs are held next
        app_id=app.pk, state__in=[Job.State.HELD, Job.State.QUEUED, Job.State.RUNNING]
    ).count()
    path = reverse("assign_users", kwargs={"app_id": app.pk})
    tell_admins(
        connection.organization_id,
        "connection_broken",
        {
            "app": app,
            "reason": message,
            "held": held,
            "url": f"{settings.SITE_URL}{path}?step=credentials",
        },
    )


def send_failure_digests(now=None):
    """The sweep's part: one digest per app whose new failures' batch has settled (no job
    of the app queued or running), or whose oldest untold failure waited LONGEST_WAIT."""
    now = now or timezone.now()
    untold = Job.objects.filter(
        state=Job.State.FAILED, finished_at__gt=F("app__connection__failures_told_at")
    )
    open_jobs = Job.objects.filter(
        app_id=OuterRef("app_id"), state__in=[Job.State.QUEUED, Job.State.RUNNING]
    )
    apps = (
        untold.values("app_id")
        .annotate(n=Count("pk"), oldest=Min("finished_at"), busy=Exists(open_jobs))
        .order_by()
    )
    sent = 0
    for row in apps:
        if row["busy"] and row["oldest"] > now - LONGEST_WAIT:
            continue
        sent += send_digest(row["app_id"], now)
    return sent


@transaction.atomic
def send_digest(app_id, now):
    connection = (
        Connection.objects.select_for_update(of=("self",)).select_related("app").get(app_id=app_id)
    )
    failed = Job.objects.filter(
        app_id=app_id,
        state=Job.State.FAILED,
        finished_at__gt=connection.failures_told_at,
        finished_at__lte=now,
    )
    count = failed.count()
    if not count:  # another sweep told them already
        return 0
    shown = failed.select_related("account").order_by("finished_at")[:SHOWN]
    app = connection.app
    path = reverse("app_users", kwargs={"app_id": app.pk})
    tell_admins(
        connection.organization_id,
        "failures",
        {
            "app": app,
            "count": count,
            "failures": [(job.account.email, job.last_error) for job in shown],
            "more": max(count - SHOWN, 0),
            "url": f"{settings.SITE_URL}{path}?status=failed",
        },
    )
    Connection.objects.filter(pk=connection.pk).update(failures_told_at=now)
    return 1
