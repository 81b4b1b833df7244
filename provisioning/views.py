"""The app's provisioning pages other than Assign Users (assign_views.py) and the Users tab
(users_views.py): Retry, and the offer to provision a group's current members."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import audit
from accounts.permissions import admin_required
from apps_catalog.models import TenantApp
from bitium.ids import valid_ids
from groups.models import AssignmentSettings

from . import background, group_provisioning, retrying, services
from .models import AppAccount
from .status import Status


@admin_required
@require_POST
def retry_account(request, app_id, account_id):
    account = get_object_or_404(
        AppAccount.objects.select_related("app", "user"), pk=account_id, app_id=app_id
    )
    if account.status != Status.FAILED or account.user is None:
        messages.error(request, "Only failed accounts of people in the console can be retried.")
    else:
        services.retry_account(account, by=request.user)
        label = f"{account.email} in {account.app.name}"
        audit.record(request, audit.ACCOUNT_RETRIED, account, label=label)
        messages.success(request, f"Retrying {account.email}.")
    back = request.POST.get("next", "")  # the person's page
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("app_users", app_id=app_id)


@admin_required
@require_POST
def retry_all_failed(request, app_id):
    """Retry all failed (the dashboard, the Users tab): in the request for a few hundred, in
    the background with progress beyond."""
    app = get_object_or_404(TenantApp.objects.select_related("catalog_app"), pk=app_id)
    count = 0 if app.archived_at else retrying.failed_accounts(app).count()
    if not count:
        messages.info(request, f"No failed accounts to retry in {app.name}.")
        return redirect("app_users", app_id=app.pk)
    audit.record(request, audit.ACCOUNTS_RETRIED, app, detail={"count": count})
    if count >= background.BACKGROUND_FROM:
        action = background.start(
            app.organization_id,
            "retry_failed",
            f"Retrying the failed accounts in {app.name}",
            {"app_id": str(app.pk)},
            by=request.user,
            back_url=reverse("app_users", kwargs={"app_id": app.pk}),
        )
        return redirect("background_action", action_id=action.pk)
    queued = retrying.retry_failed(app, request.user)
    messages.success(
        request, f"Retrying {queued} failed account{'' if queued == 1 else 's'} in {app.name}."
    )
    return redirect("app_users", app_id=app.pk)  # the rows go from Pending to Created


@admin_required
def offer_group_members(request, app_id):
    """After an app joins a group or its toggle turns on: offer to provision the groups'
    current members, saying how many, instead of doing it silently."""
    app = get_object_or_404(TenantApp.objects.select_related("catalog_app"), pk=app_id)
    assignment = AssignmentSettings.for_organization(app.organization_id)
    groups = app.groups.order_by("name")
    back_url = reverse("app_users", kwargs={"app_id": app.pk})
    if request.GET.get("group"):  # from the group's page: back there
        groups = groups.filter(pk__in=valid_ids([request.GET["group"]]))
        if len(groups) == 1:
            back_url = reverse("group_detail", kwargs={"group_id": groups[0].pk})
    back = redirect(back_url)
    if not group_provisioning.applies(app, assignment):
        messages.info(request, why_no_group_provisioning(app, assignment))
        return back
    people = group_provisioning.members_to_provision(app, groups)
    if not people:
        return back
    if request.method == "POST":
        jobs = group_provisioning.provision(
            app, people, assignment, trigger="group members", by=request.user
        )
        detail = {"count": len(people), "queued": len(jobs), "groups": [g.name for g in groups]}
        audit.record(request, audit.GROUP_MEMBERS_PROVISIONED, app, detail=detail)
        messages.success(
            request, f"Provisioning {len(jobs)} account{pluralize(len(jobs))} in {app.name}."
        )
        return back
    context = {"app": app, "groups": groups, "people": people, "tab": "users", "back": back_url}
    return render(request, "provisioning/offer_group_members.html", context)


def why_no_group_provisioning(app, assignment):
    """Why the app's group members get no account from the console, where to change it."""
    if not app.catalog_app.supports_provisioning:
        return (
            f"{app.name} cannot auto-provision: the console cannot create accounts there, so "
            "its group members sign in with accounts they already have."
        )
    if assignment.group_auto_provisioning == AssignmentSettings.Mode.OFF:
        return (
            "Group Auto Provisioning is off in Assignment Settings: group members get no "
            f"account in {app.name} until it is turned on there."
        )
    return (
        f"Group Auto Provisioning is off for {app.name}: turn it on in the app's Settings "
        "to give its group members accounts."
    )


def offers_by_app(organization_id):
    """After Assignment Settings grants more: each app that group auto-provisioning now
    creates seats in, with its groups' current members who have no account there yet."""
    assignment = AssignmentSettings.for_organization(organization_id)
    apps = TenantApp.objects.filter(archived_at__isnull=True, groups__isnull=False)
    offers = []
    for app in apps.select_related("catalog_app").distinct().order_by("name"):
        if not group_provisioning.applies(app, assignment):
            continue
        people = group_provisioning.members_to_provision(app, app.groups.all())
        if people:
            offers.append((app, people))
    return assignment, offers


@admin_required
def offer_mode_members(request):
    """After Group Auto-Provisioning is switched to grant more (e.g. "Automatically provision
    all apps"): offer to provision the groups' current members, app by app with counts, as
    adding an app to a group does; nothing happens silently."""
    back = redirect("assignment_settings")
    assignment, offers = offers_by_app(request.user.organization_id)
    if not offers:
        return back
    if request.method == "POST":
        queued = 0
        for app, people in offers:
            jobs = group_provisioning.provision(
                app, people, assignment, trigger="group members", by=request.user
            )
            groups = [g.name for g in app.groups.order_by("name")]
            detail = {"count": len(people), "queued": len(jobs), "groups": groups}
            audit.record(request, audit.GROUP_MEMBERS_PROVISIONED, app, detail=detail)
            queued += len(jobs)
        apps = len(offers)
        messages.success(
            request,
            f"Provisioning {queued} account{pluralize(queued)} in {apps} app{pluralize(apps)}.",
        )
        return back
    total = sum(len(people) for _, people in offers)
    context = {"offers": offers, "total": total}
    return render(request, "provisioning/offer_mode_members.html", context)
