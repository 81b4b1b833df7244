"""The provisioning log: the account events of an organization, newest first, filtered (app,
person, account, action, outcome, time range) and searched on the server.

Pages are cut by keyset, not by offset: "Older" carries the last row's (created_at, id) and
the next page starts below it, so every page, the 1st or the 20,000th, is one index range
read for 51 rows, and nothing counts the million events (a COUNT for "page 3 of 20,000"
would read them all on every view). The CSV export walks the same keyset a chunk at a
time, streamed.

Each filter is one of the indexes of AccountEvent: the organization's events, an app's
(event_log_app), an outcome's or an action's (event_log_outcome, event_log_action), all in
(created_at, id) order; a person's and an account's come through their accounts
(event_account_created). The search matches every word, anywhere in the message or in whom
the event is about (the account's name, email and username, kept on the event: no join), in
any case, through a trigram index on PostgreSQL.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.db.models import F, Func, TextField
from django.db.models.lookups import Contains
from django.utils import timezone
from django.utils.dateparse import parse_date

from bitium import listing

from .models import AccountEvent

PAGE_SIZE = 50
QUERY_LENGTH = 100
QUERY_WORDS = 5
# A search needs one word this long: the trigram index finds nothing shorter.
SHORTEST_WORD = 3

# The time range: its value, its label, how far back it reaches (None: any time).
PERIODS = [
    ("", "Any time", None),
    ("hour", "Last hour", timedelta(hours=1)),
    ("day", "Last 24 hours", timedelta(days=1)),
    ("week", "Last 7 days", timedelta(days=7)),
    ("month", "Last 30 days", timedelta(days=30)),
]
PERIOD_LENGTHS = {value: length for value, _, length in PERIODS}


@dataclass
class Filters:
    """What the log shows: objects already found in the tenant's scope, and the rest as the
    admin chose them (values not among the choices are dropped before they get here)."""

    app: object = None
    person: object = None
    account: object = None
    action: str = ""
    outcome: str = ""
    period: str = ""
    since: datetime | None = None  # from this day on (UTC)
    until: datetime | None = None  # before the end of this day (UTC)
    query: str = ""
    too_short: str = ""  # a search of only short words, not run

    @property
    def from_day(self):
        return self.since.date().isoformat() if self.since else ""

    @property
    def to_day(self):  # `until` is the end of the day chosen: the next day's midnight
        return (self.until - timedelta(days=1)).date().isoformat() if self.until else ""

    def params(self, *, with_app=True):
        """The filters as GET parameters (links to the next page, to the CSV); the app,
        person and account are in the page's own address."""
        params = {
            "app": str(self.app.pk) if self.app is not None and with_app else "",
            "action": self.action,
            "outcome": self.outcome,
            "period": self.period,
            "from": self.from_day,
            "to": self.to_day,
            "q": self.query,
        }
        return {key: value for key, value in params.items() if value}

    def any(self):
        """Is the list narrowed (beyond the app, person or account of the page)?"""
        return any([self.action, self.outcome, self.period, self.since, self.until, self.query])


def read_filters(get, **found):
    """Filters from a request's GET parameters; anything out of place is left out, never an
    error. `found` holds the app, person or account the page is about (found in scope)."""
    action = get.get("action", "")
    outcome = get.get("outcome", "")
    period = get.get("period", "")
    query = " ".join(get.get("q", "").split()[:QUERY_WORDS])[:QUERY_LENGTH]
    too_short = ""
    if query and max(len(word) for word in query.split()) < SHORTEST_WORD:
        too_short, query = query, ""  # no trigram to look up: it would read the whole log
    return Filters(
        too_short=too_short,
        action=action if action in AccountEvent.Action.values else "",
        outcome=outcome if outcome in AccountEvent.Outcome.values else "",
        period=period if period in PERIOD_LENGTHS else "",
        since=day_start(get.get("from", "")),
        until=day_start(get.get("to", ""), days_after=1),
        query=query,
        **found,
    )


def day_start(value, days_after=0):
    """Midnight UTC of a YYYY-MM-DD day (plus days_after), or None."""
    try:
        day = parse_date(value.strip()[:10])
    except ValueError:  # 2024-02-31: well formed, no such day
        return None
    if day is None:
        return None
    try:
        return datetime.combine(day, time.min, tzinfo=UTC) + timedelta(days=days_after)
    except OverflowError:  # the day after 9999-12-31
        return None


def events(filters):
    """The events under these filters, unordered (page() and export order them)."""
    found = AccountEvent.objects.all()
    if filters.account is not None:
        found = found.filter(account=filters.account)
    elif filters.person is not None:
        found = found.filter(account__user=filters.person)
    if filters.app is not None:
        found = found.filter(app=filters.app)
    if filters.action:
        found = found.filter(action=filters.action)
    if filters.outcome:
        found = found.filter(outcome=filters.outcome)
    length = PERIOD_LENGTHS.get(filters.period)
    if length is not None:
        found = found.filter(created_at__gte=timezone.now() - length)
    if filters.since is not None:
        found = found.filter(created_at__gte=filters.since)
    if filters.until is not None:
        found = found.filter(created_at__lt=filters.until)
    for word in filters.query.split():
        found = found.filter(Contains(SearchText(F("who"), F("message")), word.upper()))
    return found


class SearchText(Func):
    """What the search reads of an event, upper-cased: whom it is about (the account's name,
    email and username when it was written) and its message. On PostgreSQL it is the
    expression of the trigram index event_log_search (migration 0014): a rare word is found
    through the index, a common one by reading the newest events until the page is full."""

    template = "UPPER((%(expressions)s))"
    arg_joiner = " || ' ' || "
    output_field = TextField()


SHOWN_WITH = ["account__user", "app", "job__requested_by", "actor"]


@dataclass
class Page:
    rows: list
    newer: str = ""  # the cursor of the page before (newer events), "" on the first page
    older: str = ""  # the cursor of the next page (older events), "" on the last


def page(found, older_than="", newer_than=""):
    """One page of events, newest first: below the cursor older_than, or the page just above
    newer_than (the "Newer" link), or the newest. One query (two when "Newer" reaches the
    newest page)."""
    cursor = parse_cursor(newer_than)
    if cursor is not None:
        rows = shown(listing.newer_than(found, *cursor), ["created_at", "pk"])
        if len(rows) <= PAGE_SIZE:  # back at the newest: the first page, whole
            return page(found)
        rows = rows[:PAGE_SIZE][::-1]
        return Page(rows, newer=cursor_of(rows[0]), older=cursor_of(rows[-1]))
    cursor = parse_cursor(older_than)
    if cursor is not None:
        found = listing.older_than(found, *cursor)
    rows = shown(found, ["-created_at", "-pk"])
    more_older = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return Page(
        rows,
        newer=cursor_of(rows[0]) if rows and cursor is not None else "",
        older=cursor_of(rows[-1]) if more_older else "",
    )


def shown(found, order, count=None):
    """The first PAGE_SIZE + 1 (or count) events in this order, with what their rows show.
    The events are cut first, in a subquery of the events table alone, and only those rows
    are joined: a search whose matches PostgreSQL sorts would otherwise join every match
    before the cut."""
    page = found.order_by(*order).values("pk")[: count or PAGE_SIZE + 1]
    return list(
        AccountEvent.objects.filter(pk__in=page).select_related(*SHOWN_WITH).order_by(*order)
    )


def cursor_of(event):
    """The event's place in the log: microseconds since 1970 and its id."""
    return f"{listing.micros_of(event.created_at)}.{event.pk}"


def parse_cursor(value):
    """(created_at, id) of a cursor, or None for anything else."""
    micros, _, pk = str(value or "").partition(".")
    if not (micros.lstrip("-").isdigit() and pk.isdigit()) or len(micros) > 18 or len(pk) > 18:
        return None
    try:
        return listing.time_of(int(micros)), int(pk)
    except OverflowError:
        return None


EXPORT_CHUNK = 1000


def export_rows(found):
    """The events for the CSV export, newest first, a chunk at a time: each chunk is the
    next keyset page (one index range, joined after the cut, as on the page), so the first
    rows go out at once and the whole log never sits in memory. A server-side cursor over
    the whole query would have PostgreSQL sort and join every event before the first row."""
    rest = found
    while True:
        rows = shown(rest, ["-created_at", "-pk"], EXPORT_CHUNK)
        yield from rows
        if len(rows) < EXPORT_CHUNK:
            return
        rest = listing.older_than(found, rows[-1].created_at, rows[-1].pk)


# --- What a row says ------------------------------------------------------------------------

TRIGGERS = {
    "assign users": "Assign Users",
    "retry": "Retry",
    "group members": "Provision group members",
    "person edited": "Person edited",
    "operator": "Operator command",
}
SECRET_KEYS = {"password", "token", "secret", "api_key", "client_secret", "private_key"}
SHOWN_SECRETS = {"[set]", "[none]", ""}
REDACTED = "[redacted]"


def requested_by(event):
    """Who or what asked for it, in words: the admin and the trigger of its job (Assign
    Users, a group change, Retry, ...), an automatic retry, or the person or the console for
    what happens without a job (a first sign-in)."""
    job = event.job
    if job is None:
        if event.actor is not None:
            return event.actor.full_name or event.actor.email
        if event.action == AccountEvent.Action.SIGN_IN:
            return "Reported by the app"
        return "Bitium"
    cause = TRIGGERS.get(job.trigger) or (job.trigger[:1].upper() + job.trigger[1:])
    who = job.requested_by.full_name or job.requested_by.email if job.requested_by else ""
    said = f"{cause}, by {who}" if who else cause
    if (event.detail or {}).get("attempt", 1) > 1:
        said = f"Automatic retry of: {said}"
    return said


def redacted(value, key=""):
    """A value of what was sent, with anything under a secret's name hidden (the engine
    never records one; this holds whatever an older row or a connector put there)."""
    if isinstance(value, dict):
        return {k: redacted(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [redacted(v, key) for v in value]
    if key.lower() in SECRET_KEYS and str(value) not in SHOWN_SECRETS:
        return REDACTED
    return value


def sent_items(event):
    """What was sent, as (name, value in words) pairs."""
    sent = redacted((event.detail or {}).get("sent") or {})
    if not isinstance(sent, dict):
        return [("request", str(sent))]
    return [(name, in_words(value)) for name, value in sent.items()]


def in_words(value):
    if isinstance(value, dict):
        return ", ".join(f"{k}: {in_words(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(in_words(v) for v in value)
    return "" if value is None else str(value)


BADGES = {
    AccountEvent.Outcome.SUCCEEDED: "ok",
    AccountEvent.Outcome.FAILED: "bad",
    AccountEvent.Outcome.RETRYING: "warn",
    AccountEvent.Outcome.HELD: "warn",
}


@dataclass
class Row:
    """One event as the log and the account history show it."""

    event: object
    by: str
    sent: list  # [(name, value)]
    status: int | None
    ms: int | None
    attempt: int | None
    calls: list
    answer: list  # [(name, value)]: what the vendor returned on success

    @property
    def failed(self):
        return self.event.outcome == AccountEvent.Outcome.FAILED

    @property
    def badge(self):
        return BADGES.get(self.event.outcome, "muted")

    @property
    def moved(self):
        """The status change, when there was one."""
        event = self.event
        if event.from_status == event.to_status:
            return ""
        before = event.get_from_status_display() if event.from_status else "New"
        return f"{before} → {event.get_to_status_display()}"

    @property
    def vendor_called(self):
        return bool(self.calls or self.status or self.sent)


def row(event):
    detail = event.detail or {}
    answer = detail.get("answer")
    return Row(
        event=event,
        by=requested_by(event),
        sent=sent_items(event),
        status=number(detail.get("status")),
        ms=number(detail.get("ms")),
        attempt=number(detail.get("attempt")),
        calls=[call for call in detail.get("calls") or [] if isinstance(call, dict)],
        answer=[(k, in_words(v)) for k, v in redacted(answer).items()]
        if isinstance(answer, dict)
        else ([("answer", str(answer))] if answer else []),
    )


def number(value):
    return value if isinstance(value, int) else None


# --- The CSV export ---------------------------------------------------------------------------

ACTIONS = dict(AccountEvent.Action.choices)
OUTCOMES = dict(AccountEvent.Outcome.choices)
CSV_HEADER = [
    "time (UTC)",
    "app",
    "person",
    "person email",
    "account username",
    "account email",
    "action",
    "outcome",
    "requested by",
    "attempt",
    "HTTP status",
    "duration (ms)",
    "message",
    "request sent",
    "vendor answer",
    "vendor requests",
    "status before",
    "status after",
    "account id",
    "event id",
]


def csv_row(event):
    """One event as a line of the CSV (cells that a spreadsheet would run as a formula are
    quoted with a leading apostrophe)."""
    shown = row(event)
    account, person = event.account, event.account.user
    cells = [
        timezone.localtime(event.created_at, UTC).strftime("%Y-%m-%d %H:%M:%S"),
        event.app.name,
        person.full_name if person else "",
        person.email if person else "",
        account.username,
        account.email,
        ACTIONS.get(event.action, event.action),
        OUTCOMES.get(event.outcome, event.outcome),
        shown.by,
        shown.attempt or "",
        shown.status or "",
        shown.ms if shown.ms is not None else "",
        event.message,
        json.dumps(redacted((event.detail or {}).get("sent") or {}), sort_keys=True)
        if shown.sent
        else "",
        "; ".join(f"{k}: {v}" for k, v in shown.answer),
        "; ".join(
            f"{c.get('method', '')} {c.get('path', '')} {c.get('status') or '-'} "
            f"{c.get('ms', '')} ms"
            for c in shown.calls
        ),
        event.from_status,
        event.to_status,
        str(account.pk),
        event.pk,
    ]
    return [listing.spreadsheet_safe(cell) for cell in cells]
