from django.apps import AppConfig


class ProvisioningConfig(AppConfig):
    name = "provisioning"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The one place provisioning hears about changes in lower apps.
        from groups.signals import members_added

        from .group_provisioning import on_members_added

        members_added.connect(on_members_added, dispatch_uid="provision-new-group-members")
