"""Each app's and each organization's share of a worker process's threads.

- A slow app (its recent requests average more than SLOW_APP_SECONDS, or one still running
  has taken that long already) runs on at most SLOW_APP_MAX_THREADS threads: one hanging
  vendor cannot hold every thread. An app none of whose requests has ended yet in this
  process counts as slow too: a chunk beyond that share waits a moment for the first answer
  (LEARN_SECONDS) and then goes back, so a vendor that hangs from the start holds only its
  share.
- An organization runs on at most ORG_MAX_THREADS threads while another organization has
  jobs due: its chunks beyond that stop between jobs (within a second) and go back to the
  queue, so the other organization's single seat is not held behind a 10,000-seat batch.
  With nobody else waiting, one organization may use every thread.
A chunk that may not run now is put back for a second later (engine.bounce).

The counts are this process's; each worker process keeps its own shares."""

import contextlib
import threading
import time
from collections import defaultdict

from django.conf import settings
from django.utils import timezone

from .models import Job

_lock = threading.Lock()
_chunks = defaultdict(list)  # ("org"|"app", id) -> tokens of the chunks running, in order
_latency = {}  # app id -> recent seconds per request (moving average)
_in_flight = defaultdict(dict)  # app id -> {token: when its request started}
LEARN_SECONDS = 0.5


@contextlib.contextmanager
def calling(app_id):
    """Times one request to the app (budget.Pacer wraps each one in it)."""
    token, started = object(), time.monotonic()
    with _lock:
        _in_flight[app_id][token] = started
    try:
        yield
    finally:
        with _lock:
            del _in_flight[app_id][token]
        note_call(app_id, time.monotonic() - started)


def note_call(app_id, seconds):
    old = _latency.get(app_id, seconds)
    _latency[app_id] = 0.7 * old + 0.3 * seconds


def slow(app_id):
    if app_id not in _latency:  # nothing known yet
        return True
    if _latency[app_id] > settings.SLOW_APP_SECONDS:
        return True
    oldest = min(_in_flight[app_id].values(), default=None)
    return oldest is not None and time.monotonic() - oldest > settings.SLOW_APP_SECONDS


def others_waiting(organization_id):
    """Has another organization jobs due now? (one indexed query)"""
    return (
        Job.objects.filter(state=Job.State.QUEUED, not_before__lte=timezone.now())
        .exclude(organization_id=organization_id)
        .exists()
    )


def answer_expected(app_id, deadline):
    """For an app not heard from yet: may its first answer still come in a moment?"""
    now = time.monotonic()
    oldest = min(_in_flight[app_id].values(), default=None)
    return now < deadline and (oldest is None or now - oldest < LEARN_SECONDS)


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

    def may_start(self):
        """Whether the chunk may start now: within its shares, or its app's first answer
        (awaited a moment) shows the app is not slow."""
        deadline = time.monotonic() + LEARN_SECONDS
        while self.over_app_share():
            if self.app_id in _latency or not answer_expected(self.app_id, deadline):
                return False
            time.sleep(0.02)
        return not self.over_organization_share()

    def over(self):
        return self.over_app_share() or self.over_organization_share()

    def over_app_share(self):
        ranked = self.rank(("app", self.app_id))
        return slow(self.app_id) and ranked >= settings.SLOW_APP_MAX_THREADS

    def over_organization_share(self):
        if self.rank(("org", self.organization_id)) >= settings.ORG_MAX_THREADS:
            return others_waiting(self.organization_id)  # one indexed query
        return False

    def keep(self):
        """May the chunk go on with its next job? Asked before each: the app's share every
        time (in memory), the organization's once a second."""
        if self.over_app_share():
            return False
        now = time.monotonic()
        if now - self.checked < 1.0:
            return True
        self.checked = now
        return not self.over_organization_share()
