from django.apps import AppConfig


class DjangoScim2AppConfig(AppConfig):
    name = "tests.scim_servers.django_scim2_app"
    label = "django_scim2_app"
    default_auto_field = "django.db.models.BigAutoField"
