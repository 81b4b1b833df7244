from django.core.management.base import BaseCommand
from django_scopes import scopes_disabled

from provisioning.models import AppAccount, Connection


class Command(BaseCommand):
    help = (
        "Re-encrypts stored credentials and temporary passwords with the first key of "
        "CREDENTIAL_KEYS. Run it after putting a new key first; then drop the old key."
    )

    def handle(self, *args, **options):
        count = 0
        with scopes_disabled():
            for connection in Connection.objects.exclude(credentials="").iterator():
                connection.save(update_fields=["credentials"])  # saving encrypts anew
                count += 1
            for account in AppAccount.objects.exclude(secrets="").iterator():
                account.save(update_fields=["secrets"])
                count += 1
        self.stdout.write(f"Re-encrypted {count} secrets with the newest key.")
