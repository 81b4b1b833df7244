import os

from celery import Celery, signals
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bitium.settings")

app = Celery("bitium")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
def load_connectors(**kwargs):
    from provisioning.connectors.registry import load_all

    load_all()


@signals.task_prerun.connect
def drop_unusable_database_connections(task=None, **kwargs):
    """A task, like a web request, starts by dropping its thread's database connection only
    if it is broken or older than CONN_MAX_AGE (reconnecting for every task cost more than
    the task's own queries)."""
    if not getattr(task.request, "is_eager", False):
        close_old_connections()
