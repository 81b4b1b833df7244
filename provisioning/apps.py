from django.apps import AppConfig
from django.urls import reverse


class ProvisioningConfig(AppConfig):
    name = "provisioning"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        """The one place provisioning hears about changes in lower apps (signals) and
        answers what they ask of it (hooks): the lower apps never import provisioning."""
        import apps_catalog.hooks
        import groups.hooks
        from accounts.signals import person_changed
        from groups.signals import members_added

        from . import background, connection_status, importing
        from .listeners import on_members_added, on_person_changed
        from .plans import leaving_choices

        members_added.connect(on_members_added, dispatch_uid="provision-new-group-members")
        person_changed.connect(on_person_changed, dispatch_uid="update-changed-person")

        apps_catalog.hooks.leaving_choices = leaving_choices
        apps_catalog.hooks.after_access_change = lambda app: reverse(
            "plan_reconcile_app", kwargs={"app_id": app.pk}
        )
        apps_catalog.hooks.remove_app_url = lambda app: reverse(
            "plan_remove_app", kwargs={"app_id": app.pk}
        )
        apps_catalog.hooks.describe_apps = connection_status.describe_apps
        apps_catalog.hooks.connection_overview = connection_status.overview
        groups.hooks.after_mode_change = lambda: reverse("plan_reconcile_groups")
        groups.hooks.after_convention_change = lambda: reverse("plan_apply_convention")
        groups.hooks.after_mode_grants_more = lambda: reverse("provision_mode_members")
        groups.hooks.start_adding_members = start_adding_members
        groups.hooks.background_from = background.BACKGROUND_FROM
        groups.hooks.start_import = importing.start_import


def start_adding_members(group, params, by):
    """A big group add goes to the worker; the admin lands on its progress page."""
    from .background import start

    action = start(
        group.organization_id,
        "add_members",
        f"Adding people to {group.name}",
        {"group_id": str(group.pk), **params},
        by=by,
        back_url=reverse("group_detail", kwargs={"group_id": group.pk}),
    )
    return reverse("background_action", kwargs={"action_id": action.pk})
