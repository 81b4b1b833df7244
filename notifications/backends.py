from django.core.mail.backends.base import BaseEmailBackend
from django_scopes import scopes_disabled

# The organization a message was sent for (sending.as_message sets it): a plain attribute of
# the message, not a header, so that it never leaves the process with real mail.
ORGANIZATION_ATTRIBUTE = "bitium_organization_id"


class OutboxBackend(BaseEmailBackend):
    """Keeps messages in the database so the outbox page can show them (embedded default),
    each with the organization it was sent for: only that organization's admins see it.
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

        with scopes_disabled():  # the worker writes for every organization
            OutboxEmail.objects.bulk_create(
                OutboxEmail(
                    organization_id=getattr(message, ORGANIZATION_ATTRIBUTE, None),
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
