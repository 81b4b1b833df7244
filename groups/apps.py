from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "groups"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from accounts.signals import person_created

        from .services import join_chosen_groups

        person_created.connect(join_chosen_groups, dispatch_uid="join-chosen-groups")
