"""NUL characters never reach a view or a query.

PostgreSQL cannot store or compare text holding a NUL (psycopg raises DataError), so a `%00`
in a search box, a form field or a cookie was a 500. No field of ours accepts one: a request
whose address, query string or form fields carry a NUL is answered 400 with a plain message,
and a cookie holding one (never one we set) is dropped, as if it were not sent.

Place it early, before SessionMiddleware (which reads the session cookie) and before anything
that reads the request's fields."""

from django.http import HttpResponseBadRequest

NUL = "\x00"
MESSAGE = (
    "The request contains a NUL character (%00), which no field accepts. Remove it and try again."
)


def carries_nul(querydict):
    return any(
        NUL in key or any(NUL in value for value in values) for key, values in querydict.lists()
    )


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        cookies = request.COOKIES  # parsed once and kept: what the next middleware reads
        for name in [name for name, value in cookies.items() if NUL in name or NUL in value]:
            del cookies[name]
        if NUL in request.path_info or carries_nul(request.GET) or carries_nul(request.POST):
            return HttpResponseBadRequest(MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
