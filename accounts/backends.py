from django.contrib.auth.backends import ModelBackend
from django_scopes import scopes_disabled

from .models import User


class EmailBackend(ModelBackend):
    """Sign-in by email (case-insensitive). Runs before any tenant scope exists."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        with scopes_disabled():
            return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id):
        with scopes_disabled():
            user = User.objects.select_related("organization").filter(pk=user_id).first()
        return user if user and self.user_can_authenticate(user) else None
