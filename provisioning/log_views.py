"""The provisioning log's pages (log.py reads it): the organization's, an app's (a tab beside
its Users), a person's, and one account's history; each downloads as CSV with its filters."""

from itertools import chain
from urllib.parse import urlencode

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django_scopes import scope

from accounts.models import User
from accounts.permissions import admin_required
from apps_catalog.models import TenantApp
from bitium import listing
from bitium.ids import parse_uuid

from . import log
from .models import AccountEvent, AppAccount
from .status import Status


@admin_required
def organization_log(request, export=False):
    """Every event of the organization; the app is a filter here (?app=)."""
    filters = log.read_filters(request.GET, app=chosen_app(request))
    if export:
        return export_csv(request, filters, "provisioning-log")
    context = {"heading": "Provisioning log", "apps": app_choices(), "section": "log"}
    return show(request, filters, "provisioning_log_export", {}, context)


@admin_required
def app_log(request, app_id, export=False):
    app = get_object_or_404(TenantApp.objects.select_related("catalog_app"), pk=app_id)
    filters = log.read_filters(request.GET, app=app)
    if export:
        return export_csv(request, filters, f"provisioning-log-{slugify(app.name)}")
    context = {"app": app, "tab": "log", "heading": f"Provisioning log · {app.name}"}
    ids = {"app_id": app.pk}
    return show(request, filters, "app_log_export", ids, context, app_in_path=True)


@admin_required
def person_log(request, user_id, export=False):
    person = get_object_or_404(User, pk=user_id)
    filters = log.read_filters(request.GET, app=chosen_app(request), person=person)
    if export:
        return export_csv(request, filters, f"provisioning-log-{slugify(person.email)}")
    context = {
        "person": person,
        "apps": app_choices(),
        "heading": f"Provisioning log · {person.full_name or person.email}",
    }
    return show(request, filters, "person_log_export", {"user_id": person.pk}, context)


@admin_required
def account_history(request, app_id, account_id, export=False):
    """One account's history: every event with the request sent and the vendor's answer."""
    account = get_object_or_404(
        AppAccount.objects.select_related("app__catalog_app", "user"), pk=account_id, app_id=app_id
    )
    filters = log.read_filters(request.GET, account=account)
    if export:
        name = slugify(f"{account.app.name} {account.username or account.email}")
        return export_csv(request, filters, f"account-history-{name}")
    context = {
        "account": account,
        "app": account.app,
        "tab": "users",
        "heading": f"History of {account.username or account.email} in {account.app.name}",
        "can_retry": account.status == Status.FAILED and account.user_id is not None,
        "retry_back": request.get_full_path(),
    }
    ids = {"app_id": account.app_id, "account_id": account.pk}
    return show(
        request, filters, "account_history_export", ids, context, template="account_history"
    )


def chosen_app(request):
    """The app of the ?app= filter (in the organization's scope), or None."""
    if not request.GET.get("app"):
        return None
    return get_object_or_404(TenantApp, pk=parse_uuid(request.GET["app"]))


def app_choices():
    """The app filter's choices: the organization's apps, removed ones too (their history is
    kept). One query of two columns."""
    return list(TenantApp.objects.order_by("name", "pk").values_list("pk", "name"))


def show(request, filters, export_name, ids, context, template="log", app_in_path=False):
    """A page of the log under the filters, or (htmx) its results only."""
    page = log.page(log.events(filters), request.GET.get("older", ""), request.GET.get("newer", ""))
    params = filters.params(with_app=not app_in_path)
    query = urlencode(params)
    context |= {
        "filters": filters,
        "rows": [log.row(event) for event in page.rows],
        "newer_url": pager(request.path, params, newer=page.newer),
        "older_url": pager(request.path, params, older=page.older),
        "export_url": f"{reverse(export_name, kwargs=ids)}{'?' + query if query else ''}",
        "actions": AccountEvent.Action.choices,
        "outcomes": AccountEvent.Outcome.choices,
        "periods": [(value, label) for value, label, _ in log.PERIODS],
        "show_account": filters.account is None,
    }
    if request.htmx and request.htmx.target == "log-results":
        return render(request, "provisioning/log_results.html", context)
    return render(request, f"provisioning/{template}.html", context)


def pager(path, params, **cursor):
    ((name, value),) = cursor.items()
    return f"{path}?{urlencode(params | {name: value})}" if value else ""


def export_csv(request, filters, name):
    """The events under the filters as CSV, streamed: rows are read a keyset chunk at a time
    (log.export_rows) and written as they come, in the tenant's scope (the stream runs after
    the view has returned, outside the request's scope)."""
    organization_id = request.user.organization_id

    def lines():
        with scope(organization=organization_id):
            rows = (log.csv_row(event) for event in log.export_rows(log.events(filters)))
            yield from listing.csv_lines(chain([log.CSV_HEADER], rows))

    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name[:80]}-{stamp}.csv"'
    return response
