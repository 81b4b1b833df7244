"""Email composition and sending. A leaf: imports no other app of ours."""

from django.template import loader

from .tasks import send_email


def queue_email(to, subject_template, text_template, html_template, context):
    """Renders a message and hands it to the worker, which retries if the server is down."""
    subject = "".join(loader.render_to_string(subject_template, context).splitlines())
    body = loader.render_to_string(text_template, context)
    html_body = loader.render_to_string(html_template, context) if html_template else ""
    send_email.delay(list(to), subject, body, html_body)
