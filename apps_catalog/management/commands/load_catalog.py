from django.core.management.base import BaseCommand

from apps_catalog.catalog import CATALOG, load_catalog


class Command(BaseCommand):
    help = "Loads the app catalog (idempotent: adds new entries, updates changed ones)."

    def handle(self, *args, **options):
        created = load_catalog()
        self.stdout.write(f"Catalog: {len(CATALOG)} apps, {created} new.")
