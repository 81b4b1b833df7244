"""Celery tasks: thin wrappers that take ids, enter the tenant's scope and call the engine."""

from celery import shared_task
from django_scopes import scope, scopes_disabled

from . import engine


@shared_task(acks_late=True, ignore_result=True)
def run_job(organization_id, job_id):
    with scope(organization=organization_id):
        return engine.run_job(job_id)


@shared_task(ignore_result=True)
def sweep():
    with scopes_disabled():  # jobs of every organization
        return engine.sweep()
