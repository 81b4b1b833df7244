from django.db import models
from django.utils import timezone


class OutboxEmail(models.Model):
    """Mail "sent" in the embedded default, shown on the outbox page instead of delivered."""

    to = models.TextField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-id"]

    def __str__(self):
        return f"{self.subject} → {self.to}"
