"""Celery tasks: thin wrappers that take ids, enter the tenant's scope and call the engine."""

from celery import shared_task
from django.conf import settings
from django_scopes import scope, scopes_disabled

from . import (
    assigning,  # noqa: F401  (registers its background kind)
    background,
    changes,  # noqa: F401  (registers its background kind)
    engine,
    importing,  # noqa: F401  (registers its background kind)
    mapping,
    retrying,  # noqa: F401  (registers its background kind)
    upkeep,
    welcome,
)


@shared_task(acks_late=True, ignore_result=True)
def run_jobs(organization_id, job_ids):
    with scope(organization=organization_id):
        return engine.run_jobs(job_ids)


@shared_task(ignore_result=True)
def sweep():
    with scopes_disabled():  # jobs of every organization
        return upkeep.sweep()


@shared_task(acks_late=True, ignore_result=True)
def read_accounts(organization_id, run_id):
    with scope(organization=organization_id):
        return mapping.read_in_background(run_id)


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=30)
def send_welcomes(self, organization_id, user_ids):
    with scope(organization=organization_id):
        waiting = welcome.send_welcomes(user_ids)
    if waiting:  # sibling seats still in flight
        raise self.retry(
            args=(organization_id, waiting), countdown=max(settings.WELCOME_DELAY_SECONDS, 1)
        )


@shared_task(acks_late=True, ignore_result=True)
def run_background(organization_id, action_id):
    with scope(organization=organization_id):
        return background.run(action_id)


@shared_task(ignore_result=True)
def reread_apps():
    with scopes_disabled():  # apps of every organization
        return upkeep.reread_apps()


@shared_task(ignore_result=True)
def refresh_sign_ins():
    with scopes_disabled():  # accounts of every organization
        return upkeep.refresh_sign_ins()
