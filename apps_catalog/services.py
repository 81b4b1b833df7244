"""Manage Apps: adding catalog apps to an organization."""

from django.conf import settings
from django.db.models import Func, IntegerField, OuterRef, Q, Subquery

from notifications.services import queue_email

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


def row_count(model, app_field="app", **filters):
    """COUNT(*) of the model's rows (matching filters) of each outer app, as its own
    correlated subquery: counts never multiply one another through a join. The outer query
    is the scoped one; the subquery, tied to its app, reads the base manager, so that it
    needs no organization filter and a count is an index-only scan."""
    rows = model._base_manager.filter(**{app_field: OuterRef("pk")}, **filters).order_by()
    counted = rows.annotate(n=Func(template="COUNT(*)", output_field=IntegerField())).values("n")
    return Subquery(counted, output_field=IntegerField())


def organization_apps():
    """The organization's current apps with what Manage Apps shows, in one query. The counts
    come from provisioning's tables through their relation names (apps_catalog does not
    import provisioning), each from its own subquery."""
    group_app = TenantApp.groups.through
    account = TenantApp._meta.get_field("accounts").related_model
    current = TenantApp.objects.filter(archived_at__isnull=True)
    return current.select_related("catalog_app", "connection").annotate(
        group_count=row_count(group_app),
        user_count=row_count(account, user__isnull=False),
        provisioned_count=row_count(account, user__isnull=False, status__in=PROVISIONED),
        failed_count=row_count(account, status="failed"),
    )


# Manage Apps' "Show" menu. Name is always shown; Auto-Provisioning is opt-in, as the brief
# describes ("adding the Auto-Provisioning column ... from the Show menu").
COLUMNS = {
    "users": "Users",
    "groups": "Groups",
    "status": "Status",
    "auto_provisioning": "Auto-Provisioning",
    "added": "Added",
}
DEFAULT_COLUMNS = ["users", "groups", "status", "added"]
PREFERENCE = "manage_apps_columns"


def shown_columns(user):
    chosen = user.preferences.get(PREFERENCE, DEFAULT_COLUMNS)
    return [key for key in COLUMNS if key in chosen]


def choose_columns(user, keys):
    user.preferences[PREFERENCE] = [key for key in COLUMNS if key in keys]
    user.save(update_fields=["preferences"])


def request_auto_provisioning(organization, by, form):
    """Stores the request and tells support; the admin follows its state in the console."""
    support_request = form.save(commit=False)
    support_request.organization = organization
    support_request.requested_by = by
    support_request.save()
    queue_email(
        [settings.SUPPORT_EMAIL],
        "apps_catalog/email/support_request_subject.txt",
        "apps_catalog/email/support_request.txt",
        None,
        {"request": support_request, "organization": organization, "by": by},
        organization_id=organization.pk,
    )
    return support_request
