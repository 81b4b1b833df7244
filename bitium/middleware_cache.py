"""No caching of what belongs to a signed-in person, nor of pages that carry tokens.

A revealed temporary password, a person's list of apps, an organization's people: none of it
may come back from the browser's back button after sign-out, nor from a proxy's cache. Every
response to a signed-in user, and the sign-in, activation, password-reset (and demo outbox)
pages, which carry tokens, get Django's never_cache headers (`Cache-Control: max-age=0,
no-cache, no-store, must-revalidate, private` and an `Expires` in the past), plus `Pragma:
no-cache` for HTTP/1.0 caches.
"""

from django.utils.cache import add_never_cache_headers

# Pages that carry tokens (in their URL or their form) or show emails that do, whoever asks.
TOKEN_PAGES = frozenset(
    {
        "login",
        "logout",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        "activate",
        "resend_activation",
        "outbox",
        "outbox_email",
    }
)


class NoStoreMiddleware:
    """Place it after AuthenticationMiddleware (it reads request.user)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if self.private(request):
            add_never_cache_headers(response)
            response.headers["Pragma"] = "no-cache"
        return response

    @staticmethod
    def private(request):
        # request.user as the view left it: the answer to a sign-in is covered too.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return True
        match = getattr(request, "resolver_match", None)
        return match is not None and match.url_name in TOKEN_PAGES
