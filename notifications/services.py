"""Email composition and sending. A leaf: imports no other app of ours."""

from django.db import transaction
from django.template import loader
from django_scopes import scopes_disabled

from .models import Email
from .tasks import send_email


def queue_email(to, subject_template, text_template, html_template, context, organization_id=None):
    """Renders a message, records it, and hands it to the worker once the transaction
    commits; the worker retries while the mail server is unreachable."""
    subject = "".join(loader.render_to_string(subject_template, context).splitlines())
    body = loader.render_to_string(text_template, context)
    html_body = loader.render_to_string(html_template, context) if html_template else ""
    with scopes_disabled():
        email = Email.objects.create(
            organization_id=organization_id,
            to=", ".join(to),
            subject=subject,
            body=body,
            html_body=html_body,
        )
    transaction.on_commit(lambda: send_email.delay(str(email.pk)))
    return email


def retry_email(email):
    """An admin's Retry on a failed message."""
    Email.objects.filter(pk=email.pk, state=Email.State.FAILED).update(
        state=Email.State.QUEUED, attempts=0, last_error=""
    )
    transaction.on_commit(lambda: send_email.delay(str(email.pk)))
