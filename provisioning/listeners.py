"""The one place provisioning hears about changes in lower apps (signals), and answers each
with a plan. These changes only add (a group joined: create and reactivate; a person's
details edited: update), so their plans run without asking."""

from collections import Counter

from groups.models import AssignmentSettings

from .group_provisioning import group_apps
from .models import Connection
from .plans import join, reconcile
from .runs import run

ADDING = {"create", "reactivate"}


def on_members_added(sender, group, people, by=None, **kwargs):
    """Queues the new members' seats; returns what it queued, in words, for the admin."""
    settings = AssignmentSettings.for_organization(group.organization_id)
    apps = {str(app.pk): app for app in group_apps(group, settings)}
    if not apps:
        return ""
    plan = reconcile(
        [person.pk for person in people],
        group.organization_id,
        title=f"Adding people to {group.name}",
        app_ids=list(apps),
        restore=True,
    )
    steps = [step for step in plan.steps if step.action in ADDING]
    run(steps, group.organization_id, trigger=f"group {group.name}", by=by)
    return queued_words(Counter(str(step.app_id) for step in steps), apps, len(people))


def queued_words(seats, apps, people):
    """ "seats queued in Salesforce and Slack; Slack is waiting for working credentials"."""
    if not seats:
        return "no new seats (they have them already)"
    names = sorted(apps[app_id].name for app_id in seats)
    if people > 1:
        counted = {apps[app_id].name: n for app_id, n in seats.items()}
        names = [f"{name} ({counted[name]:,})" for name in names]
    words = f"{'seats' if len(seats) > 1 or people > 1 else 'a seat'} queued in {join(names)}"
    working = Connection.objects.filter(app_id__in=list(seats), state=Connection.State.CONNECTED)
    working = {str(app_id) for app_id in working.values_list("app_id", flat=True)}
    waiting = sorted(apps[app_id].name for app_id in seats if app_id not in working)
    if waiting:
        verb = "is" if len(waiting) == 1 else "are"
        words += f"; {join(waiting)} {verb} waiting for working credentials"
    return words


def on_person_changed(sender, person, by=None, **kwargs):
    """A new name or email reaches the apps that can take it."""
    plan = reconcile([person.pk], person.organization_id, title=f"Editing {person.full_name}")
    steps = [step for step in plan.steps if step.action == "update"]
    run(steps, person.organization_id, trigger="person edited", by=by)
