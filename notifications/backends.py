from django.core.mail.backends.base import BaseEmailBackend


class OutboxBackend(BaseEmailBackend):
    """Keeps messages in the database so the outbox page can show them (embedded default)."""

    def send_messages(self, email_messages):
        from .models import OutboxEmail

        for message in email_messages:
            html = next(
                (
                    body
                    for body, mime in getattr(message, "alternatives", [])
                    if mime == "text/html"
                ),
                "",
            )
            OutboxEmail.objects.create(
                to=", ".join(message.to),
                subject=message.subject,
                body=message.body,
                html_body=html,
            )
        return len(email_messages)
