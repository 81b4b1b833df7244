import uuid

from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager


class Email(models.Model):
    """One message the console sends, through the worker. Failed sends stay visible to the
    organization's admins, who can retry them. The body is kept only until it is sent."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization_id = models.UUIDField(null=True, blank=True)  # a leaf app: no foreign key
    to = models.TextField()
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The row says when it is due: the sweep sends what a lost message or a dead worker left.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)  # a sending worker's claim

    objects = ScopedManager(organization="organization_id")

    class Meta:
        ordering = ["-created_at"]
        # Settings lists an organization's failed emails, the latest first.
        indexes = [
            models.Index(
                fields=["organization_id", "state", "-created_at"], name="email_org_state_created"
            ),
            models.Index(fields=["state", "next_attempt_at"], name="email_due"),
        ]

    def __str__(self):
        return f"{self.subject} → {self.to} ({self.state})"


class OutboxEmail(models.Model):
    """Mail "sent" in the embedded default, shown on the outbox page instead of delivered.

    It holds links that sign people in (password resets, activations), so the page shows it
    only to the admins of the organization it was sent for; mail sent for no organization is
    shown to nobody."""

    organization_id = models.UUIDField(null=True, blank=True)  # a leaf app: no foreign key
    to = models.TextField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    sent_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization_id")

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["organization_id", "-sent_at", "-id"], name="outbox_org_sent")
        ]

    def __str__(self):
        return f"{self.subject} → {self.to}"
