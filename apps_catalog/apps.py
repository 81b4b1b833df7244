from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AppsCatalogConfig(AppConfig):
    name = "apps_catalog"
    verbose_name = "Apps catalog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        post_migrate.connect(_load_catalog_after_migrate, sender=self)


def _load_catalog_after_migrate(sender, using="default", **kwargs):
    from .catalog import load_catalog

    load_catalog(using=using)
