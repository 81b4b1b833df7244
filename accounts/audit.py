"""The audit trail of admin actions and sign-ins: one call beside every admin write.

    audit.record(request, audit.GROUP_RENAMED, group, detail={"from": old, "to": group.name})

From a request the actor is the signed-in person, the organization theirs and the address the
client's (THROTTLE_PROXY_HOPS says which proxy's view to trust, as for the throttles); without
one (a system actor: the worker, the sweep) pass `organization_id` and, if a person asked,
`actor`. Rows are append-only (AuditEntry refuses updates and deletes) and written in the
caller's transaction, so a change that rolls back leaves no row.

`detail` says what changed and never a secret: values under keys that name one (password,
token, secret, credential, key) are replaced before the row is written; credentials are
recorded by the names of the fields that changed, never their values.

Sign-ins, failed sign-ins and sign-outs come from Django's auth signals (connected at the end
of this module). A failed sign-in for an email the console knows is recorded under that
person's organization; for an unknown email the organization cannot be told, so the row has
none (no tenant sees it; staff see it on Django's admin site), and keeps the typed email only
when it is a well-formed address (a password typed into the email box is not kept).
"""

import ipaddress
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.utils import timezone
from django_scopes import scopes_disabled

from bitium import listing

from . import throttle
from .models import AuditEntry, User

# --- what happened: action codes and their labels (no migration to add one) -----------------

SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
SIGN_OUT = "sign_out"
TWO_FACTOR_ON = "two_factor_on"
TWO_FACTOR_OFF = "two_factor_off"
RECOVERY_CODES_RENEWED = "recovery_codes_renewed"
SETTINGS_CHANGED = "settings_changed"
ASSIGNMENT_SETTINGS_CHANGED = "assignment_settings_changed"
USERNAME_CONVENTION_CHANGED = "username_convention_changed"
USERNAME_CONVENTION_APPLIED = "username_convention_applied"
CREDENTIALS_SAVED = "credentials_saved"
CONNECTION_TESTED = "connection_tested"
APP_ADDED = "app_added"
APP_REMOVED = "app_removed"
APP_SETTINGS_CHANGED = "app_settings_changed"
APP_AUTO_PROVISIONING = "app_auto_provisioning"
APP_RECONCILED = "app_reconciled"
USERS_ASSIGNED = "users_assigned"
APP_ASSIGNED = "app_assigned"
APP_UNASSIGNED = "app_unassigned"
GROUP_CREATED = "group_created"
GROUP_RENAMED = "group_renamed"
GROUP_DELETED = "group_deleted"
GROUP_MEMBERS_ADDED = "group_members_added"
GROUP_MEMBER_REMOVED = "group_member_removed"
GROUP_APP_ADDED = "group_app_added"
GROUP_APP_REMOVED = "group_app_removed"
GROUP_MEMBERS_PROVISIONED = "group_members_provisioned"
GROUPS_RECONCILED = "groups_reconciled"
PLAN_APPROVED = "plan_approved"
PLAN_REJECTED = "plan_rejected"
PERSON_CREATED = "person_created"
PERSON_EDITED = "person_edited"
PERSON_DEACTIVATED = "person_deactivated"
PERSON_REACTIVATED = "person_reactivated"
ACCOUNT_SUSPENDED = "account_suspended"
ACCOUNT_REACTIVATED = "account_reactivated"
ACCOUNT_DELETED = "account_deleted"
ACCOUNT_RETRIED = "account_retried"
ACCOUNTS_RETRIED = "accounts_retried"
PROVISIONED_ON_DEMAND = "provisioned_on_demand"
ACCOUNT_LINKED = "account_linked"
ACCOUNT_SET_ASIDE = "account_set_aside"
TODO_DONE = "todo_done"
EMAIL_RETRIED = "email_retried"
SUPPORT_REQUESTED = "support_requested"

ACTIONS = {
    SIGN_IN: "Signed in",
    SIGN_IN_FAILED: "Sign-in failed",
    SIGN_OUT: "Signed out",
    TWO_FACTOR_ON: "Two-factor sign-in turned on",
    TWO_FACTOR_OFF: "Two-factor sign-in turned off",
    RECOVERY_CODES_RENEWED: "New recovery codes made",
    SETTINGS_CHANGED: "Settings changed",
    ASSIGNMENT_SETTINGS_CHANGED: "Assignment Settings changed",
    USERNAME_CONVENTION_CHANGED: "Username convention changed",
    USERNAME_CONVENTION_APPLIED: "Username convention given to existing accounts",
    CREDENTIALS_SAVED: "Credentials saved",
    CONNECTION_TESTED: "Connection tested",
    APP_ADDED: "App added",
    APP_REMOVED: "App removed",
    APP_SETTINGS_CHANGED: "App settings changed",
    APP_AUTO_PROVISIONING: "App's Group Auto Provisioning turned on or off",
    APP_RECONCILED: "App's accounts brought in line with its settings",
    USERS_ASSIGNED: "Users assigned (Assign Users)",
    APP_ASSIGNED: "App assigned to a person",
    APP_UNASSIGNED: "App unassigned from a person",
    GROUP_CREATED: "Group created",
    GROUP_RENAMED: "Group renamed",
    GROUP_DELETED: "Group deleted",
    GROUP_MEMBERS_ADDED: "People added to a group",
    GROUP_MEMBER_REMOVED: "Person removed from a group",
    GROUP_APP_ADDED: "App added to a group",
    GROUP_APP_REMOVED: "App removed from a group",
    GROUP_MEMBERS_PROVISIONED: "Group members provisioned",
    GROUPS_RECONCILED: "Accounts brought in line with Assignment Settings",
    PLAN_APPROVED: "Plan approved",
    PLAN_REJECTED: "Plan rejected",
    PERSON_CREATED: "Person added",
    PERSON_EDITED: "Person edited",
    PERSON_DEACTIVATED: "Person deactivated",
    PERSON_REACTIVATED: "Person reactivated",
    ACCOUNT_SUSPENDED: "App account suspended",
    ACCOUNT_REACTIVATED: "App account reactivated",
    ACCOUNT_DELETED: "App account deleted",
    ACCOUNT_RETRIED: "App account retried",
    ACCOUNTS_RETRIED: "All failed accounts of an app retried",
    PROVISIONED_ON_DEMAND: "Provisioned on demand",
    ACCOUNT_LINKED: "App account linked to a person",
    ACCOUNT_SET_ASIDE: "App account set aside",
    TODO_DONE: "To-do ticked off",
    EMAIL_RETRIED: "Email sent again",
    SUPPORT_REQUESTED: "Auto-provisioning requested",
}

# --- what it happened to: object kinds, from the model's label (no import of higher apps) ---

KINDS = {
    "accounts.organization": "organization",
    "accounts.user": "person",
    "groups.group": "group",
    "groups.assignmentsettings": "assignment settings",
    "apps_catalog.tenantapp": "app",
    "apps_catalog.supportrequest": "support request",
    "provisioning.appaccount": "app account",
    "provisioning.plan": "plan",
    "provisioning.todo": "to-do",
    "notifications.email": "email",
}
KIND_LABELS = {kind: kind.capitalize() for kind in KINDS.values()}

SECRET_WORDS = ("password", "token", "secret", "credential", "key")
REDACTED = "[redacted]"
LABEL_LENGTH = AuditEntry._meta.get_field("object_label").max_length
EMAIL_LENGTH = AuditEntry._meta.get_field("actor_email").max_length


def record(
    request,
    action,
    obj=None,
    *,
    detail=None,
    label=None,
    actor=None,
    actor_email=None,
    organization_id=None,
):
    """Writes one audit row and returns it. `obj` is the model instance acted on (its kind,
    id and label are kept as they are now); `label` overrides its label. `actor_email` names
    an actor who is nobody's account (a failed sign-in's typed address)."""
    user = getattr(request, "user", None)
    if actor is None and actor_email is None and user is not None and user.is_authenticated:
        actor = user
    if organization_id is None and actor is not None:
        organization_id = actor.organization_id
    if organization_id is None and obj is not None:
        organization_id = getattr(obj, "organization_id", None)
    entry = AuditEntry(
        organization_id=organization_id,
        actor=actor if actor is not None and actor.pk else None,
        actor_email=(actor.email if actor is not None else actor_email or "")[:EMAIL_LENGTH],
        action=action,
        detail=scrubbed(detail or {}),
        ip_address=request_address(request) if request is not None else None,
    )
    if obj is not None:
        entry.object_kind = object_kind(obj)
        entry.object_id = str(obj.pk)
        entry.object_label = (label if label is not None else object_label(obj))[:LABEL_LENGTH]
    elif label is not None:
        entry.object_label = label[:LABEL_LENGTH]
    entry.save()
    return entry


def record_changes(request, obj, changes, actions, *, label=None):
    """Rows for a settings form's save, one per concern that changed (nothing changed: no
    row). `changes` is {field: [before, after]} (changes_of); `actions` is {action: field
    names}, the last one may be None for every other field. Returns the rows written."""
    rows, left = [], dict(changes)
    for action, fields in actions.items():
        mine = {name: left.pop(name) for name in list(left) if fields is None or name in fields}
        if mine:
            rows.append(record(request, action, obj, detail={"changed": mine}, label=label))
    return rows


def changes_of(form):
    """{field: [before, after]} of a bound, valid ModelForm's changed fields (as plain
    values). Only for forms of settings: never a form with a secret in it."""
    changes = {}
    for name in form.changed_data:
        if name not in form.cleaned_data:
            continue
        before, after = plain(form[name].initial), plain(form.cleaned_data[name])
        if before != after:  # a field left empty to keep its value "changed" without change
            changes[name] = [before, after]
    return changes


def plain(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "pk"):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    return str(value)


def object_kind(obj):
    return KINDS.get(obj._meta.label_lower, obj._meta.model_name)


def object_label(obj):
    if isinstance(obj, User):
        return person_label(obj)
    return str(obj)


def person_label(person):
    name = person.full_name
    return f"{name} <{person.email}>" if name else person.email


def scrubbed(detail):
    """The detail with every value under a key that names a secret replaced."""
    if isinstance(detail, dict):
        return {
            key: REDACTED
            if any(word in str(key).lower() for word in SECRET_WORDS)
            else scrubbed(value)
            for key, value in detail.items()
        }
    if isinstance(detail, (list, tuple)):
        return [scrubbed(value) for value in detail]
    return detail


def request_address(request):
    """The client's address as our first proxy saw it (THROTTLE_PROXY_HOPS), or None."""
    address = throttle.seen_address(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)


def changed_credential_fields(saved, new):
    """The names of the credential fields whose values differ (never the values)."""
    return sorted(name for name in set(saved) | set(new) if saved.get(name) != new.get(name))


# --- reading the trail: the Audit log page and its CSV ------------------------------------------

PAGE_SIZE = 50
COUNT_CAP = 10_000  # counted up to here: "10,000+" beyond, at a bounded cost


def search(*, query="", actor_id=None, action="", kind="", object_id="", since=None, until=None):
    """The organization's entries (the scope picks it) under these filters, newest first.
    `since` and `until` are dates, both days included; `query` matches every word in the
    object's label or the actor's email."""
    entries = AuditEntry.objects.all()
    if actor_id:
        entries = entries.filter(actor_id=actor_id)
    if action:
        entries = entries.filter(action=action)
    if kind:
        entries = entries.filter(object_kind=kind)
    if object_id:
        entries = entries.filter(object_id=object_id)
    if since:
        entries = entries.filter(created_at__gte=start_of(since))
    if until:
        entries = entries.filter(created_at__lt=start_of(until + timedelta(days=1)))
    for word in query.split():
        entries = entries.filter(Q(object_label__icontains=word) | Q(actor_email__icontains=word))
    return entries.order_by("-created_at", "-id")


def start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def cursor_of(entry):
    """A page's edge as text: the entry's time (microseconds) and id."""
    return f"{listing.micros_of(entry.created_at)}.{entry.pk.hex}"


def parse_cursor(text):
    """(created_at, id) of a cursor, or None when it is not one."""
    try:
        micros, hex_id = str(text).split(".", 1)
        return listing.time_of(int(micros)), uuid.UUID(hex=hex_id)
    except (ValueError, OverflowError):
        return None


@dataclass
class Page:
    entries: list
    newer: str | None = None  # cursor of the page before (newer entries), if any
    older: str | None = None  # cursor of the page after (older entries), if any

    @property
    def first(self):
        return self.newer is None


def page_of(entries, *, before=None, after=None, size=PAGE_SIZE):
    """A page of `entries` (newest first) by keyset: the `size` entries older than the
    `before` cursor, or newer than the `after` cursor, or the newest. One query at any depth
    (two when an `after` page turns out to be the newest)."""
    if after and (edge := parse_cursor(after)):
        newer = listing.newer_than(entries, *edge)
        rows = list(newer.order_by("created_at", "id")[: size + 1])
        if len(rows) > size:
            rows = rows[:size][::-1]
            return Page(rows, newer=cursor_of(rows[0]), older=cursor_of(rows[-1]))
    elif before and (edge := parse_cursor(before)):
        rows = list(listing.older_than(entries, *edge)[: size + 1])
        page = Page(rows[:size], newer=before)
        if rows:
            page.newer = cursor_of(rows[0])
        if len(rows) > size:
            page.older = cursor_of(rows[size - 1])
        return page
    rows = list(entries[: size + 1])
    return Page(rows[:size], older=cursor_of(rows[size - 1]) if len(rows) > size else None)


def count_of(entries):
    """How many entries match, counted up to COUNT_CAP + 1."""
    return entries.order_by()[: COUNT_CAP + 1].count()


def summary(entry, limit=160):
    """A line saying what the entry's detail holds, for the list."""
    detail = entry.detail or {}
    parts = []
    for key, value in detail.items():
        if key.endswith("_id"):
            continue  # on the entry's own page
        if key == "changed" and isinstance(value, dict):
            parts += [f"{name}: {_short(v[0])} → {_short(v[1])}" for name, v in value.items()]
        elif isinstance(value, list):
            parts.append(f"{key}: {', '.join(_short(v) for v in value)}")
        else:
            parts.append(f"{key}: {_short(value)}")
    text = "; ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _short(value):
    if value in (None, ""):
        return "—"
    if value is True or value is False:
        return "on" if value else "off"
    return str(value)


CSV_HEADER = [
    "time (UTC)",
    "actor",
    "action",
    "action code",
    "object kind",
    "object id",
    "object",
    "address",
    "detail",
]


def csv_rows(entries, chunk_size=2000):
    """The header and one row per entry, read from the database `chunk_size` at a time."""
    yield CSV_HEADER
    columns = [
        "created_at",
        "actor_email",
        "action",
        "object_kind",
        "object_id",
        "object_label",
        "ip_address",
        "detail",
    ]
    for at, email, action, kind, object_id, label, address, detail in entries.values_list(
        *columns
    ).iterator(chunk_size=chunk_size):
        yield [
            at.astimezone(UTC).isoformat(),
            cell(email),
            ACTIONS.get(action, action),
            action,
            kind,
            object_id,
            cell(label),
            address or "",
            cell(json.dumps(detail, sort_keys=True, ensure_ascii=False)),
        ]


def cell(text):
    """Text a spreadsheet will not run as a formula (typed labels and emails reach it)."""
    return listing.spreadsheet_safe(str(text or ""))


# --- sign-ins, failed sign-ins, sign-outs -----------------------------------------------------


def _signed_in(sender, request, user, **kwargs):
    record(request, SIGN_IN, user, actor=user)


def _signed_out(sender, request, user, **kwargs):
    if user is not None and getattr(user, "pk", None):
        record(request, SIGN_OUT, user, actor=user)


def _sign_in_failed(sender, credentials, request=None, **kwargs):
    typed = str(credentials.get("username") or credentials.get("email") or "").strip()
    with scopes_disabled():  # before any sign-in: no organization scope yet
        person = User.objects.filter(email__iexact=typed).first() if typed else None
    detail = {}
    if request is not None:
        address = throttle.client_address(request)
        if throttle.sign_in_locked(typed, address):
            detail["locked"] = True  # refused, or this failure locked the account or address
    if person is not None:
        record(request, SIGN_IN_FAILED, person, actor=person, detail=detail)
    else:
        record(request, SIGN_IN_FAILED, detail=detail, actor_email=well_formed(typed))


def well_formed(email):
    try:
        validate_email(email)
    except ValidationError:
        return ""
    return email[:EMAIL_LENGTH]


user_logged_in.connect(_signed_in, dispatch_uid="accounts.audit.signed_in")
user_logged_out.connect(_signed_out, dispatch_uid="accounts.audit.signed_out")
user_login_failed.connect(_sign_in_failed, dispatch_uid="accounts.audit.sign_in_failed")
