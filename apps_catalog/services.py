"""Manage Apps: adding catalog apps to an organization."""

from django.db.models import Count, Q

from .models import CatalogApp, TenantApp


def search_catalog(query):
    apps = CatalogApp.objects.all()
    for word in query.split():
        apps = apps.filter(Q(name__icontains=word) | Q(description__icontains=word))
    return apps


def suggested_name(catalog_app):
    """The catalog name, or "Salesforce 2", "Salesforce 3"... when the name is taken."""
    taken = {
        name.lower()
        for name in TenantApp.objects.filter(name__istartswith=catalog_app.name).values_list(
            "name", flat=True
        )
    }
    name, n = catalog_app.name, 1
    while name.lower() in taken:
        n += 1
        name = f"{catalog_app.name} {n}"
    return name


PROVISIONED = ["created", "invited", "active"]


def organization_apps():
    """The organization's apps with what Manage Apps shows, in one query. The counts and the
    connection come from provisioning's tables through their relation names."""
    return TenantApp.objects.select_related("catalog_app", "connection").annotate(
        group_count=Count("group_apps", distinct=True),
        provisioned_count=Count(
            "accounts",
            filter=Q(accounts__status__in=PROVISIONED, accounts__user__isnull=False),
            distinct=True,
        ),
        failed_count=Count("accounts", filter=Q(accounts__status="failed"), distinct=True),
    )
