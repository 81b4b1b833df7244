from django.conf import settings
from django_scopes import scope, scopes_disabled


class TenantScopeMiddleware:
    """Runs each request inside the signed-in user's organization scope.

    Tenant models use django-scopes' ScopedManager, so a query outside a scope raises instead
    of leaking rows, and an object of another organization is simply not found (404).
    Staff superusers without an organization only use Django's admin site, which sees all.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = "/" + settings.ADMIN_URL.lstrip("/")

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and user.is_superuser
            and request.path.startswith(self.admin_prefix)
        ):
            with scopes_disabled():
                return self.get_response(request)
        if user.is_authenticated and user.organization_id:
            with scope(organization=user.organization_id):
                return self.get_response(request)
        return self.get_response(request)
