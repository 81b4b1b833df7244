"""One error vocabulary for every connector. The engine decides what to do by class:

- TransientError: try again later (network, timeout, 5xx, 429 with its Retry-After).
- AuthenticationError: the credentials are rejected; the app's jobs wait until fixed.
- AlreadyExists: the vendor has the account; the engine looks it up and links it.
- NotFound: the account or resource is not there.
- PermanentError: anything else; the job fails with this message for an admin to act on.

Messages are written for admins and never contain a credential.
"""


class ConnectorError(Exception):
    def __init__(self, message, *, status_code=None, detail=None):
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.detail = detail or {}


class TransientError(ConnectorError):
    def __init__(self, message, *, retry_after=None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after  # seconds, when the vendor said


class AuthenticationError(ConnectorError):
    pass


class AlreadyExists(ConnectorError):
    pass


class NotFound(ConnectorError):
    pass


class PermanentError(ConnectorError):
    pass


class UnsafeURL(PermanentError):
    """An admin-typed URL that points inside our network (an SSRF door)."""
