"""Assign Users' "Done" at any size: the rows the admin selected (with their edits), plus
everyone matching the search in the lists they selected whole ("select all N matching"),
become direct assignments and jobs, in batches. Beyond a few hundred people it runs in the
background (background.py, kind "assign_users") with progress."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.template.defaultfilters import pluralize

from apps_catalog.models import TenantApp

from . import background, matching
from .changes import assign
from .connectors.registry import connector_class
from .models import Job
from .services import AccountRequest, queue_jobs

ROW_FIELDS = ("action", "first", "last", "username", "email")


def row_request(person, row, set_password):
    """The admin's row for one person ({"action", "first", ...}, missing fields default to
    the person's), or a message saying what to fix."""
    action = row.get("action") or "create"
    if action == "link":
        return AccountRequest(user=person, action=Job.Action.LINK)
    if action != "create":
        return "Choose Create a New User Account or Link Existing Account."
    email = (row.get("email") or "").strip() or person.email
    username = (row.get("username") or "").strip()
    first = (row.get("first") or "").strip() or person.first_name
    last = (row.get("last") or "").strip() or person.last_name
    try:
        validate_email(email)
    except ValidationError:
        return f"“{email}” is not a valid email address."
    if len(username) > 255 or len(first) > 150 or len(last) > 150:
        return "Names are limited to 150 characters and usernames to 255."
    return AccountRequest(
        user=person,
        action=Job.Action.CREATE,
        email=email,
        username=username,  # empty: the convention's, decided with the others
        first_name=first,
        last_name=last,
        set_password=set_password,
    )


def requests_for(app, rows, whole_lists, query):
    """AccountRequests for the selected rows ({person id: row}) and the lists taken whole.
    Returns (requests, {person id: message} for rows to fix)."""
    set_password = connector_class(app.catalog_app.connector_key).capabilities.set_password
    untracked = matching.untracked_people(app)
    people = untracked.in_bulk([person_id for person_id in rows])
    requests, errors = [], {}
    for person_id, row in rows.items():
        person = people.get(person_id)
        if person is None:
            continue  # has an account by now, or is not one of ours
        made = row_request(person, row, set_password)
        if isinstance(made, str):
            errors[str(person_id)] = made
        else:
            requests.append(made)
    chosen = {request.user.pk for request in requests} | set(errors)
    if "matched" in whole_lists:
        for person in matching.matched_people(app, query).exclude(pk__in=chosen):
            requests.append(AccountRequest(user=person, action=Job.Action.LINK))
    if "new" in whole_lists:
        new_people = list(matching.people_without_account(app, query).exclude(pk__in=chosen))
        requests += [
            AccountRequest(user=p, email=p.email, set_password=set_password) for p in new_people
        ]
    name_creates(app, requests)
    return requests, errors


def name_creates(app, requests):
    """Creates without a username get the convention's, unique in the app and among these."""
    unnamed = [r for r in requests if r.action == Job.Action.CREATE and not r.username]
    if not unnamed:
        return
    given = {r.username.lower() for r in requests if r.username}
    names = matching.usernames_for(app, [r.user for r in unnamed], also_taken=given)
    for request in unnamed:
        request.username = names[request.user.pk]


def count_for(app, rows, whole_lists, query):
    """How many people Done would take: decides whether it runs in the background."""
    count = len(rows)
    if "matched" in whole_lists:
        count += matching.matched_people(app, query).count()
    if "new" in whole_lists:
        count += matching.people_without_account(app, query).count()
    return count


def assign_users(app, requests, by, report=None):
    """Direct assignments and jobs, a batch at a time (each its own transaction)."""
    queued = 0
    for start_at, batch in background.in_batches(requests):
        with transaction.atomic():
            assign(app, [request.user for request in batch], by)
            queued += len(queue_jobs(app, batch, trigger="assign users", requested_by=by))
        if report:
            report(start_at + len(batch), len(requests))
    return queued


@background.kind("assign_users")
def assign_users_in_background(action, report):
    """params: app_id, rows ({person id: row}), whole_lists, query."""
    params = action.params
    app = TenantApp.objects.select_related("catalog_app").get(pk=params["app_id"])
    rows = {_person_key(k): v for k, v in params.get("rows", {}).items()}
    requests, _ = requests_for(app, rows, params.get("whole_lists", []), params.get("query", ""))
    queued = assign_users(app, requests, action.requested_by, report)
    return f"Provisioning {queued} account{pluralize(queued)} in {app.name}."


def _person_key(value):
    return get_user_model()._meta.pk.to_python(value)
