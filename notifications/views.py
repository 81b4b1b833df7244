from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from .models import OutboxEmail

OUTBOX_PAGE_SIZE = 100


def local_demo_only(view):
    """The outbox exists only in a local demo (DEBUG, mail kept in the outbox): a 404 to
    everyone otherwise, signed in or not."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not (
            settings.DEBUG and settings.MAILERS["default"]["BACKEND"] == settings.OUTBOX_BACKEND
        ):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def organization_mail(request):
    """The mail sent for the signed-in admin's organization. Its links sign people in
    (password resets, activations): members get a 403, another organization's mail is not
    found, and mail sent for no organization is shown to nobody. (A leaf app: it does not
    import accounts' admin_required; the user's is_org_admin says the same.)"""
    if not getattr(request.user, "is_org_admin", False):
        raise PermissionDenied("The outbox is for your organization's admins.")
    # The tenant scope narrows OutboxEmail to the organization already; the filter says so.
    return OutboxEmail.objects.filter(organization_id=request.user.organization_id)


@local_demo_only
@login_required
def outbox(request):
    emails = organization_mail(request)[:OUTBOX_PAGE_SIZE]
    return render(request, "notifications/outbox.html", {"emails": emails})


@local_demo_only
@login_required
def outbox_email(request, email_id):
    email = get_object_or_404(organization_mail(request), pk=email_id)
    return render(request, "notifications/outbox_email.html", {"email": email})
