"""The app's provisioning pages other than Assign Users (assign_views.py) and the Users tab
(users_views.py): Retry, and the offer to provision a group's current members."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
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
    if request.GET.get("group"):
        groups = groups.filter(pk__in=valid_ids([request.GET["group"]]))
    back = redirect("app_users", app_id=app.pk)
    if not group_provisioning.applies(app, assignment):
        messages.info(
            request,
            f"Group Auto Provisioning is off for {app.name}: new group "
            "members get no account there.",
        )
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
        messages.success(request, f"Provisioning {len(jobs)} account(s) in {app.name}.")
        return back
    context = {"app": app, "groups": groups, "people": people, "tab": "users"}
    return render(request, "provisioning/offer_group_members.html", context)
