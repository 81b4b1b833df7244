from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def admin_required(view):
    """Signed in, and an admin of an organization; members get a 403 page."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_org_admin:
            raise PermissionDenied("This page is for your organization's admins.")
        return view(request, *args, **kwargs)

    return wrapped
