from django.apps import AppConfig


class ProvisioningConfig(AppConfig):
    name = "provisioning"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The one place provisioning hears about changes in lower apps.
        from accounts.signals import person_changed
        from groups.signals import members_added

        from .listeners import on_members_added, on_person_changed

        members_added.connect(on_members_added, dispatch_uid="provision-new-group-members")
        person_changed.connect(on_person_changed, dispatch_uid="update-changed-person")
