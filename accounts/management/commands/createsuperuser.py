from django.contrib.auth.management.commands import createsuperuser
from django_scopes import scopes_disabled


class Command(createsuperuser.Command):
    """Django's command, run outside tenant scopes: staff belong to no organization."""

    def handle(self, *args, **options):
        with scopes_disabled():
            return super().handle(*args, **options)
