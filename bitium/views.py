from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from provisioning import health


@login_required
def dashboard(request):
    """Admins see their organization at a glance; members see their apps."""
    organization = request.user.organization
    if organization is None:  # a staff superuser: their console is Django's admin site
        return redirect("admin:index")
    if not request.user.is_org_admin:
        return redirect("my_apps")
    context = {
        "health": health.of_organization(organization),
        "people_count": organization.users.filter(is_active=True).count(),
        "group_count": organization.groups.count(),
        "app_count": organization.apps.filter(archived_at__isnull=True).count(),
        "recent_people": organization.users.order_by("-date_joined")[:5],
        "recent_apps": organization.apps.filter(archived_at__isnull=True)
        .select_related("catalog_app")
        .order_by("-added_at")[:5],
    }
    return render(request, "dashboard.html", context)
