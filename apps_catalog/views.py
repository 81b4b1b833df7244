from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import audit
from accounts.permissions import admin_required
from groups.models import AssignmentSettings, Group

from . import hooks, services
from .forms import AppSettingsForm, AttachAppForm, SupportRequestForm, TenantAppForm
from .models import CatalogApp, GroupApp, SupportRequest, TenantApp


@admin_required
def manage_apps(request):
    context = {
        "apps": hooks.describe_apps(services.organization_apps()),  # each app's one status
        "columns": services.COLUMNS,
        "shown": services.shown_columns(request.user),
        "removed": TenantApp.objects.filter(archived_at__isnull=False).order_by("-archived_at"),
    }
    return render(request, "apps_catalog/manage_apps.html", context)


@admin_required
@require_POST
def manage_apps_columns(request):
    """The "Show" menu: each admin's choice of columns is remembered."""
    services.choose_columns(request.user, request.POST.getlist("columns"))
    return redirect("manage_apps")


@admin_required
def request_auto_provisioning(request):
    app_name = request.GET.get("app", "")[:100]
    form = SupportRequestForm(
        request.POST if request.method == "POST" else None, initial={"app_name": app_name}
    )
    if request.method == "POST" and form.is_valid():
        asked = services.request_auto_provisioning(request.user.organization, request.user, form)
        audit.record(request, audit.SUPPORT_REQUESTED, asked, label=asked.app_name)
        messages.success(request, "Thanks: we will contact the app's vendor and let you know.")
        return redirect("support_requests")
    return render(request, "apps_catalog/request_form.html", {"form": form})


@admin_required
def support_requests(request):
    requests = SupportRequest.objects.select_related("requested_by")
    return render(request, "apps_catalog/support_requests.html", {"requests": requests})


@admin_required
def add_an_app(request):
    query = request.GET.get("q", "").strip()[:100]
    context = {"catalog": services.search_catalog(query), "query": query}
    if request.htmx and request.htmx.target == "catalog-results":
        return render(request, "apps_catalog/_catalog_results.html", context)
    return render(request, "apps_catalog/add_an_app.html", context)


@admin_required
def add_app_form(request, catalog_key):
    catalog_app = get_object_or_404(CatalogApp, key=catalog_key)
    initial = {"name": services.suggested_name(catalog_app), "sign_in_url": catalog_app.sign_in_url}
    form = TenantAppForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        organization=request.user.organization,
        catalog_app=catalog_app,
    )
    if request.method == "POST" and form.is_valid():
        app = form.save(commit=False)
        app.added_by = request.user
        app.save()
        audit.record(request, audit.APP_ADDED, app, detail={"catalog": catalog_app.name})
        messages.success(request, f"{app.name} was added.")
        return redirect("app_detail", app_id=app.pk)
    return render(
        request, "apps_catalog/add_app_form.html", {"form": form, "catalog_app": catalog_app}
    )


@admin_required
def app_detail(request, app_id):
    app = get_object_or_404(TenantApp.objects.select_related("catalog_app"), pk=app_id)
    context = {
        "app": app,
        "groups": app.groups.all(),
        "connection": hooks.connection_overview(app),  # state, last check, budget, jobs
    }
    return render(request, "apps_catalog/app_detail.html", context)


@admin_required
def app_settings(request, app_id):
    app = get_object_or_404(TenantApp.objects.select_related("catalog_app"), pk=app_id)
    policy = AssignmentSettings.for_organization(app.organization_id).group_auto_provisioning
    was_on = app.group_auto_provisioning
    form = AppSettingsForm(
        request.POST if request.method == "POST" else None,
        instance=app,
        organization=app.organization,
        policy_turns_it_on=policy == AssignmentSettings.Mode.ALL,
    )
    if request.method == "POST" and form.is_valid():
        app = form.save()
        audit.record_changes(
            request,
            app,
            audit.changes_of(form),
            {
                audit.APP_AUTO_PROVISIONING: {"group_auto_provisioning"},
                audit.USERNAME_CONVENTION_CHANGED: {"username_convention", "username_template"},
                audit.APP_SETTINGS_CHANGED: None,
            },
        )
        messages.success(request, "App settings saved.")
        if was_on and not app.group_auto_provisioning and policy == AssignmentSettings.Mode.PER_APP:
            return redirect(hooks.after_access_change(app))  # its groups' seats: the plan
        if app.group_auto_provisioning and not was_on and policy == AssignmentSettings.Mode.PER_APP:
            return redirect("provision_group_members", app_id=app.pk)  # offer, not silently
        return redirect("app_settings", app_id=app.pk)
    context = {"app": app, "form": form, "policy": policy, "tab": "settings"}
    return render(request, "apps_catalog/app_settings.html", context)


@admin_required
@require_POST
def attach_app(request, group_id):
    """A group gets an app; its current members are offered a seat, not given one silently."""
    group = get_object_or_404(Group, pk=group_id)
    form = AttachAppForm(request.POST, group=group)
    if not form.is_valid():
        messages.error(request, "Choose an app to add to the group.")
        return redirect("group_detail", group_id=group.pk)
    app = form.cleaned_data["app"]
    _, added = GroupApp.objects.get_or_create(
        organization_id=group.organization_id, group=group, app=app
    )
    if added:
        detail = {"app": app.name, "app_id": str(app.pk)}
        audit.record(request, audit.GROUP_APP_ADDED, group, detail=detail)
    messages.success(request, f"{group.name} now has {app.name}.")
    return redirect(f"{reverse('provision_group_members', args=[app.pk])}?group={group.pk}")


@admin_required
def detach_app(request, group_id, app_id):
    """Its members may lose their accounts: the plan comes first (provisioning's page)."""
    group = get_object_or_404(Group, pk=group_id)
    app = get_object_or_404(TenantApp, pk=app_id)
    return redirect("plan_detach_app", group_id=group.pk, app_id=app.pk)


@admin_required
def app_remove(request, app_id):
    """Removing asks what to do with the app's accounts and shows the plan first
    (provisioning's page); the app is archived, its history kept."""
    app = get_object_or_404(TenantApp.objects.select_related("catalog_app"), pk=app_id)
    return redirect(hooks.remove_app_url(app))
