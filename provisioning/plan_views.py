"""Admin actions that change who should have which app: each shows its plan first and runs
on Confirm (or waits on Pending Approvals); the person's apps; approvals and to-dos."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import audit
from accounts.permissions import admin_required
from apps_catalog.models import TenantApp
from bitium.ids import parse_uuid, valid_ids
from groups.models import Group

from . import app_only, background, changes, runs
from .models import AppAccount, Plan, ToDo
from .plans import leaving_choices, needs_approval, sources
from .status import Status

User = get_user_model()
SHOWN_STEPS = 500  # a kept plan shows its counts and its first steps
SHOWN_PEOPLE = 200  # a plan page, its first people


def plan_page(request, change, back):
    """GET: the plan of the change, not made. POST (Confirm): made, and its plan run or kept."""
    organization_id = request.user.organization_id
    if request.method == "POST" and big(change, organization_id):
        record_change(request, change, outcome="running in the background")
        action = background.start(
            organization_id,
            "plan",
            change.title,
            change.params(),
            by=request.user,
            back_url=back,
        )
        return redirect("background_action", action_id=action.pk)
    if request.method == "POST":
        plan, kept = changes.confirm(change, organization_id, request.user)
        record_change(request, change, outcome="waiting for approval" if kept else "running")
        if kept:
            messages.warning(
                request, f"{kept.reason} The plan waits on Pending Approvals: nothing was sent."
            )
        else:
            messages.success(request, f"Done. {plan.sentence()}")
        return redirect(back)
    plan = changes.preview(change, organization_id)
    context = {
        "change": change,
        "plan": plan,
        "steps": plan.by_person()[:SHOWN_PEOPLE],
        "approval": needs_approval(plan, organization_id),
        "back": back,
    }
    return render(request, "provisioning/plan.html", context)


# The audit row of each change an admin confirms: its action, and the object it is about
# (the others it names go in its detail).
AUDITED = {
    "Deactivate": (audit.PERSON_DEACTIVATED, "person"),
    "Reactivate": (audit.PERSON_REACTIVATED, "person"),
    "LeaveGroup": (audit.GROUP_MEMBER_REMOVED, "group"),
    "DetachApp": (audit.GROUP_APP_REMOVED, "group"),
    "DeleteGroup": (audit.GROUP_DELETED, "group"),
    "Unassign": (audit.APP_UNASSIGNED, "person"),
    "ReconcileApp": (audit.APP_RECONCILED, "app"),
    "ReconcileGroups": (audit.GROUPS_RECONCILED, None),
    "ApplyConvention": (audit.USERNAME_CONVENTION_APPLIED, None),
    "AccountAction": (None, "account"),
}
ACCOUNT_ACTIONS = {
    "suspend": audit.ACCOUNT_SUSPENDED,
    "reactivate": audit.ACCOUNT_REACTIVATED,
    "delete": audit.ACCOUNT_DELETED,
}


def record_change(request, change, outcome):
    action, subject = AUDITED[type(change).__name__]
    detail = {"plan": change.title, "outcome": outcome}
    obj, label = (getattr(change, subject), None) if subject else (None, "Assignment Settings")
    if subject == "account":
        action = ACCOUNT_ACTIONS[change.action]
        label = f"{change.owner.full_name} in {change.account.app.name}"
    for name in ("person", "app", "group"):
        other = getattr(change, name, None)
        if other is not None and name != subject:
            detail[name] = audit.object_label(other)
            detail[f"{name}_id"] = str(other.pk)
    audit.record(request, action, obj, detail=detail, label=label)


def big(change, organization_id):
    """A plan of a few hundred steps or more is made and run by the worker."""
    return len(changes.preview(change, organization_id).steps) >= background.BACKGROUND_FROM


def person_page(person):
    return reverse("person_edit", kwargs={"user_id": person.pk})


@admin_required
def deactivate_person(request, user_id):
    person = get_object_or_404(User, pk=user_id)
    if person.pk == request.user.pk:
        messages.error(request, "You cannot deactivate your own account.")
        return redirect(person_page(person))
    return plan_page(request, changes.Deactivate(person), person_page(person))


@admin_required
def reactivate_person(request, user_id):
    person = get_object_or_404(User, pk=user_id)
    return plan_page(request, changes.Reactivate(person), person_page(person))


@admin_required
def leave_group(request, group_id, user_id):
    group = get_object_or_404(Group, pk=group_id)
    person = get_object_or_404(User, pk=user_id, memberships__group=group)
    back = reverse("group_detail", kwargs={"group_id": group.pk})
    return plan_page(request, changes.LeaveGroup(group, person), back)


@admin_required
def detach_group_app(request, group_id, app_id):
    group = get_object_or_404(Group, pk=group_id)
    app = get_object_or_404(TenantApp.objects.select_related("catalog_app"), pk=app_id)
    back = reverse("group_detail", kwargs={"group_id": group.pk})
    return plan_page(request, changes.DetachApp(group, app), back)


@admin_required
def delete_group(request, group_id):
    group = get_object_or_404(Group, pk=group_id)
    return plan_page(request, changes.DeleteGroup(group), reverse("group_list"))


@admin_required
def unassign(request, user_id, app_id):
    person = get_object_or_404(User, pk=user_id)
    app = get_object_or_404(TenantApp.objects.select_related("catalog_app"), pk=app_id)
    return plan_page(request, changes.Unassign(person, app), person_page(person))


@admin_required
@require_POST
def assign_app(request, user_id):
    """The person's page: Assign an app (adding only: runs at once)."""
    person = get_object_or_404(User, pk=user_id)
    app = TenantApp.objects.filter(
        pk__in=valid_ids([request.POST.get("app")]), archived_at__isnull=True
    ).first()
    if app is None:
        messages.error(request, "Choose an app to assign.")
    else:
        plan, _ = changes.confirm(changes.Assign(person, app), person.organization_id, request.user)
        detail = {"app": app.name, "app_id": str(app.pk)}
        audit.record(request, audit.APP_ASSIGNED, person, detail=detail)
        messages.success(request, f"{app.name} is assigned to {person.full_name}.")
    return redirect(person_page(person))


@admin_required
def account_action(request, account_id, action):
    account = get_object_or_404(
        AppAccount.objects.select_related("app__catalog_app", "user"),
        pk=account_id,
        user__isnull=False,
    )
    if action not in ("suspend", "reactivate"):
        raise ValueError(action)
    change = changes.AccountAction(account, action)
    return plan_page(request, change, person_page(account.user))


@admin_required
def remove_app(request, app_id):
    """Removing an app: what to do with its accounts (only what its API can), then the plan."""
    app = get_object_or_404(
        TenantApp.objects.select_related("catalog_app"), pk=app_id, archived_at__isnull=True
    )
    choices = [(v, label) for v, label in leaving_choices(app) if v]
    leaving = request.POST.get("leaving") or request.GET.get("leaving") or "leave"
    if leaving not in dict(choices):
        leaving = "leave"
    if request.method == "POST":
        plan, kept = changes.confirm(
            changes.RemoveApp(app, leaving), app.organization_id, request.user
        )
        detail = {"accounts": leaving, "outcome": "waiting for approval" if kept else "running"}
        audit.record(request, audit.APP_REMOVED, app, detail=detail)
        if kept:
            messages.warning(
                request,
                f"{app.name} was removed. {kept.reason} "
                "The plan for its accounts waits on Pending Approvals.",
            )
        else:
            messages.success(request, f"{app.name} was removed. {plan.sentence()}")
        return redirect("manage_apps")
    plan = changes.preview(changes.RemoveApp(app, leaving), app.organization_id)
    context = {
        "app": app,
        "plan": plan,
        "steps": plan.by_person()[:SHOWN_PEOPLE],
        "choices": choices,
        "leaving": leaving,
        "approval": needs_approval(plan, app.organization_id),
    }
    return render(request, "provisioning/remove_app.html", context)


@admin_required
def reconcile_app(request, app_id):
    app = get_object_or_404(TenantApp.objects.select_related("catalog_app"), pk=app_id)
    back = reverse("app_settings", kwargs={"app_id": app.pk})
    return plan_page(request, changes.ReconcileApp(app), back)


@admin_required
def apply_convention(request):
    change = changes.ApplyConvention(request.user.organization_id)
    return plan_page(request, change, reverse("assignment_settings"))


@admin_required
def reconcile_groups(request):
    change = changes.ReconcileGroups(request.user.organization_id)
    return plan_page(request, change, reverse("assignment_settings"))


@admin_required
def app_only_action(request, account_id, action):
    """An account found only in the app: suspend or delete it, through a plan."""
    account = get_object_or_404(
        AppAccount.objects.select_related("app__catalog_app"), pk=account_id, user__isnull=True
    )
    back = reverse("assign_users", kwargs={"app_id": account.app_id})
    return plan_page(request, changes.AccountAction(account, action), back)


@admin_required
@require_POST
def app_only_link(request, account_id):
    account = get_object_or_404(
        AppAccount.objects.select_related("app"), pk=account_id, user__isnull=True
    )
    try:
        person = app_only.link_to_person(account, request.POST.get("email", ""), request.user)
    except app_only.LinkRefused as error:
        messages.error(request, str(error))
    else:
        detail = {"person": audit.person_label(person), "person_id": str(person.pk)}
        audit.record(
            request, audit.ACCOUNT_LINKED, account, label=app_only_label(account), detail=detail
        )
        messages.success(request, f"Linked to {person.full_name}.")
    return redirect("assign_users", app_id=account.app_id)


def app_only_label(account):
    return f"{account.username or account.email} in {account.app.name}"


@admin_required
@require_POST
def app_only_ignore(request, account_id):
    account = get_object_or_404(AppAccount, pk=account_id, user__isnull=True)
    app_only.set_aside(account, request.user)
    audit.record(request, audit.ACCOUNT_SET_ASIDE, account, label=app_only_label(account))
    messages.success(request, f"{account.username or account.email} is set aside.")
    return redirect("assign_users", app_id=account.app_id)


@admin_required
def person_apps(request, user_id):
    """The person's apps (an htmx part of their page): status, origin and why they have it."""
    person = get_object_or_404(User, pk=user_id)
    accounts = {
        a.app_id: a
        for a in AppAccount.objects.filter(user=person).select_related("app__catalog_app")
    }
    why = sources([person.pk], person.organization_id)
    app_ids = set(accounts) | {app_id for _, app_id in why}
    apps = TenantApp.objects.select_related("catalog_app").in_bulk(app_ids)
    rows = sorted(
        (
            {
                "app": apps[app_id],
                "account": accounts.get(app_id),
                "why": why.get((person.pk, app_id), []),
                "direct": "assigned directly" in why.get((person.pk, app_id), []),
            }
            for app_id in app_ids
        ),
        key=lambda row: row["app"].name.lower(),
    )
    assignable = TenantApp.objects.filter(archived_at__isnull=True).exclude(pk__in=app_ids)
    assignable = assignable.order_by("name")
    todos = ToDo.objects.filter(account__user=person, done_at__isnull=True).select_related(
        "account__app"
    )
    context = {
        "person": person,
        "rows": rows,
        "assignable": assignable,
        "todos": todos,
        "Status": Status,
        "next": person_page(person),
    }
    return render(request, "provisioning/_person_apps.html", context)


@admin_required
def approvals(request):
    """Pending Approvals: kept plans an admin approves or rejects whole; to-dos to tick off."""
    context = {
        "waiting": Plan.objects.filter(state=Plan.State.AWAITING).select_related("requested_by"),
        "decided": Plan.objects.exclude(state=Plan.State.AWAITING).select_related("decided_by")[
            :20
        ],
        "todos": ToDo.objects.filter(done_at__isnull=True).select_related(
            "account__app", "account__user"
        )[:200],
    }
    return render(request, "provisioning/approvals.html", context)


@admin_required
def plan_detail(request, plan_id):
    plan = get_object_or_404(Plan, pk=plan_id)
    if request.method == "POST":
        decision = request.POST.get("decision")
        try:
            if decision == "approve":
                runs.approve(plan, request.user)
                audit.record(request, audit.PLAN_APPROVED, plan, detail={"steps": plan.counts})
                messages.success(request, "Approved: the plan is running.")
            elif decision == "reject":
                runs.reject(plan, request.user)
                audit.record(request, audit.PLAN_REJECTED, plan, detail={"steps": plan.counts})
                messages.success(request, "Rejected: nothing of it was sent.")
        except ValueError as error:
            messages.error(request, str(error))
        return redirect("approvals")
    steps = plan.steps[:SHOWN_STEPS]
    people = User.objects.in_bulk([s["user_id"] for s in steps])
    apps = TenantApp.objects.in_bulk([s["app_id"] for s in steps])
    rows = [
        {
            **s,
            "person": people.get(parse_uuid(s["user_id"])),
            "app": apps.get(parse_uuid(s["app_id"])),
        }
        for s in steps
    ]
    context = {"plan": plan, "rows": rows, "more": len(plan.steps) - len(steps)}
    return render(request, "provisioning/plan_detail.html", context)


@admin_required
@require_POST
def todo_done(request, todo_id):
    todo = get_object_or_404(ToDo.objects.select_related("account__app"), pk=todo_id)
    if todo.done_at is None:
        runs.tick_off(todo, request.user)
        audit.record(request, audit.TODO_DONE, todo, label=f"{todo.account.app.name}: {todo.note}")
        messages.success(request, "Ticked off.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("approvals")
    return redirect(back)
