"""Retry all failed: every failed account of people in the console gets a new job (which
looks its account up first). Beyond a few hundred it runs in the background with progress."""

from django.db import transaction

from apps_catalog.models import TenantApp

from . import background
from .models import AppAccount, Job
from .services import AccountRequest, queue_jobs
from .status import Status


def failed_accounts(app):
    return AppAccount.objects.filter(app=app, status=Status.FAILED, user__isnull=False)


def retry_failed(app, by, report=None):
    """Queues the retries a batch at a time (each its own transaction); returns how many."""
    accounts = list(failed_accounts(app).select_related("user").order_by("pk"))
    queued = 0
    for start_at, batch in background.in_batches(accounts):
        requests = [AccountRequest(user=a.user, action=Job.Action.CREATE) for a in batch]
        with transaction.atomic():
            queued += len(queue_jobs(app, requests, trigger="retry all failed", requested_by=by))
        if report:
            report(start_at + len(batch), len(accounts))
    return queued


@background.kind("retry_failed")
def retry_failed_in_background(action, report):
    """params: app_id."""
    app = TenantApp.objects.select_related("catalog_app").get(pk=action.params["app_id"])
    queued = retry_failed(app, action.requested_by, report)
    return f"Retrying {queued} failed account{'' if queued == 1 else 's'} in {app.name}."
