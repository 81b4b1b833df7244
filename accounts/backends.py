from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django_scopes import scopes_disabled

from . import throttle
from .models import User


class EmailBackend(ModelBackend):
    """Sign-in by email (case-insensitive). Runs before any tenant scope exists.

    Throttled for every sign-in form (the console's and Django's admin site): failures are
    counted per account and per client address, and while either is locked every attempt
    fails without a password check (accounts/throttle.py)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        address = throttle.client_address(request) if request is not None else None
        if throttle.sign_in_locked(username, address) or not throttle.sign_in_attempt(
            username, address
        ):
            raise PermissionDenied  # Django's authenticate() stops here and reports a failure
        with scopes_disabled():
            user = super().authenticate(request, username=username, password=password)
        if user is None:
            throttle.sign_in_failed(username, address)
        else:
            throttle.sign_in_succeeded(username, address)
        return user

    def get_user(self, user_id):
        with scopes_disabled():
            user = User.objects.select_related("organization").filter(pk=user_id).first()
        return user if user and self.user_can_authenticate(user) else None
