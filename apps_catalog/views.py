from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.permissions import admin_required

from . import services
from .forms import SupportRequestForm, TenantAppForm
from .models import CatalogApp, SupportRequest, TenantApp


@admin_required
def manage_apps(request):
    context = {
        "apps": services.organization_apps(),
        "columns": services.COLUMNS,
        "shown": services.shown_columns(request.user),
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
        services.request_auto_provisioning(request.user.organization, request.user, form)
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
        messages.success(request, f"{app.name} was added.")
        return redirect("app_detail", app_id=app.pk)
    return render(
        request, "apps_catalog/add_app_form.html", {"form": form, "catalog_app": catalog_app}
    )


@admin_required
def app_detail(request, app_id):
    app = get_object_or_404(TenantApp.objects.select_related("catalog_app"), pk=app_id)
    return render(request, "apps_catalog/app_detail.html", {"app": app, "groups": app.groups.all()})


@admin_required
def app_settings(request, app_id):
    app = get_object_or_404(TenantApp.objects.select_related("catalog_app"), pk=app_id)
    form = TenantAppForm(
        request.POST if request.method == "POST" else None,
        instance=app,
        organization=app.organization,
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "App settings saved.")
        return redirect("app_settings", app_id=app.pk)
    return render(request, "apps_catalog/app_settings.html", {"app": app, "form": form})


@admin_required
def app_remove(request, app_id):
    app = get_object_or_404(TenantApp.objects.select_related("catalog_app"), pk=app_id)
    if request.method == "POST":
        app.delete()
        messages.success(request, f"{app.name} was removed from your apps.")
        return redirect("manage_apps")
    return render(request, "apps_catalog/app_remove.html", {"app": app})
