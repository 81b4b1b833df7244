"""Method 2: people who join a group get a seat in each of its apps where group
auto-provisioning applies. An account the console tracks is left alone; an account with the
same email at the vendor is linked (the job looks it up before creating); otherwise one is
created with the username convention's username."""

from django.contrib.auth import get_user_model

from accounts.usernames import base_username, unique_username
from groups.models import AssignmentSettings

from .models import AppAccount
from .services import AccountRequest, queue_jobs


def applies(app, settings):
    """Whether group auto-provisioning creates seats in this app."""
    if not app.catalog_app.supports_provisioning:
        return False
    mode = settings.group_auto_provisioning
    return mode == AssignmentSettings.Mode.ALL or (
        mode == AssignmentSettings.Mode.PER_APP and app.group_auto_provisioning
    )


def convention(app, settings):
    if app.username_convention:
        return app.username_convention, app.username_template
    return settings.username_convention, settings.username_template


def provision(app, people, settings, *, trigger, by=None):
    """Queues seats in one app for the people it does not track yet. A few queries per app,
    whatever the number of people."""
    accounts = AppAccount.objects.filter(app=app).values_list("user_id", "username", "status")
    # A deprovisioned seat is queued again (queue_jobs reuses its row).
    tracked = {user_id for user_id, _, status in accounts if user_id and status != "deprovisioned"}
    taken = {username.lower() for _, username, _ in accounts if username}
    name_convention, template = convention(app, settings)
    requests = []
    for person in sorted(people, key=lambda p: (p.date_joined, str(p.pk))):
        if person.pk in tracked:
            continue
        username = unique_username(base_username(person, name_convention, template), taken)
        taken.add(username.lower())
        requests.append(
            AccountRequest(
                user=person,
                username=username,
                email=person.email,
                first_name=person.first_name,
                last_name=person.last_name,
                set_password=True,
                lookup_first=True,
            )
        )
    return queue_jobs(app, requests, trigger=trigger, requested_by=by) if requests else []


def group_apps(group, settings):
    return [app for app in group.apps.select_related("catalog_app") if applies(app, settings)]


def members_to_provision(app, groups):
    """The people of these groups the app does not track yet: what the offer counts."""
    tracked = AppAccount.objects.filter(app=app, user__isnull=False).values("user_id")
    members = get_user_model().objects.filter(is_active=True, memberships__group__in=groups)
    return list(members.exclude(pk__in=tracked).distinct())
