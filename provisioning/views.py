import uuid

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.permissions import admin_required
from accounts.usernames import base_username, unique_username
from apps_catalog.models import TenantApp
from groups.models import AssignmentSettings

from . import app_only, group_provisioning, services
from .changes import assign
from .connectors.errors import ConnectorError
from .connectors.registry import connector_class
from .forms import CredentialsForm
from .mapping import current_read, map_accounts
from .models import AccountRead, AppAccount, Connection, Job
from .status import IN_FLIGHT, Status

APP_ONLY_SHOWN = 200  # the rest are on the Users tab


@admin_required
def assign_users(request, app_id):
    """Method 1: credentials first ("Confirm"), then the mapping, then "Done"."""
    app = get_object_or_404(TenantApp.objects.select_related("catalog_app"), pk=app_id)
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
        return done(request, app, cls)
    return mapping_step(request, app, cls, connection)


def credentials_step(request, app, cls, connection):
    saved = connection.credentials if connection else {}
    form = CredentialsForm(
        request.POST if request.method == "POST" else None, connector_class=cls, saved=saved
    )
    if request.method == "POST" and form.is_valid():
        ok, message = services.connect(app, form.credentials)
        if ok:
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


LOOKUP_WORDS = {
    True: "Its filter, checked on every answer",
    None: "Its filter, once proven on a first account",
    False: "Read and matched by the console (its filter cannot be trusted)",
}


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
    run = None
    if errors is None:  # a fresh visit reads the app's accounts again (a POST's errors don't)
        try:
            run = current_read(app, connection, refresh="refresh" in request.GET)
        except ConnectorError as error:
            messages.error(request, f"Could not read {app.name}'s accounts: {error.message}")
            return redirect(f"{request.path}?step=credentials")
        if run.state != AccountRead.State.DONE:
            return render(
                request, "provisioning/reading.html", {"app": app, "run": run, "tab": "assign"}
            )
    mapping = map_accounts(app)
    suggest_usernames(app, mapping)
    for account in mapping.app_only[:APP_ONLY_SHOWN]:
        account.suggested = app_only.suggested_person(account)
    context = {
        "app": app,
        "mapping": mapping,
        "run": run,
        "capabilities": services.connector_for(app, connection).capabilities,
        "tab": "assign",
        "errors": errors or {},
    }
    return render(request, "provisioning/assign_users.html", context, status=status)


def suggest_usernames(app, mapping):
    """Pre-fills each new account's username from the convention (the app's or the
    organization's), with the same collision suffixes group provisioning would use."""
    assignment = AssignmentSettings.for_organization(app.organization_id)
    convention, template = group_provisioning.convention(app, assignment)
    taken = {a.username.lower() for a in mapping.provisioned + mapping.app_only if a.username}
    for person in mapping.without_account:
        person.suggested_username = unique_username(
            base_username(person, convention, template), taken
        )
        taken.add(person.suggested_username.lower())


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


def done(request, app, cls):
    """ "Done": queue a job for every selected person, in one transaction."""
    selected = request.POST.getlist("selected")
    people = {str(p.pk): p for p in get_user_model().objects.filter(pk__in=valid_ids(selected))}
    requests, errors = [], {}
    for person_id in selected:
        person = people.get(person_id)
        if person is None:
            continue
        row = account_request(request.POST, person, cls)
        if isinstance(row, str):
            errors[person_id] = row
        else:
            requests.append(row)
    if errors:
        messages.error(request, "Some rows need a fix before Done.")
        return mapping_step(request, app, cls, None, errors=errors, status=400)
    if not requests:
        messages.error(request, "Select at least one person.")
        return redirect("assign_users", app_id=app.pk)
    with transaction.atomic():  # assigned directly: kept whatever the groups say later
        assign(app, [row.user for row in requests], request.user)
        jobs = services.queue_jobs(app, requests, trigger="assign users", requested_by=request.user)
    messages.success(request, f"Provisioning {len(jobs)} account(s) in {app.name}.")
    return redirect("app_users", app_id=app.pk)


def valid_ids(values):
    ids = []
    for value in values:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            continue
    return ids


def account_request(post, person, cls):
    """The admin's row for one person, or a message saying what to fix."""
    key = str(person.pk)
    action = post.get(f"action-{key}", "create")
    if action == "link":
        return services.AccountRequest(user=person, action=Job.Action.LINK)
    if action != "create":
        return "Choose Create a New User Account or Link Existing Account."
    email = post.get(f"email-{key}", "").strip() or person.email
    username = post.get(f"username-{key}", "").strip() or email
    first = post.get(f"first-{key}", "").strip() or person.first_name
    last = post.get(f"last-{key}", "").strip() or person.last_name
    try:
        validate_email(email)
    except ValidationError:
        return f"“{email}” is not a valid email address."
    if len(username) > 255 or len(first) > 150 or len(last) > 150:
        return "Names are limited to 150 characters and usernames to 255."
    return services.AccountRequest(
        user=person,
        action=Job.Action.CREATE,
        email=email,
        username=username,
        first_name=first,
        last_name=last,
        set_password=cls.capabilities.set_password,
    )


@admin_required
def app_users(request, app_id):
    """The app's Users tab: its accounts, refreshing while jobs run."""
    app = get_object_or_404(TenantApp.objects.select_related("catalog_app"), pk=app_id)
    accounts = list(
        AppAccount.objects.filter(app=app).select_related("user").order_by("-updated_at")
    )
    owned = [a for a in accounts if a.user_id]
    context = {
        "app": app,
        "tab": "users",
        "accounts": owned,
        "app_only": [a for a in accounts if not a.user_id],
        "in_flight": any(a.status in IN_FLIGHT for a in owned),
    }
    if request.htmx and request.htmx.target == "app-accounts":
        return render(request, "provisioning/_accounts.html", context)
    return render(request, "provisioning/users.html", context)


@admin_required
@require_POST
def retry_account(request, app_id, account_id):
    account = get_object_or_404(
        AppAccount.objects.select_related("app", "user"), pk=account_id, app_id=app_id
    )
    if account.status != Status.FAILED or account.user is None:
        messages.error(request, "Only failed accounts of people in the console can be retried.")
    else:
        services.retry_account(account, by=request.user)
        messages.success(request, f"Retrying {account.email}.")
    back = request.POST.get("next", "")  # the person's page
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("app_users", app_id=app_id)


@admin_required
def offer_group_members(request, app_id):
    """After an app joins a group or its toggle turns on: offer to provision the groups'
    current members, saying how many, instead of doing it silently."""
    app = get_object_or_404(TenantApp.objects.select_related("catalog_app"), pk=app_id)
    assignment = AssignmentSettings.for_organization(app.organization_id)
    groups = app.groups.order_by("name")
    if request.GET.get("group"):
        groups = groups.filter(pk__in=valid_ids([request.GET["group"]]))
    back = redirect("app_users", app_id=app.pk)
    if not group_provisioning.applies(app, assignment):
        messages.info(
            request,
            f"Group Auto Provisioning is off for {app.name}: new group "
            "members get no account there.",
        )
        return back
    people = group_provisioning.members_to_provision(app, groups)
    if not people:
        return back
    if request.method == "POST":
        jobs = group_provisioning.provision(
            app, people, assignment, trigger="group members", by=request.user
        )
        messages.success(request, f"Provisioning {len(jobs)} account(s) in {app.name}.")
        return back
    context = {"app": app, "groups": groups, "people": people, "tab": "users"}
    return render(request, "provisioning/offer_group_members.html", context)
