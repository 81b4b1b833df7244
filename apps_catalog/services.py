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


def organization_apps():
    return TenantApp.objects.select_related("catalog_app").annotate(
        group_count=Count("group_apps", distinct=True)
    )
