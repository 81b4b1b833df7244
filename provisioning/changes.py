"""The admin actions that change what people should have. Each is a Change: it knows whom it
touches and how to apply itself to the directory; preview() shows its plan without keeping
anything, confirm() applies it and runs the plan (or keeps it for approval)."""

from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.db import transaction

from apps_catalog.models import GroupApp, TenantApp
from groups import services as groups
from groups.models import Group

from . import background
from .models import AppAccount, Assignment, Plan
from .plans import Plan as PlanOfSteps
from .plans import Step, can, capabilities_of, needs_approval, reconcile
from .runs import run


class Change:
    title = ""
    trigger = ""
    app_ids = None  # None: every app of the people touched
    restore = False  # suspended accounts the people should have come back
    needs = ()  # the objects the constructor takes, in order (LOADERS' names)
    extra = ()  # plain values it takes after them

    def params(self):
        """What rebuild() needs to make this change again (in the worker)."""
        values = {name: str(getattr(self, name).pk) for name in self.needs}
        values.update({name: getattr(self, name) for name in self.extra})
        return {"change": type(self).__name__, **values}

    def people(self):
        raise NotImplementedError

    def apply(self, by):
        raise NotImplementedError

    def plan(self, organization_id):
        return reconcile(
            self.people(),
            organization_id,
            title=self.title,
            app_ids=self.app_ids,
            restore=self.restore,
        )


class Deactivate(Change):
    needs = ("person",)

    def __init__(self, person):
        self.person = person
        self.title = f"Deactivating {person.full_name}"
        self.trigger = "person deactivated"

    def people(self):
        return [self.person.pk]

    def apply(self, by):  # an update, so a preview leaves the person object as it was
        type(self.person).objects.filter(pk=self.person.pk).update(is_active=False)


class Reactivate(Deactivate):
    def __init__(self, person):
        super().__init__(person)
        self.title = f"Reactivating {person.full_name}"
        self.trigger = "person reactivated"
        self.restore = True

    def apply(self, by):
        type(self.person).objects.filter(pk=self.person.pk).update(is_active=True)


class LeaveGroup(Change):
    needs = ("group", "person")

    def __init__(self, group, person):
        self.group, self.person = group, person
        self.title = f"Removing {person.full_name} from {group.name}"
        self.trigger = f"left group {group.name}"

    def people(self):
        return [self.person.pk]

    def apply(self, by):
        groups.remove_member(self.group, self.person)


class DetachApp(Change):
    needs = ("group", "app")

    def __init__(self, group, app):
        self.group, self.app = group, app
        self.title = f"Removing {app.name} from {group.name}"
        self.trigger = f"group {group.name} lost {app.name}"
        self.app_ids = [app.pk]

    def people(self):
        return list(self.group.memberships.values_list("user_id", flat=True))

    def apply(self, by):
        GroupApp.objects.filter(group=self.group, app=self.app).delete()


class DeleteGroup(Change):
    needs = ("group",)

    def __init__(self, group):
        self.group = group
        self.title = f"Deleting the group {group.name}"
        self.trigger = f"group {group.name} deleted"

    def people(self):
        return self._people

    def apply(self, by):  # a queryset delete: a preview leaves the group object whole
        self._people = list(self.group.memberships.values_list("user_id", flat=True))
        type(self.group).objects.filter(pk=self.group.pk).delete()


class Unassign(Change):
    needs = ("person", "app")

    def __init__(self, person, app):
        self.person, self.app = person, app
        self.title = f"Unassigning {app.name} from {person.full_name}"
        self.trigger = "unassigned"
        self.app_ids = [app.pk]

    def people(self):
        return [self.person.pk]

    def apply(self, by):
        Assignment.objects.filter(user=self.person, app=self.app).delete()


class Assign(Unassign):
    def __init__(self, person, app):
        super().__init__(person, app)
        self.title = f"Assigning {app.name} to {person.full_name}"
        self.trigger = "assigned"
        self.restore = True

    def apply(self, by):
        assign(self.app, [self.person], by)


class ReconcileApp(Change):
    """A setting changed who should have the app (its Group Auto Provisioning toggle turned
    off): everyone with an account in it or in one of its groups. The setting is saved
    already; the plan says what it means for the accounts."""

    needs = ("app",)

    def __init__(self, app):
        self.app = app
        self.title = f"Bringing {app.name}'s accounts in line with its settings"
        self.trigger = f"{app.name} settings"
        self.app_ids = [app.pk]

    def people(self):
        in_groups = GroupApp.objects.filter(app=self.app).values_list(
            "group__memberships__user_id", flat=True
        )
        with_accounts = self.app.accounts.filter(user__isnull=False).values_list(
            "user_id", flat=True
        )
        return list({*in_groups, *with_accounts} - {None})

    def apply(self, by):
        pass


class ReconcileGroups(Change):
    """Assignment Settings' Group Auto-Provisioning mode now grants less: everyone in a group
    with apps, and everyone with an account in those apps."""

    extra = ("organization_id",)

    def __init__(self, organization_id):
        self.title = "Bringing accounts in line with Assignment Settings"
        self.trigger = "assignment settings"
        self.organization_id = organization_id

    def people(self):
        group_apps = GroupApp.objects.all()
        self.app_ids = list(group_apps.values_list("app_id", flat=True).distinct())
        members = group_apps.values_list("group__memberships__user_id", flat=True)
        owners = AppAccount.objects.filter(app_id__in=self.app_ids, user__isnull=False)
        return list({*members, *owners.values_list("user_id", flat=True)} - {None})

    def apply(self, by):
        pass


class ApplyConvention(Change):
    """Existing accounts get the username convention now in force (the organization's, or
    an app's own), in the apps that can rename: only where the admin asks for it."""

    extra = ("organization_id",)

    def __init__(self, organization_id):
        self.organization_id = organization_id
        self.title = "Giving existing accounts the new username convention"
        self.trigger = "username convention"

    def people(self):
        return []

    def apply(self, by):
        pass

    def plan(self, organization_id):
        return rename_by_convention(organization_id, self.title)


class AccountAction(Change):
    """Suspend, reactivate or delete one account: from the person's page, whatever
    assignments say (a suspension stays until the person is reactivated or the app assigned
    again), or an account found only in the app (nobody's)."""

    VERBS = {"suspend": "Suspending", "reactivate": "Reactivating", "delete": "Deleting"}
    needs, extra = ("account",), ("action",)

    def __init__(self, account, action):
        self.account, self.action = account, action
        self.owner = account.user or SimpleNamespace(
            pk=None, full_name=account.username or account.email, email=account.email
        )
        self.title = f"{self.VERBS[action]} {self.owner.full_name}'s account in {account.app.name}"
        self.trigger = f"{action} by an admin"

    def people(self):
        return [self.account.user_id]

    def apply(self, by):
        pass

    def plan(self, organization_id):
        app = self.account.app
        step = can(Step(self.action, "", "", why="asked by an admin"), capabilities_of(app))
        step.user_id, step.app_id, step.account_id = self.account.user_id, app.pk, self.account.pk
        people = {self.account.user_id: self.owner}
        return PlanOfSteps(title=self.title, steps=[step], people=people, apps={app.pk: app})


class RemoveApp(Change):
    """The app leaves the console: its groups and assignments let go of it, its accounts are
    left, suspended or deleted as the admin chose, and the app is archived with its
    accounts, jobs and events (nothing cascades away)."""

    needs, extra = ("app",), ("leaving",)

    def __init__(self, app, leaving):
        self.app, self.leaving = app, leaving
        self.title = f"Removing {app.name}"
        self.trigger = f"{app.name} removed"
        self.app_ids = [app.pk]
        self._people = list(
            app.accounts.filter(user__isnull=False).values_list("user_id", flat=True)
        )

    def people(self):
        return self._people

    def apply(self, by):
        GroupApp.objects.filter(app=self.app).delete()
        Assignment.objects.filter(app=self.app).delete()
        app = type(self.app).objects.get(pk=self.app.pk)  # the caller's object stays as it is
        app.deprovisioning = self.leaving
        app.save(update_fields=["deprovisioning"])
        app.archive()

    def plan(self, organization_id):
        plan = super().plan(organization_id)
        plan.apps[self.app.pk] = self.app  # named as the admin knows it, not "(removed …)"
        return plan


def assign(app, people, by):
    """Direct assignments (Assign Users, "Assign an app"): kept whatever groups say later."""
    Assignment.objects.bulk_create(
        [
            Assignment(organization_id=app.organization_id, app=app, user=p, created_by=by)
            for p in people
        ],
        ignore_conflicts=True,
    )


class _Undo(Exception):
    pass


def preview(change, organization_id):
    """The plan of the change, as if it were made: made in a transaction, then undone."""
    try:
        with transaction.atomic():
            change.apply(by=None)
            plan = change.plan(organization_id)
            raise _Undo
    except _Undo:
        return plan


@transaction.atomic
def confirm(change, organization_id, by):
    """Makes the change and runs its plan, or keeps the plan for approval when it suspends or
    deletes more than the organization's threshold. Returns (plan, kept Plan row or None)."""
    change.apply(by)
    plan = change.plan(organization_id)
    reason = needs_approval(plan, organization_id)
    if reason:
        kept = Plan.objects.create(
            organization_id=organization_id,
            title=plan.sentence()[:300],
            trigger=change.trigger[:200],
            steps=[step.as_dict() for step in plan.steps],
            counts=plan.counts(),
            reason=reason,
            requested_by=by,
        )
        return plan, kept
    run(plan.steps, organization_id, trigger=change.trigger, by=by)
    return plan, None


LOADERS = {
    "person": lambda pk: get_user_model().objects.get(pk=pk),
    "group": lambda pk: Group.objects.get(pk=pk),
    "app": lambda pk: TenantApp.objects.select_related("catalog_app").get(pk=pk),
    "account": lambda pk: AppAccount.objects.select_related("app__catalog_app", "user").get(pk=pk),
}


def rebuild(params):
    """The change params() described, with its objects loaded again."""
    classes = {cls.__name__: cls for cls in _subclasses(Change)}
    cls = classes[params["change"]]
    args = [LOADERS[name](params[name]) for name in cls.needs]
    return cls(*args, *[params[name] for name in cls.extra])


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


@background.kind("plan")
def confirm_in_background(action, report):
    """A big plan: the change made and its plan run (or kept) by the worker."""
    change = rebuild(action.params)
    plan, kept = confirm(change, action.organization_id, action.requested_by)
    report(len(plan.steps), len(plan.steps))
    if kept:
        return f"{kept.reason} The plan waits on Pending Approvals: nothing was sent."
    return f"Done. {plan.sentence()}"


def rename_by_convention(organization_id, title):
    """Update steps for the live accounts whose username the convention would now give
    otherwise, in the apps whose connector can update (unique in each app)."""
    from accounts.usernames import base_username, unique_username
    from groups.models import AssignmentSettings

    from .group_provisioning import convention
    from .plans import LIVE
    from .plans import Plan as PlanOfSteps

    settings = AssignmentSettings.for_organization(organization_id)
    apps = TenantApp.objects.filter(archived_at__isnull=True).select_related("catalog_app")
    apps = {app.pk: app for app in apps if app.catalog_app.supports_provisioning}
    apps = {pk: app for pk, app in apps.items() if capabilities_of(app).update}
    accounts = AppAccount.objects.filter(
        app_id__in=apps, user__isnull=False, status__in=LIVE
    ).select_related("user")
    taken = {}
    for app_id, username in AppAccount.objects.filter(app_id__in=apps).values_list(
        "app_id", "username"
    ):
        taken.setdefault(app_id, set()).add(username.lower())
    steps, people = [], {}
    for account in accounts.order_by("app_id", "created_at", "pk"):
        app = apps[account.app_id]
        name_convention, template = convention(app, settings)
        base = base_username(account.user, name_convention, template)
        if account.username.lower() == base.lower():
            continue
        new = unique_username(base, taken[app.pk] - {account.username.lower()})
        if new.lower() == account.username.lower():
            continue
        taken[app.pk].add(new.lower())
        before = {n: getattr(account, n) for n in ("email", "username", "first_name", "last_name")}
        step = Step("update", account.user_id, app.pk, account.pk, why="new username convention")
        step.changes = {
            "before": before,
            "after": {**before, "username": new},
            "changed": ["username"],
        }
        steps.append(step)
        people[account.user_id] = account.user
    return PlanOfSteps(title=title, steps=steps, people=people, apps=apps)
