"""The one place provisioning hears about changes in lower apps (signals), and answers each
with a plan. These changes only add (a group joined: create and reactivate; a person's
details edited: update), so their plans run without asking."""

from groups.models import AssignmentSettings

from .group_provisioning import group_apps
from .plans import reconcile
from .runs import run

ADDING = {"create", "reactivate"}


def on_members_added(sender, group, people, by=None, **kwargs):
    settings = AssignmentSettings.for_organization(group.organization_id)
    app_ids = [app.pk for app in group_apps(group, settings)]
    if not app_ids:
        return
    plan = reconcile(
        [person.pk for person in people],
        group.organization_id,
        title=f"Adding people to {group.name}",
        app_ids=app_ids,
        restore=True,
    )
    steps = [step for step in plan.steps if step.action in ADDING]
    run(steps, group.organization_id, trigger=f"group {group.name}", by=by)


def on_person_changed(sender, person, by=None, **kwargs):
    """A new name or email reaches the apps that can take it."""
    plan = reconcile([person.pk], person.organization_id, title=f"Editing {person.full_name}")
    steps = [step for step in plan.steps if step.action == "update"]
    run(steps, person.organization_id, trigger="person edited", by=by)
