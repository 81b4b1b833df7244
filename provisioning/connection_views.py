"""Test connection, on the app's page: the connector's check, run now on the stored
credentials (connection_status.check_now)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from accounts import audit
from accounts.permissions import admin_required
from apps_catalog.models import TenantApp

from . import connection_status


@admin_required
@require_POST
def test_connection(request, app_id):
    app = get_object_or_404(
        TenantApp.objects.select_related("catalog_app"), pk=app_id, archived_at__isnull=True
    )
    if not app.catalog_app.supports_provisioning:
        raise Http404("This app does not support auto-provisioning.")
    check = connection_status.check_now(app)
    if check.outcome == connection_status.NO_CREDENTIALS:
        messages.error(request, check.says(app))
        return redirect("app_detail", app_id=app.pk)
    audit.record(request, audit.CONNECTION_TESTED, app, detail=check.audit_detail())
    (messages.success if check.passed else messages.error)(request, check.says(app))
    return redirect("app_detail", app_id=app.pk)
