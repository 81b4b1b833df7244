"""Method 1, Assign Users: credentials first ("Confirm"), then the mapping, then "Done".
The mapping is three server-side lists, searched and paged (matching.py); "select all N
matching" posts the search, not the rows; Done beyond a few hundred people runs in the
background with progress."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse

from accounts import audit
from accounts.permissions import admin_required
from apps_catalog.models import TenantApp
from bitium.ids import parse_uuid

from . import assigning, background, matching, services
from .connectors.errors import ConnectorError
from .connectors.registry import connector_class
from .forms import CredentialsForm
from .mapping import current_read
from .models import AccountRead, AppAccount, Connection

LOOKUP_WORDS = {
    True: "Its filter, checked on every answer",
    None: "Its filter, once proven on a first account",
    False: "Read and matched by the console (its filter cannot be trusted)",
}


@admin_required
def assign_users(request, app_id):
    app = get_object_or_404(
        TenantApp.objects.select_related("catalog_app"), pk=app_id, archived_at__isnull=True
    )
    if not app.catalog_app.supports_provisioning:
        raise Http404("This app does not support auto-provisioning.")
    cls = connector_class(app.catalog_app.connector_key)
    if cls is None:  # in the catalog, but its connector is not built yet
        return render(request, "provisioning/unavailable.html", {"app": app, "tab": "assign"})
    connection = Connection.objects.filter(app=app).first()
    connected = connection is not None and connection.state == Connection.State.CONNECTED
    if not connected or request.GET.get("step") == "credentials":
        return credentials_step(request, app, cls, connection)
    if request.method == "POST":
        return done(request, app, cls, connection)
    return mapping_step(request, app, cls, connection)


def credentials_step(request, app, cls, connection):
    saved = connection.credentials if connection else {}
    form = CredentialsForm(
        request.POST if request.method == "POST" else None, connector_class=cls, saved=saved
    )
    if request.method == "POST" and form.is_valid():
        ok, message = services.connect(app, form.credentials)
        if ok:
            fields = audit.changed_credential_fields(saved, form.credentials)  # names only
            detail = {"fields": fields, "first": not saved}
            audit.record(request, audit.CREDENTIALS_SAVED, app, detail=detail)
            messages.success(request, f"{app.name} is connected.")
            return redirect("assign_users", app_id=app.pk)
        form.add_error(None, message)
    context = {
        "app": app,
        "form": form,
        "connection": connection,
        "lookups": lookup_methods(connection.server_info if connection else {}),
        "tab": "assign",
    }
    return render(request, "provisioning/credentials.html", context)


def lookup_methods(server_info):
    """How a SCIM app's accounts are found, in words, from what Confirm proved."""
    filters = (server_info or {}).get("filters")
    if not isinstance(filters, dict):
        return []
    return [
        ("Find by username", LOOKUP_WORDS[filters.get("userName")]),
        ("Find by email", LOOKUP_WORDS[filters.get("emails.value")]),
    ]


def mapping_step(request, app, cls, connection, errors=None, status=200):
    """The kept reading of the app's accounts (read again only on the admin's button), and
    a page of each list."""
    try:
        run = current_read(app, connection, refresh="refresh" in request.GET)
    except ConnectorError as error:
        messages.error(request, f"Could not read {app.name}'s accounts: {error.message}")
        return redirect(f"{request.path}?step=credentials")
    if run.state != AccountRead.State.DONE:
        return render(
            request, "provisioning/reading.html", {"app": app, "run": run, "tab": "assign"}
        )
    source = request.POST if request.method == "POST" else request.GET
    query = source.get("q", "").strip()[:100]
    matched_count, new_count = matching.counts(app, query)
    matched = page_of(matching.matched_people(app, query), source.get("m"), matched_count)
    new = page_of(matching.people_without_account(app, query), source.get("n"), new_count)
    only = page_of(matching.app_only(app, query), source.get("a"))
    accounts = matching.accounts_for(app, matched.object_list)
    names = matching.usernames_for(app, new.object_list)
    for person in new.object_list:
        person.suggested_username = names[person.pk]
    suggestions = matching.suggested_people(only.object_list)
    for account in only.object_list:
        account.suggested = suggestions.get(account.pk)
    context = {
        "app": app,
        "run": run,
        "query": query,
        "matched": [(p, accounts.get(p.pk)) for p in matched.object_list],
        "matched_page": matched,
        "new_page": new,
        "only_page": only,
        "provisioned": AppAccount.objects.filter(app=app, user__isnull=False).count(),
        "capabilities": services.connector_for(app, connection).capabilities,
        "tab": "assign",
        "errors": errors or {},
        "background_from": background.BACKGROUND_FROM,
    }
    return render(request, "provisioning/assign_users.html", context, status=status)


def page_of(queryset, number, count=None):
    paginator = Paginator(queryset, matching.PAGE_SIZE)
    if count is not None:  # counted already
        paginator.count = count
    return paginator.get_page(number)


def done(request, app, cls, connection):
    """Selected rows (posted with only the fields the admin changed) and the lists taken
    whole ("select all N matching", which posts the search)."""
    rows = {}
    for value in request.POST.getlist("selected")[: matching.PAGE_SIZE * 2]:
        person_id = parse_uuid(value)
        if person_id is not None:
            rows[person_id] = {
                f: request.POST.get(f"{f}-{value}", "") for f in assigning.ROW_FIELDS
            }
    whole = [kind for kind in request.POST.getlist("all") if kind in ("matched", "new")]
    query = request.POST.get("q", "").strip()[:100]
    if not rows and not whole:
        messages.error(request, "Select at least one person.")
        return redirect("assign_users", app_id=app.pk)
    count = assigning.count_for(app, rows, whole, query)
    picked = {"selected": len(rows), "whole_lists": whole, "search": query}
    if count >= background.BACKGROUND_FROM:
        _, errors = assigning.requests_for(app, rows, [], query)  # check the rows first
        if errors:
            return refused(request, app, cls, connection, errors)
        detail = {"count": count, **picked, "background": True}
        audit.record(request, audit.USERS_ASSIGNED, app, detail=detail)
        action = background.start(
            app.organization_id,
            "assign_users",
            f"Assigning {app.name}",
            {
                "app_id": str(app.pk),
                "rows": {str(k): v for k, v in rows.items()},
                "whole_lists": whole,
                "query": query,
            },
            by=request.user,
            back_url=reverse("app_users", kwargs={"app_id": app.pk}),
        )
        return redirect("background_action", action_id=action.pk)
    requests, errors = assigning.requests_for(app, rows, whole, query)
    if errors:
        return refused(request, app, cls, connection, errors)
    queued = assigning.assign_users(app, requests, request.user)
    detail = {"count": len(requests), **picked, "queued": queued}
    audit.record(request, audit.USERS_ASSIGNED, app, detail=detail)
    messages.success(request, f"Provisioning {queued} account{pluralize(queued)} in {app.name}.")
    return redirect("app_users", app_id=app.pk)


def refused(request, app, cls, connection, errors):
    messages.error(request, "Some rows need a fix before Done.")
    return mapping_step(request, app, cls, connection, errors=errors, status=400)


@admin_required
def reading_progress(request, app_id):
    """The progress of a background reading; reloads the page once it is done."""
    app = get_object_or_404(TenantApp.objects.select_related("catalog_app"), pk=app_id)
    run = AccountRead.objects.filter(app=app).first()
    if run is None:
        raise Http404
    response = render(request, "provisioning/_reading.html", {"app": app, "run": run})
    if run.state == AccountRead.State.DONE:
        response["HX-Refresh"] = "true"
    return response
