from django.core.mail.backends.base import BaseEmailBackend


class OutboxBackend(BaseEmailBackend):
    """Keeps messages in the database so the outbox page can show them (embedded default).
    Opened as a connection (`with mailers.default as connection:`), it writes what was sent
    through it in one insert when it closes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.held = None

    def open(self):
        if self.held is None:
            self.held = []
            return True
        return False

    def close(self):
        held, self.held = self.held, None
        if held:
            self.save(held)

    def send_messages(self, email_messages):
        if self.held is None:
            self.save(email_messages)
        else:
            self.held.extend(email_messages)
        return len(email_messages)

    def save(self, email_messages):
        from .models import OutboxEmail

        OutboxEmail.objects.bulk_create(
            OutboxEmail(
                to=", ".join(message.to),
                subject=message.subject,
                body=message.body,
                html_body=next(
                    (
                        body
                        for body, mime in getattr(message, "alternatives", [])
                        if mime == "text/html"
                    ),
                    "",
                ),
            )
            for message in email_messages
        )
