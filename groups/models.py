import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django_scopes import ScopedManager

from accounts.usernames import CONVENTIONS


class Group(models.Model):
    """A set of people; its apps (apps_catalog.GroupApp) are provisioned to its members."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="groups"
    )
    name = models.CharField(max_length=100)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Membership",
        through_fields=("group", "user"),
        related_name="groups",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "organization",
                Lower("name"),
                name="unique_group_name_per_org",
                violation_error_message="A group with this name already exists.",
            )
        ]

    def __str__(self):
        return self.name


class Membership(models.Model):
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE)
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="unique_group_member")
        ]

    def __str__(self):
        return f"{self.user_id} in {self.group_id}"


class AssignmentSettings(models.Model):
    """Settings > Assignment Settings: group auto-provisioning and the username convention."""

    class Mode(models.TextChoices):
        ALL = "all", "Automatically provision all apps"
        PER_APP = "per_app", "Set on a per app basis. By default, apps will not auto provision."
        OFF = "off", "Off: adding people to groups never provisions accounts"

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="assignment_settings"
    )
    group_auto_provisioning = models.CharField(
        "Group Auto-Provisioning", max_length=10, choices=Mode.choices, default=Mode.PER_APP
    )
    username_convention = models.CharField(
        "Default username configuration",
        max_length=20,
        choices=list(CONVENTIONS.items()),
        default="email",
    )
    username_template = models.CharField(
        max_length=60, blank=True, help_text="For a template of your own, e.g. {first}.{last}"
    )
    # An action that would suspend or delete more than this waits for an admin's approval.
    approval_threshold = models.PositiveIntegerField(
        "Approval needed above (accounts)",
        default=25,
        help_text="Suspending or deleting more accounts than this in one action waits on "
        "Pending Approvals.",
    )
    approval_threshold_percent = models.PositiveSmallIntegerField(
        "…or above (% of one app's accounts)",
        default=20,
        help_text="Counted once an action touches at least 10 accounts of the app.",
    )

    objects = ScopedManager(organization="organization")

    def __str__(self):
        return f"{self.organization_id}: {self.group_auto_provisioning}"

    @classmethod
    def for_organization(cls, organization_id):
        settings, _ = cls.objects.get_or_create(organization_id=organization_id)
        return settings


class PeopleImport(models.Model):
    """A CSV file of people uploaded for import (groups/importing.py): kept here, by id,
    between its preview and Import, so neither the session nor the browser carries it. Its
    text is emptied once it is imported; uploads never imported are deleted after a day."""

    class State(models.TextChoices):
        PREVIEWED = "previewed", "Previewed"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Imported"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE)
    file_name = models.CharField(max_length=255, blank=True)
    text = models.TextField(blank=True)  # the file, decoded (at most importing.MAX_BYTES)
    lines = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PREVIEWED)
    imported_lines = models.PositiveIntegerField(default=0)  # lines done (a restart skips them)
    counts = models.JSONField(default=dict, blank=True)  # {"new": n, "updated": n, ...} so far
    result = models.TextField(blank=True)  # what the import did, in words
    progress_url = models.CharField(max_length=300, blank=True)  # its background action's page
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.file_name or str(self.pk)
