"""Bearer token authentication in front of django-scim2 (which leaves authentication to the
project: its own check only asks `request.user.is_authenticated`)."""

import hmac
import json

from django.conf import settings
from django.http import HttpResponse

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


class ScimClient:
    """The authenticated caller: not a row, so it never shows up in /Users."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    pk = None


class BearerTokenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.expected = f"Bearer {settings.SCIM_TOKEN}".encode()

    def __call__(self, request):
        sent = request.headers.get("Authorization", "").encode()
        if not settings.SCIM_TOKEN or not hmac.compare_digest(sent, self.expected):
            body = {"schemas": [ERROR_SCHEMA], "status": "401", "detail": "Invalid bearer token."}
            response = HttpResponse(
                json.dumps(body), status=401, content_type="application/scim+json"
            )
            response["WWW-Authenticate"] = 'Bearer realm="SCIM"'
            return response
        request.user = ScimClient()
        return self.get_response(request)
