"""Desired state -> steps. What a person should have (their direct assignments, and the apps
of their groups where group auto-provisioning applies) is compared with the accounts they
have; the plan says, per account, create, update, suspend, reactivate, delete, cancel (a
seat not created yet), or a to-do where the app's API cannot take the step. Every admin
action asks for a plan (changes.py); running one queues jobs on the engine's durable path."""

from collections import defaultdict
from dataclasses import asdict, dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from apps_catalog.models import GroupApp, TenantApp
from groups.models import AssignmentSettings, Membership

from .connectors.registry import connector_class
from .group_provisioning import applies
from .models import AppAccount, Assignment, Job
from .status import Status

LIVE = {Status.CREATED, Status.INVITED, Status.ACTIVE}
DESTRUCTIVE = {"suspend", "delete"}
# The percent rule counts once an action touches this many accounts of one app: suspending
# one of an app's three accounts is not an accident to stop.
PERCENT_RULE_FROM = 10
CAPABILITY = {
    "suspend": "deactivate",
    "delete": "delete",
    "reactivate": "reactivate",
    "update": "update",
}


@dataclass
class Step:
    action: str  # create, update, suspend, reactivate, delete, cancel, todo
    user_id: str
    app_id: str
    account_id: str | None = None
    why: str = ""
    todo: str = ""  # for a to-do: the action the app cannot take
    changes: dict = field(default_factory=dict)  # update: {"before", "after", "changed"}

    @property
    def words(self):
        if self.action == "update":
            return "Update " + ", ".join(n.replace("_", " ") for n in self.changes["changed"])
        if self.action == "todo":
            return f"To do by hand: {self.todo}"
        return STEP_WORDS[self.action]

    def as_dict(self):
        return {
            k: str(v) if k in ("user_id", "app_id", "account_id") and v else v
            for k, v in asdict(self).items()
        }


@dataclass
class Plan:
    title: str
    steps: list
    people: dict  # user_id -> person
    apps: dict  # app_id -> TenantApp

    def counts(self):
        counted = defaultdict(int)
        for step in self.steps:
            counted[step.action] += 1
        return dict(counted)

    def destructive(self):
        return [s for s in self.steps if s.action in DESTRUCTIVE]

    def by_person(self):
        """[(person, [(step, app)])], for the plan page."""
        grouped = defaultdict(list)
        for step in self.steps:
            grouped[step.user_id].append((step, self.apps[step.app_id]))
        return [(self.people[uid], steps) for uid, steps in grouped.items()]

    def sentence(self):
        """ "Deactivating José Ñúñez will suspend his accounts in Salesforce and Slack; HipChat
        cannot suspend: a to-do will be listed." """
        parts = []
        for action in ("suspend", "delete", "reactivate", "update", "create", "cancel"):
            apps = sorted({self.apps[s.app_id].name for s in self.steps if s.action == action})
            if apps:
                parts.append(f"{WORDS[action]} in {join(apps)}")
        todos = sorted(
            {(self.apps[s.app_id].name, s.todo) for s in self.steps if s.action == "todo"}
        )
        said = (
            f"{self.title} will {'; '.join(parts)}" if parts else f"{self.title} changes no account"
        )
        for name, action in todos:
            said += f"; {name} cannot {action}: a to-do will be listed"
        return said + "."


STEP_WORDS = {
    "create": "Create",
    "suspend": "Suspend",
    "delete": "Delete",
    "reactivate": "Reactivate",
    "cancel": "Cancel the seat (not created yet)",
}
WORDS = {
    "suspend": "suspend accounts",
    "delete": "delete accounts",
    "reactivate": "reactivate accounts",
    "update": "update accounts",
    "create": "create accounts",
    "cancel": "cancel seats not created yet",
}


def join(names):
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def sources(people_ids, organization_id, app_ids=None):
    """{(user_id, app_id): [why they should have it]}: "assigned directly" and each group
    that carries the app with group auto-provisioning on. A few queries, whatever the size."""
    settings = AssignmentSettings.for_organization(organization_id)
    found = defaultdict(list)
    direct = Assignment.objects.filter(user_id__in=people_ids)
    if app_ids is not None:
        direct = direct.filter(app_id__in=app_ids)
    for user_id, app_id in direct.values_list("user_id", "app_id"):
        found[(user_id, app_id)].append("assigned directly")
    memberships = Membership.objects.filter(user_id__in=people_ids)
    groups_of = defaultdict(list)
    names = {}
    for user_id, group_id, name in memberships.values_list("user_id", "group_id", "group__name"):
        groups_of[group_id].append(user_id)
        names[group_id] = name
    group_apps = GroupApp.objects.filter(group_id__in=groups_of).select_related("app__catalog_app")
    if app_ids is not None:
        group_apps = group_apps.filter(app_id__in=app_ids)
    for group_app in group_apps:
        if applies(group_app.app, settings):
            for user_id in groups_of[group_app.group_id]:
                found[(user_id, group_app.app_id)].append(f"group {names[group_app.group_id]}")
    return found


def leaving_action(app, capabilities):
    """What leaving means for this app: its setting, or by default suspend where the vendor
    can, delete where it can only delete (GitHub: removed from the organization), and a
    suspension to do by hand where it can neither."""
    return app.deprovisioning or (
        "delete" if capabilities.delete and not capabilities.deactivate else "suspend"
    )


def reconcile(people_ids, organization_id, *, title, app_ids=None, restore=False):
    """The plan that brings these people's accounts (in these apps, or all) in line. A
    suspended account comes back only when the action restores (a person reactivated, an
    app assigned, a group joined): an admin may have suspended it on purpose."""
    User = get_user_model()
    people = User.objects.in_bulk(list(people_ids))
    wanted = sources(list(people), organization_id, app_ids)
    accounts = AppAccount.objects.filter(user_id__in=list(people))
    if app_ids is not None:
        accounts = accounts.filter(app_id__in=app_ids)
    accounts = {(a.user_id, a.app_id): a for a in accounts}
    app_ids_seen = {app_id for _, app_id in wanted} | {app_id for _, app_id in accounts}
    apps = TenantApp.objects.select_related("catalog_app", "connection").in_bulk(app_ids_seen)
    waiting = waiting_creates([a.pk for a in accounts.values() if a.status == Status.PENDING])
    steps = []
    for key in sorted(set(wanted) | set(accounts), key=lambda k: (str(k[0]), apps[k[1]].name)):
        user_id, app_id = key
        person, app, account = people[user_id], apps[app_id], accounts.get(key)
        why = ", ".join(wanted.get(key, []))
        if not app.catalog_app.supports_provisioning:
            continue
        capabilities = capabilities_of(app)
        if wanted.get(key) and person.is_active:
            step = keep(person, app, account, why, capabilities, restore)
        else:
            why = "deactivated" if not person.is_active else "no longer assigned"
            step = release(app, account, why, capabilities, waiting)
        if step is not None:
            step.user_id, step.app_id = user_id, app_id
            step.account_id = account.pk if account else None
            steps.append(step)
    return Plan(title=title, steps=steps, people=people, apps=apps)


def keep(person, app, account, why, capabilities, restore):
    """The person should have the app."""
    if account is None or account.status in (Status.DEPROVISIONED, Status.FAILED):
        if account is not None and account.status == Status.FAILED:
            return None  # Retry is the admin's: a failure has a reason to read first
        return Step("create", "", "", why=why)
    if account.status == Status.SUSPENDED:
        return can(Step("reactivate", "", "", why=why), capabilities) if restore else None
    if account.status in LIVE and capabilities.update:
        changes = differences(person, account)
        if changes:
            return Step("update", "", "", why="their details changed", changes=changes)
    return None


def release(app, account, why, capabilities, waiting):
    """The person should not have the app (any more)."""
    if account is None:
        return None
    if account.status == Status.PENDING and account.pk in waiting:
        return Step("cancel", "", "", why=why)
    if account.status not in LIVE | {Status.PROVISIONING, Status.PENDING}:
        return None
    action = leaving_action(app, capabilities)
    if action == "leave":
        return None
    return can(Step(action, "", "", why=why), capabilities)


def can(step, capabilities):
    """The step, or a to-do where the app's API cannot take it."""
    if getattr(capabilities, CAPABILITY[step.action]):
        return step
    return Step("todo", "", "", why=step.why, todo=step.action)


def leaving_choices(app):
    """App Settings' "When someone leaves": only what the app's API can do."""
    from apps_catalog.models import TenantApp

    capabilities = capabilities_of(app)
    default = leaving_action(TenantApp(deprovisioning=""), capabilities)
    default_words = "suspend" if default == "suspend" and capabilities.deactivate else default
    if default == "suspend" and not capabilities.deactivate:
        default_words = "a to-do to suspend by hand (its API cannot)"
    choices = [("", f"Default: {default_words}")]
    if capabilities.deactivate:
        choices.append(("suspend", "Suspend (deactivate) the account"))
    if capabilities.delete:
        choices.append(("delete", "Delete the account"))
    return [*choices, ("leave", "Leave the account alone")]


def differences(person, account):
    """A person's new name or email, for the apps that can take it. The username stays: a
    convention change reaches the apps only where the admin asks for it."""
    after = {
        "email": person.email,
        "username": account.username,
        "first_name": person.first_name,
        "last_name": person.last_name,
    }
    before = {name: getattr(account, name) for name in after}
    changed = [name for name in ("email", "first_name", "last_name") if before[name] != after[name]]
    return {"before": before, "after": after, "changed": changed} if changed else {}


def capabilities_of(app):
    cls = connector_class(app.catalog_app.connector_key)
    return cls.capabilities


def waiting_creates(account_ids):
    """Pending accounts whose create has not been tried yet: cancelling them sends nothing."""
    if not account_ids:
        return set()
    started = Job.objects.filter(account_id__in=account_ids, action=Job.Action.CREATE).filter(
        Q(attempts__gt=0) | ~Q(state__in=[Job.State.QUEUED, Job.State.HELD])
    )
    return set(account_ids) - set(started.values_list("account_id", flat=True))


def needs_approval(plan, organization_id):
    """Why the plan must wait for an admin's approval, or "" when it may run at once."""
    settings = AssignmentSettings.for_organization(organization_id)
    destructive = plan.destructive()
    if len(destructive) > settings.approval_threshold:
        return (
            f"It would suspend or delete {len(destructive)} accounts, more than the "
            f"{settings.approval_threshold} your organization allows in one action."
        )
    per_app = defaultdict(int)
    for step in destructive:
        per_app[step.app_id] += 1
    if not per_app:
        return ""
    live = dict(
        AppAccount.objects.filter(app_id__in=per_app, status__in=LIVE)
        .values_list("app_id")
        .annotate(n=Count("pk"))
    )
    for app_id, count in per_app.items():
        share = 100 * count / max(live.get(app_id, 0), 1)
        if count >= PERCENT_RULE_FROM and share > settings.approval_threshold_percent:
            return (
                f"It would suspend or delete {count} of {plan.apps[app_id].name}'s "
                f"{live.get(app_id, 0)} accounts ({share:.0f}%), more than the "
                f"{settings.approval_threshold_percent}% your organization allows."
            )
    return ""
