"""Seeds organizations at the issue's size for the page benchmark (bench/pages.py), fast: the
big tables' rows are made in Python and written with PostgreSQL's COPY (psycopg's
cursor.copy); the small ones go through provisioning.bulk.insert_rows (COPY too, from model
instances, so encrypted fields are encrypted as the app does it).

The shape of one organization of P people:
- person 0 is the admin (admin@KEY.example); every 50th person is inactive, but none of the
  newest `new_hires` (they are active and have no account yet in app 1);
- group 0 "All staff" has everyone; every person is also in 4 of the other groups (about 5
  memberships a person); each of the other apps is given to 1 or 2 groups;
- app 0 has an account for everyone (through "All staff", group auto-provisioning on);
  app 1 one for everyone but the new hires (assigned directly), plus accounts found only in
  the app; the other accounts are spread over the other apps (about 1,570 each at 250,000):
  the members of their groups first where group auto-provisioning is on (odd apps), others
  assigned directly, 5% found only in the app (half of them with the email of a person who
  has no account there: Assign Users' "matched" list);
- statuses: mostly active, some created, invited, pending, provisioning, failed, suspended
  and deprovisioned; an inactive person's accounts are suspended or deprovisioned;
- one job per account a person owns, `events_per_account` events per account, welcome emails
  (some failed), open to-dos, and three plans waiting for approval.
Every app is a SCIM app, "connected" to an address where nothing listens, with a finished
reading of its accounts (AccountRead "done"): no page view calls a vendor.

Django must be set up, and the database migrated (the catalog loaded), before importing this.
"""

import json
import random
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import AutoField, BigAutoField
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from accounts.models import Organization, User
from apps_catalog.models import CatalogApp, GroupApp, TenantApp
from groups.models import AssignmentSettings, Group, Membership
from notifications.models import Email
from provisioning import changes
from provisioning.bulk import insert_rows
from provisioning.models import (
    AccountEvent,
    AccountRead,
    AppAccount,
    Assignment,
    Connection,
    Job,
    Plan,
    ToDo,
)

FIRST = [
    "Ada", "Bruno", "Chloe", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Kemal", "Leila", "Marco", "Nadia", "Oscar", "Priya", "Quentin", "Rosa", "Sven", "Tariq",
    "Uma", "Viktor", "Wendy", "Xavier", "Yusuf", "Zoe", "Amara", "Bjorn", "Carmen", "Dario",
    "Esther", "Felix", "Greta", "Hamza", "Ivy", "Jorge", "Kaito", "Lucia", "Mateo", "Noor",
]  # fmt: skip
LAST = [
    "Smith", "Nguyen", "Raman", "Okafor", "Garcia", "Kowalski", "Tanaka", "Muller", "Rossi",
    "Haddad", "Berg", "Costa", "Dubois", "Fischer", "Ivanova", "Jensen", "Khan", "Lopez",
    "Moreau", "Novak", "Olsen", "Petrov", "Quinn", "Reyes", "Silva",
]  # fmt: skip
ALL_STAFF_EXTRA = 4  # groups a person is in besides "All staff"
DEAD_URL = "http://127.0.0.1:9/v2"  # nothing listens: a vendor call would fail at once
COLUMNS_SHOWN = ["users", "groups", "status", "auto_provisioning", "added"]


@dataclass
class Shape:
    key: str  # emails are @KEY.example
    name: str
    people: int
    groups: int
    apps: int
    accounts: int
    new_hires: int
    events_per_account: int = 4


def copy(model, columns, rows):
    """Writes the rows (tuples of these columns' values) into the model's table with COPY;
    returns how many. The model's other fields get their default, the same for every row, so
    a field added to a model later needs nothing here. JSON columns take their text ('{}')."""
    given = set(columns)
    rest = [
        f
        for f in model._meta.concrete_fields
        if f.column not in given and not isinstance(f, AutoField | BigAutoField)
    ]
    defaults = tuple(f.get_db_prep_save(f.get_default(), connection) for f in rest)
    names = ", ".join(f'"{column}"' for column in [*columns, *(f.column for f in rest)])
    count = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {model._meta.db_table} ({names}) FROM STDIN") as writer:
            for row in rows:
                writer.write_row(row + defaults)
                count += 1
    return count


def seed(shape, rng):
    """Seeds one organization; returns {table: rows written}."""
    with transaction.atomic(), scopes_disabled():
        org = organization(shape)
        people = seed_people(shape, org)
        apps = seed_apps(shape, org)
        written = {"people": len(people)}
        groups, written["memberships"], written["group apps"] = seed_groups(
            shape, org, people, apps, rng
        )
        accounts = make_accounts(shape, people, apps, groups, rng)
        written |= seed_accounts(org, accounts, apps, shape.events_per_account)
        written |= seed_the_rest(shape, org, people, accounts, apps, rng)
    return written


def organization(shape):
    org = Organization.objects.create(name=shape.name)
    # Made here, not by the first page that reads it (a write inside a timed page).
    AssignmentSettings.objects.create(organization=org)
    return org


PEOPLE_COLUMNS = [
    "id", "organization_id", "email", "first_name", "last_name", "role", "is_active",
    "date_joined", "password", "preferences",
]  # fmt: skip


def person_row(shape, org, i, now):
    """Person i's row (PEOPLE_COLUMNS): the admin first, then people with varied names."""
    first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
    email = f"{first}.{last}.{i}@{shape.key}.example".lower()
    role, preferences = "member", "{}"
    if i == 0:
        first, last, email, role = "Ada", "Admin", f"admin@{shape.key}.example", "admin"
        preferences = json.dumps({"manage_apps_columns": COLUMNS_SHOWN})  # every column
    active = not (i % 50 == 49 and i < shape.people - shape.new_hires)
    joined = now - timedelta(minutes=shape.people - i)  # the newest hires joined last
    return (uuid.uuid4(), org.pk, email, first, last, role, active, joined, "!", preferences)


def seed_people(shape, org):
    """[(id, email, first, last, active)] in hiring order."""
    now = timezone.now()
    rows = [person_row(shape, org, i, now) for i in range(shape.people)]
    copy(User, PEOPLE_COLUMNS, rows)
    return [(pk, email, first, last, active) for pk, _, email, first, last, _, active, *_ in rows]


def seed_apps(shape, org):
    """The organization's SCIM apps, connected, each with a finished reading."""
    scim = CatalogApp.objects.get(key="scim")
    apps = [
        TenantApp(
            organization=org,
            catalog_app=scim,
            name=f"App {a:03d}",
            sign_in_url="https://app.example/sign-in",
            group_auto_provisioning=a == 0 or a % 2 == 1,
        )
        for a in range(shape.apps)
    ]
    insert_rows(TenantApp, apps)
    credentials = {"base_url": DEAD_URL, "auth": "bearer", "token": "bench"}
    insert_rows(
        Connection,
        [
            Connection(organization=org, app=app, state="connected", credentials=credentials)
            for app in apps
        ],
    )
    done = timezone.now()
    insert_rows(
        AccountRead,
        [
            AccountRead(organization=org, app=app, state="done", started_at=done, finished_at=done)
            for app in apps
        ],
    )
    return apps


def seed_groups(shape, org, people, apps, rng):
    """ "All staff" (everyone, app 0) and the other groups (4 a person), each other app given
    to 1 or 2 of them. Returns ({group index: (its app indices, its people's indices)},
    memberships, group apps)."""
    rows = [Group(organization=org, name="All staff")]
    rows += [Group(organization=org, name=f"Team {g:03d}") for g in range(1, shape.groups)]
    insert_rows(Group, rows)
    groups = {g: ([], []) for g in range(len(rows))}
    others = range(1, len(rows))
    for index in range(len(people)):
        groups[0][1].append(index)
        for g in rng.sample(others, min(ALL_STAFF_EXTRA, len(others))):
            groups[g][1].append(index)
    groups[0][0].append(0)
    for a in range(2, len(apps)):
        for g in rng.sample(others, min(rng.choice((1, 2)), len(others))):
            groups[g][0].append(a)
    members = copy(
        Membership,
        ["organization_id", "group_id", "user_id"],
        ((org.pk, rows[g].pk, people[i][0]) for g, (_, who) in groups.items() for i in who),
    )
    given = [
        GroupApp(organization=org, group=rows[g], app=apps[a])
        for g, (its_apps, _) in groups.items()
        for a in its_apps
    ]
    insert_rows(GroupApp, given)
    return groups, members, len(given)


@dataclass
class Account:
    pk: uuid.UUID
    app: int
    user: uuid.UUID | None  # None: found only in the app
    email: str
    names: tuple  # (first, last) as the app has them
    status: str
    created_at: object
    direct: bool = False  # assigned directly (not through a group with the app)


def status_of(rng, active, app):
    """A status as they are spread in a console in use; an inactive person's accounts are
    suspended or deleted. Apps 0 and 1 have no deleted seats of active people (a deleted
    seat counts as none: Assign Users would list its person among the new)."""
    if not active:
        return "suspended" if rng.random() < 0.7 else "deprovisioned"
    r = rng.random()
    for status, upto in (
        ("active", 0.72),
        ("created", 0.82),
        ("invited", 0.87),
        ("failed", 0.91),
        ("pending", 0.93),
        ("provisioning", 0.94),
        ("suspended", 0.98),
    ):
        if r < upto:
            return status
    return "active" if app < 2 else "deprovisioned"


def make_accounts(shape, people, apps, groups, rng):
    """The accounts' facts: app 0 everyone (All staff), app 1 all but the new hires (and
    some only in the app), the rest spread over the other apps: in those with group
    auto-provisioning (odd ones) their groups' members first, then others assigned directly."""
    now, accounts = timezone.now(), []
    p = len(people)
    members = {}  # app index: people of the groups that give it
    for its_apps, who in groups.values():
        for a in its_apps:
            members.setdefault(a, []).extend(who)

    def owned(app, index, direct=True):
        created = now - timedelta(days=rng.randrange(1, 700))
        pk, email, first, last, active = people[index]
        status = status_of(rng, active, app)
        names = (first, last)
        accounts.append(Account(uuid.uuid4(), app, pk, email, names, status, created, direct))

    def found_only(app, email):
        created = now - timedelta(days=rng.randrange(1, 700))
        names = tuple(email.split("@")[0].title().split(".")[:2])
        accounts.append(Account(uuid.uuid4(), app, None, email, names, "active", created))

    for index in range(p):
        owned(0, index, direct=False)
    for index in range(p - shape.new_hires):
        owned(1, index)
    for n in range(p // 50):
        found_only(1, f"contractor{n}@partner.example")
    rest = shape.accounts - len(accounts)
    assert rest > 0, f"{shape.name}: too few accounts for its people"
    tail = len(apps) - 2
    for a in range(2, len(apps)):
        size = rest // tail + (1 if a - 2 < rest % tail else 0)
        strangers = size // 20
        by_group = list(dict.fromkeys(members.get(a, []))) if a % 2 else []
        by_group = by_group[: size - strangers]
        taken = set(by_group)
        others = [i for i in rng.sample(range(p), min(p, size + len(taken))) if i not in taken]
        others = others[: size - strangers - len(by_group) + strangers // 2]
        for index in by_group:
            owned(a, index, direct=False)
        for index in others[: size - strangers - len(by_group)]:
            owned(a, index)
        for index in others[size - strangers - len(by_group) :]:  # a person's email: matched
            found_only(a, people[index][1])
        for n in range(strangers - strangers // 2):
            found_only(a, f"ext{a}-{n}@partner.example")
    return accounts


def seed_accounts(org, accounts, apps, events_per_account):
    """The accounts, a job for each one a person owns and their events."""
    rows = (account_row(org, account, apps, n) for n, account in enumerate(accounts))
    written = {"app accounts": copy(AppAccount, ACCOUNT_COLUMNS, rows)}
    jobs = {account.pk: uuid.uuid4() for account in accounts if account.user is not None}
    written["jobs"] = copy(Job, JOB_COLUMNS, job_rows(org, accounts, apps, jobs))
    events = event_rows(org, accounts, apps, jobs, events_per_account)
    written["events"] = copy(AccountEvent, EVENT_COLUMNS, events)
    return written


ACCOUNT_COLUMNS = [
    "id", "organization_id", "app_id", "user_id", "remote_id", "username", "email",
    "first_name", "last_name", "status", "origin", "last_error", "created_at", "updated_at",
]  # fmt: skip


def account_row(org, account, apps, n):
    nobody = account.user is None
    sent = account.status not in ("pending", "provisioning", "failed")
    return (
        account.pk,
        org.pk,
        apps[account.app].pk,
        account.user,
        f"r{n}" if sent else "",
        account.email,
        account.email,
        account.names[0],
        account.names[-1] if len(account.names) > 1 else "",
        account.status,
        "discovered" if nobody else "created",
        "The app had an error (500): try again later." if account.status == "failed" else "",
        account.created_at,
        account.created_at + timedelta(hours=1),
    )


JOB_STATES = {"pending": "queued", "provisioning": "running", "failed": "failed"}
JOB_COLUMNS = [
    "id", "organization_id", "account_id", "app_id", "action", "state", "attempts",
    "not_before", "lease_until", "enqueued_at", "last_error", "trigger", "created_at",
    "finished_at",
]  # fmt: skip


def job_rows(org, accounts, apps, jobs):
    for account in accounts:
        if account.user is None:
            continue
        state = JOB_STATES.get(account.status, "succeeded")
        at = account.created_at
        yield (
            jobs[account.pk],
            org.pk,
            account.pk,
            apps[account.app].pk,
            "create",
            state,
            1,
            at,
            at + timedelta(minutes=5) if state == "running" else None,
            at if state == "queued" else None,
            "The app had an error (500)." if state == "failed" else "",
            "assign users",
            at,
            None if state in ("queued", "running") else at + timedelta(seconds=2),
        )


EVENT_COLUMNS = [
    "organization_id",
    "account_id",
    "app_id",
    "job_id",
    "action",
    "outcome",
    "who",
    "from_status",
    "to_status",
    "message",
    "detail",
    "created_at",
]
# A seat's events as the engine writes them: (from, to, action, outcome, message, detail).
SENT = {"email": "{email}", "username": "{email}", "name": "{name}", "password": "[set]"}
CREATED = {"attempt": 1, "status": 201, "ms": 84, "sent": SENT, "answer": {"remote_id": "r1"}}
CREATED["calls"] = [{"method": "POST", "path": "/v2/Users", "status": 201, "ms": 84}]
FAILED = {"attempt": 6, "status": 500, "ms": 120, "sent": SENT}
FAILED["calls"] = [{"method": "POST", "path": "/v2/Users", "status": 500, "ms": 120}]
PATH = [
    ("", "pending", "create", "queued", "Queued: create account (assign users).", None),
    ("pending", "provisioning", "create", "started", "Attempt 1.", {"attempt": 1}),
    ("provisioning", "created", "create", "succeeded", "Account created.", CREATED),
]
# The event after those: what brought the account to its status.
LAST_EVENT = {
    "active": ("", "sign_in", "noted", "The app reports the first sign-in.", None),
    "failed": (
        "provisioning",
        "create",
        "failed",
        "The app had an error (500). Gave up after 6 attempts.",
        FAILED,
    ),
    "suspended": ("", "suspend", "succeeded", "Suspended in the app.", None),
    "deprovisioned": ("", "delete", "succeeded", "Deleted in the app.", None),
    "pending": ("", "create", "queued", "Queued again: create account (retry).", None),
    "provisioning": ("", "create", "started", "Attempt 2.", {"attempt": 2}),
}


def event_rows(org, accounts, apps, jobs, per_account):
    for account in accounts:
        app, job = apps[account.app].pk, jobs.get(account.pk)
        before, action, outcome, message, detail = LAST_EVENT.get(
            account.status, ("", "", "noted", "Found in the app.", None)
        )
        steps = PATH + [
            (before or "created", account.status, action, outcome, message, detail)
        ] * max(per_account - len(PATH), 0)
        name = " ".join(account.names)
        who = f"{name} {account.email}"  # AccountEvent.who_of: the username is the email
        for n, (before, after, action, outcome, message, detail) in enumerate(steps[:per_account]):
            at = account.created_at + timedelta(minutes=n)
            text = "{}"
            if detail is not None:
                text = json.dumps(detail).replace("{email}", account.email)
                text = text.replace("{name}", name)
            yield (
                org.pk,
                account.pk,
                app,
                job,
                action,
                outcome,
                who,
                before,
                after,
                message,
                text,
                at,
            )


def seed_the_rest(shape, org, people, accounts, apps, rng):
    """Direct assignments behind the accounts (app 1 and the other apps), emails, to-dos and
    plans waiting for approval."""
    assigned = copy(
        Assignment,
        ["organization_id", "app_id", "user_id", "created_at"],
        (
            (org.pk, apps[a.app].pk, a.user, a.created_at)
            for a in accounts
            if a.user is not None and a.direct
        ),
    )
    emails = copy(Email, EMAIL_COLUMNS, email_rows(org, people, rng))
    suspended = [a for a in accounts if a.app >= 2 and a.status == "suspended" and a.user]
    todos = [
        ToDo(organization=org, account_id=a.pk, action="suspend", note=f"Suspend {a.email} by hand")
        for a in suspended[:300]
    ]
    insert_rows(ToDo, todos)
    with scope(organization=org.pk):
        for group in Group.objects.exclude(name="All staff").order_by("name")[:3]:
            plan = changes.preview(changes.DeleteGroup(group), org.pk)
            Plan.objects.create(
                organization=org,
                title=plan.sentence()[:300],  # a plan over many apps says more than 300
                trigger=f"group {group.name} deleted",
                steps=[step.as_dict() for step in plan.steps],
                counts=plan.counts(),
                reason="It would suspend more accounts than the threshold (25).",
            )
    return {"assignments": assigned, "emails": emails, "to-dos": len(todos), "plans": 3}


EMAIL_COLUMNS = [
    "id",
    "organization_id",
    "to",
    "subject",
    "state",
    "attempts",
    "last_error",
    "created_at",
]


def email_rows(org, people, rng):
    """A welcome email sent to every tenth person; one in ten of them failed."""
    now = timezone.now()
    for n, person in enumerate(people[::10]):
        failed = n % 10 == 7
        yield (
            uuid.uuid4(),
            org.pk,
            person[1],
            "Your new apps",
            "failed" if failed else "sent",
            8 if failed else 1,
            "Connection refused" if failed else "",
            now - timedelta(days=rng.randrange(1, 400)),
        )


def analyze():
    """Fresh statistics, as a database in use has (autovacuum would make them later)."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def new_rng(seed=2024):
    return random.Random(seed)
