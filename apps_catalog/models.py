import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django_scopes import ScopedManager

from accounts.usernames import CONVENTIONS


class CatalogApp(models.Model):
    """A global catalog entry. `connector_key` names its connector; blank means no
    auto-provisioning support (the Auto-Provisioning column stays blank for it)."""

    key = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300)
    initials = models.CharField(max_length=3)
    color = models.CharField(max_length=7, default="#4f46e5")
    sign_in_url = models.URLField(blank=True)
    connector_key = models.CharField(max_length=40, blank=True)
    legacy = models.BooleanField(default=False, help_text="An older API the vendor has retired.")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def supports_provisioning(self):
        return bool(self.connector_key)


class TenantApp(models.Model):
    """A catalog app one organization added, under a name of its own."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="apps"
    )
    catalog_app = models.ForeignKey(CatalogApp, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100)
    sign_in_url = models.URLField(blank=True, help_text="Where people sign in to this app.")
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    groups = models.ManyToManyField("groups.Group", through="GroupApp", related_name="apps")
    group_auto_provisioning = models.BooleanField(
        "Group Auto Provisioning",
        default=False,
        help_text="People added to this app's groups get an account (in per-app mode).",
    )
    username_convention = models.CharField(
        max_length=20,
        blank=True,
        choices=[("", "The organization's default"), *CONVENTIONS.items()],
    )
    username_template = models.CharField(max_length=60, blank=True)

    class Leaving(models.TextChoices):
        DEFAULT = "", "The default for this app"
        SUSPEND = "suspend", "Suspend (deactivate) the account"
        DELETE = "delete", "Delete the account"
        LEAVE = "leave", "Leave the account alone"

    # Removed from the console: kept, with its accounts, jobs and events, but listed nowhere
    # new work starts (its name gets a "(removed …)" suffix so the name is free again).
    archived_at = models.DateTimeField(null=True, blank=True)
    deprovisioning = models.CharField(
        "When someone leaves",
        max_length=10,
        blank=True,
        choices=Leaving.choices,
        help_text="What happens to an account when its person no longer has the app.",
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "organization",
                Lower("name"),
                name="unique_app_name_per_org",
                violation_error_message="You already have an app with this name.",
            )
        ]

    def __str__(self):
        return self.name

    def archive(self):
        self.archived_at = timezone.now()
        suffix = f" (removed {self.archived_at:%Y-%m-%d %H:%M})"
        self.name = self.name[: 100 - len(suffix)] + suffix
        self.save(update_fields=["archived_at", "name"])


class GroupApp(models.Model):
    """An app a group's members get (group auto-provisioning)."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE)
    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="group_apps")
    app = models.ForeignKey(TenantApp, on_delete=models.CASCADE, related_name="group_apps")
    added_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "app"], name="unique_group_app")]

    def __str__(self):
        return f"{self.app_id} for {self.group_id}"


class SupportRequest(models.Model):
    """ "Request Auto-Provisioning": an admin asks us to support an app (Contact Us)."""

    class State(models.TextChoices):
        RECEIVED = "received", "Received"
        CONTACTING = "contacting", "Contacting the vendor"
        AVAILABLE = "available", "Available"
        DECLINED = "declined", "Not possible"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    app_name = models.CharField("App name", max_length=100)
    app_url = models.URLField("The app's URL", max_length=300)
    note = models.TextField(blank=True, max_length=2000)
    state = models.CharField(max_length=20, choices=State.choices, default=State.RECEIVED)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.app_name
