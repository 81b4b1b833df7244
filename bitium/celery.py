import logging
import os
import threading
import time

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


# --- The watchdog: a worker that is alive but no longer receives tasks exits, so that its
# supervisor (make run's run_demo, docker compose's restart policy) starts a new one. Celery's
# consumer can die on a lost broker while the process lives on (a known Celery/kombu bug).
WATCHDOG_PING_SECONDS = 20
WATCHDOG_TIMEOUT_SECONDS = 120
_last_received = [time.monotonic()]
logger = logging.getLogger("bitium.watchdog")


@app.task(name="bitium.heartbeat", ignore_result=True, expires=WATCHDOG_TIMEOUT_SECONDS)
def heartbeat():
    """Nothing to do: receiving it is the proof the worker consumes."""


@signals.task_received.connect
def note_received(**kwargs):
    _last_received[0] = time.monotonic()


@signals.worker_ready.connect
def start_watchdog(**kwargs):
    if os.environ.get("WORKER_WATCHDOG", "").lower() in ("1", "true", "yes"):
        threading.Thread(target=watch, name="watchdog", daemon=True).start()


def watch():
    while True:
        time.sleep(WATCHDOG_PING_SECONDS)
        try:
            heartbeat.apply_async()
        except Exception:  # the broker is away; the timeout below decides
            logger.warning("Could not reach the broker to ping the worker.")
        silent = time.monotonic() - _last_received[0]
        if silent > WATCHDOG_TIMEOUT_SECONDS:
            logger.error("No task received for %d s: exiting to be restarted.", silent)
            os._exit(3)
