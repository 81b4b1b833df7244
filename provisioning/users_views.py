"""An app's Users tab: its accounts a page at a time, filtered by status and searched on the
server, with a progress summary (one aggregate query) that refreshes, with the rows of the
page shown, while jobs run."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render

from accounts.permissions import admin_required
from apps_catalog.models import TenantApp

from .models import AppAccount
from .status import IN_FLIGHT, Status

ACCOUNTS_PER_PAGE = 50
APP_ONLY = "app_only"

# The status filter: its value, its label, the statuses it shows (None: every status).
FILTERS = [
    ("", "All", None),
    ("in_flight", "Pending/Provisioning", [Status.PENDING, Status.PROVISIONING]),
    ("created", "Created/Invited", [Status.CREATED, Status.INVITED]),
    ("active", "Active", [Status.ACTIVE]),
    ("failed", "Failed", [Status.FAILED]),
    ("suspended", "Suspended", [Status.SUSPENDED]),
    ("deprovisioned", "Deprovisioned", [Status.DEPROVISIONED]),
    (APP_ONLY, "Only in the app", None),
]
STATUSES = {value: statuses for value, _, statuses in FILTERS}
# What a search reads: what the rows show (a person's name and email, the account's username
# and email); an account only in the app shows no person, its own names instead.
SEARCHED = ["user__first_name", "user__last_name", "user__email", "username", "email"]
SEARCHED_APP_ONLY = ["first_name", "last_name", "username", "email"]


def find_accounts(app, status="", query=""):
    """The app's accounts under this filter whose fields match every word of the query: the
    people's accounts, the latest change first, or (APP_ONLY) those found only in the app."""
    accounts = AppAccount.objects.filter(app=app, user__isnull=status == APP_ONLY)
    if STATUSES.get(status):
        accounts = accounts.filter(status__in=STATUSES[status])
    searched = SEARCHED_APP_ONLY if status == APP_ONLY else SEARCHED
    for word in query.split():
        match = Q()
        for field in searched:
            match |= Q(**{f"{field}__icontains": word})
        accounts = accounts.filter(match)
    if status == APP_ONLY:  # accounts nobody here owns: by name, as the app lists them
        return accounts.order_by("email", "username", "pk")
    # The page's people come in a query of their own: joining them before the page is cut
    # costs a join of every account (a deep page of a big app took three times as long).
    return accounts.prefetch_related("user").order_by("-updated_at", "-pk")


def summary(app):
    """How many of the app's accounts are in each status (the people's accounts), and how
    many are only in the app: one aggregate query. The app was found in the tenant's scope,
    so are its accounts: the base manager leaves out the organization filter, and counting a
    column of the index (status) makes it an index-only scan."""
    owned = Q(user__isnull=False)
    counts = AppAccount._base_manager.filter(app=app).aggregate(
        **{status.value: Count("status", filter=owned & Q(status=status)) for status in Status},
        **{APP_ONLY: Count("status", filter=Q(user__isnull=True))},
    )
    shown = [(status.value, status.label, counts[status.value]) for status in Status]
    total = sum(counts[status.value] for status in Status)
    in_flight = sum(counts[status] for status in IN_FLIGHT)
    return {
        "statuses": [row for row in shown if row[2]],
        "total": total,
        "in_flight": in_flight,
        "settled": total - in_flight,
        "failed": counts[Status.FAILED],
        "app_only": counts[APP_ONLY],
    }


@admin_required
def app_users(request, app_id):
    """The app's Users tab: a page of its accounts; while jobs run, the progress summary and
    the rows of this page refresh every 2 s (htmx), never the whole list."""
    app = get_object_or_404(TenantApp.objects.select_related("catalog_app"), pk=app_id)
    query = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("status", "")
    if status not in STATUSES:
        status = ""
    page = Paginator(find_accounts(app, status, query), ACCOUNTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    progress = summary(app)
    shown = {"q": query, "status": status, "page": page.number}
    here = f"{request.path}?{urlencode({k: v for k, v in shown.items() if v})}"
    context = {
        "app": app,
        "tab": "users",
        "page": page,
        "query": query,
        "status": status,
        "filters": [(value, label) for value, label, _ in FILTERS],
        "app_only_filter": status == APP_ONLY,
        "progress": progress,
        "in_flight": progress["in_flight"] > 0,
        "here": here,
    }
    if request.htmx and request.htmx.target == "app-accounts":
        return render(request, "provisioning/_accounts.html", context)
    return render(request, "provisioning/users.html", context)
