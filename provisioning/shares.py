"""Each app's and each organization's share of a worker process's threads.

- A slow app (its recent calls average more than SLOW_APP_SECONDS, or time out) runs on at
  most SLOW_APP_MAX_THREADS threads: one hanging vendor cannot hold every thread.
- An organization runs on at most ORG_MAX_THREADS threads while another organization has
  jobs due: its chunks beyond that stop between jobs (within a second) and go back to the
  queue, so the other organization's single seat is not held behind a 10,000-seat batch.
  With nobody else waiting, one organization may use every thread.
A chunk that may not run now is put back for a second later (engine.bounce).

The counts are this process's; each worker process keeps its own shares."""

import threading
import time
from collections import defaultdict

from django.conf import settings
from django.utils import timezone

from .models import Job

_lock = threading.Lock()
_chunks = defaultdict(list)  # ("org"|"app", id) -> tokens of the chunks running, in order
_latency = {}  # app id -> recent seconds per call (moving average)


def note_call(app_id, seconds):
    old = _latency.get(app_id, seconds)
    _latency[app_id] = 0.7 * old + 0.3 * seconds


def slow(app_id):
    return _latency.get(app_id, 0.0) > settings.SLOW_APP_SECONDS


def others_waiting(organization_id):
    """Has another organization jobs due now? (one indexed query)"""
    return (
        Job.objects.filter(state=Job.State.QUEUED, not_before__lte=timezone.now())
        .exclude(organization_id=organization_id)
        .exists()
    )


class Share:
    """A chunk's place among the threads: enter() says whether it may start; keep() whether
    it may go on (checked about once a second)."""

    def __init__(self, organization_id, app_id):
        self.keys = [("org", organization_id), ("app", app_id)]
        self.organization_id, self.app_id = organization_id, app_id
        self.token = object()
        self.checked = 0.0

    def __enter__(self):
        with _lock:
            for key in self.keys:
                _chunks[key].append(self.token)
        return self

    def __exit__(self, *exc):
        with _lock:
            for key in self.keys:
                _chunks[key].remove(self.token)

    def rank(self, key):
        return _chunks[key].index(self.token)

    def over(self):
        """Whether this chunk is beyond its app's or organization's share right now."""
        if slow(self.app_id) and self.rank(("app", self.app_id)) >= settings.SLOW_APP_MAX_THREADS:
            return True
        if self.rank(("org", self.organization_id)) >= settings.ORG_MAX_THREADS:
            return others_waiting(self.organization_id)
        return False

    def keep(self):
        """May the chunk go on with its next job? Asked before each; checks once a second."""
        now = time.monotonic()
        if now - self.checked < 1.0:
            return True
        self.checked = now
        return not self.over()
