"""Shared steps of the lifecycle tests: run what is queued, read the real SCIM server."""

from django.utils import timezone

from provisioning import engine
from provisioning.models import AppAccount, Job


def run_queued(rounds=5):
    """Runs the queued jobs as a worker would, round after round (an account's jobs run in
    order, so a later one waits for the round after its predecessor)."""
    for _ in range(rounds):
        queued = list(Job.objects.filter(state=Job.State.QUEUED).values_list("pk", flat=True))
        if not queued:
            return
        Job.objects.filter(pk__in=queued).update(not_before=timezone.now())  # backoffs over
        engine.run_jobs(queued)


def remote_user(server, account):
    """The user as the SCIM server holds it, or None when it is gone."""
    account = AppAccount.objects.get(pk=account.pk)
    return next((r for r in server.storage.resources if r.id == account.remote_id), None)
