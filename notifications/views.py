from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from .models import OutboxEmail


def _require_outbox():
    # The outbox shows every message, links included: only in a local demo (DEBUG + outbox).
    if not (settings.DEBUG and settings.MAILERS["default"]["BACKEND"] == settings.OUTBOX_BACKEND):
        raise Http404


def outbox(request):
    _require_outbox()
    return render(request, "notifications/outbox.html", {"emails": OutboxEmail.objects.all()[:100]})


def outbox_email(request, email_id):
    _require_outbox()
    email = get_object_or_404(OutboxEmail, pk=email_id)
    return render(request, "notifications/outbox_email.html", {"email": email})
