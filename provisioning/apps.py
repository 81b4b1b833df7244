from django.apps import AppConfig


class ProvisioningConfig(AppConfig):
    name = "provisioning"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The one place provisioning hears about changes in lower apps.
        from django.urls import reverse

        import apps_catalog.hooks
        import groups.hooks
        from accounts.signals import person_changed

        from .plans import leaving_choices

        apps_catalog.hooks.leaving_choices = leaving_choices
        apps_catalog.hooks.after_access_change = lambda app: reverse(
            "plan_reconcile_app", kwargs={"app_id": app.pk}
        )
        apps_catalog.hooks.remove_app_url = lambda app: reverse(
            "plan_remove_app", kwargs={"app_id": app.pk}
        )
        groups.hooks.after_mode_change = lambda: reverse("plan_reconcile_groups")
        from groups.signals import members_added

        from .listeners import on_members_added, on_person_changed

        members_added.connect(on_members_added, dispatch_uid="provision-new-group-members")
        person_changed.connect(on_person_changed, dispatch_uid="update-changed-person")
