"""Zoom, through its Users API with a Server-to-Server OAuth app.

developers.zoom.us/docs/internal-apps/s2s-oauth/: POST https://zoom.us/oauth/token with
grant_type=account_credentials and the account id, authenticated by the app's client id and
secret, gives an access token valid for an hour.
developers.zoom.us/docs/api/users/: POST /v2/users {"action": "create" | "autoCreate",
"user_info": {...}} (Zoom emails the new user to activate: no password is set by "create");
GET /v2/users with page_size and next_page_token; GET /v2/users/{email} for a lookup.
An existing user answers 409 (code 1005); rate limits answer 429 with Retry-After; a user
that is not there 404 (code 1001). developers.zoom.us/docs/api/errors: 403 when the app may
not do this, and "Invalid access token, does not contain scopes" when its token lacks a scope
(a 400, code 4711, in practice): both are the credentials' to fix, not the person's.

Lifecycle, from the same reference (each answers 204):
- PATCH  /v2/users/{userId}  {"first_name", "last_name"}  "Update a user" (only those sent)
- PUT    /v2/users/{userId}/email  {"email"}  "Update a user's email": only on an account with
  a managed domain, to an address of that domain not already in Zoom, 3 times a day at most
- PUT    /v2/users/{userId}/status  {"action": "deactivate" | "activate"}  "Update user
  status": deactivating removes the user's licenses and stops sign-in; activating brings
  the user back (Zoom may refuse: no license left, an admin or Zoom Room user)
- DELETE /v2/users/{userId}?action=delete  "Delete a user": permanent, with the user's
  meetings and recordings (nothing is transferred). Zoom deletes a pending user (invited by
  "create", not yet activated) only by action=disassociate, which cancels that invitation,
  so the user's status is read first (GET /v2/users/{userId})."""

from .base import Capabilities, Connector, CredentialField, RemoteAccount, identify
from .errors import AlreadyExists, AuthenticationError, NotFound, PermanentError
from .http import AccessToken

TOKEN_URL = "https://zoom.us/oauth/token"
API = "https://api.zoom.us/v2"
BASIC_USER = 1  # Zoom's user type for a basic (free) seat


class ZoomConnector(Connector):
    key = "zoom"
    name = "Zoom"
    credential_fields = (
        CredentialField("account_id", "Account ID"),
        CredentialField("client_id", "Client ID"),
        CredentialField("client_secret", "Client secret", "secret"),
        CredentialField(
            "action",
            "How users are added",
            "choice",
            required=False,
            choices=(
                ("create", "Create: Zoom emails them to activate"),
                ("autoCreate", "Auto-create (managed domains only)"),
            ),
        ),
    )
    capabilities = Capabilities(
        create=True,
        set_password=False,
        list_accounts=True,
        update=True,
        deactivate=True,
        reactivate=True,
        delete=True,
    )
    default_rate_limit_per_minute = 60  # "Medium" rate-limited endpoints on most plans

    def __init__(self, credentials, http):
        super().__init__(credentials, http)
        self.access_token = AccessToken(http, self.grant)

    def grant(self):
        response = self.http.request(
            "POST",
            TOKEN_URL,
            params={
                "grant_type": "account_credentials",
                "account_id": self.credentials.get("account_id", ""),
            },
            auth=(self.credentials.get("client_id", ""), self.credentials.get("client_secret", "")),
        )
        return response.json()

    def call(self, method, path, **kwargs):
        headers = {"Authorization": f"Bearer {self.access_token()}"}
        try:
            return self.http.request(method, f"{API}{path}", headers=headers, **kwargs)
        except PermanentError as error:
            if error.status_code == 400 and "does not contain scopes" in error.message:
                raise AuthenticationError(
                    f"{error.message} Add the missing scope to the Server-to-Server OAuth app "
                    "in the Zoom App Marketplace, then retry.",
                    status_code=error.status_code,
                ) from error
            raise

    def test_connection(self):
        page = self.call("GET", "/users", params={"page_size": 1}).json()
        return {"accounts": page.get("total_records")}

    def list_accounts(self):
        params = {"page_size": 300}
        while True:
            page = self.call("GET", "/users", params=params).json()
            for user in page.get("users", []):
                yield zoom_account(user)
            if not page.get("next_page_token"):
                return
            params = {"page_size": 300, "next_page_token": page["next_page_token"]}

    def find_account(self, *, email="", username=""):
        if not email:
            return None
        try:
            user = self.call("GET", f"/users/{email}").json()
        except NotFound:
            return None
        return identify([zoom_account(user)], email=email)

    def create_account(self, new_account):
        body = {
            "action": self.credentials.get("action") or "create",
            "user_info": {
                "email": new_account.email,
                "type": BASIC_USER,
                "first_name": new_account.first_name,
                "last_name": new_account.last_name,
            },
        }
        return zoom_account(self.call("POST", "/users", json=body).json())

    def update_account(self, remote_id, update):
        names = sorted(update.changed & {"first_name", "last_name"})
        profile = {field: getattr(update, field) for field in names}
        if profile:
            self.call("PATCH", f"/users/{remote_id}", json=profile)
        if "email" in update.changed:
            self.change_email(remote_id, update.email)
        return None  # Zoom answers 204, without the user

    def change_email(self, remote_id, email):
        try:
            self.call("PUT", f"/users/{remote_id}/email", json={"email": email})
        except AlreadyExists as error:
            raise PermanentError(
                f"Zoom already has a user with {email}, so it cannot become this person's address.",
                status_code=error.status_code,
            ) from error
        except PermanentError as error:
            raise PermanentError(
                f"Zoom refused the new address {email}. {error.message} Zoom changes an email "
                "only on an account with a managed domain, to an address of that domain, at "
                "most 3 times a day.",
                status_code=error.status_code,
            ) from error

    def deactivate_account(self, remote_id):
        self.call("PUT", f"/users/{remote_id}/status", json={"action": "deactivate"})

    def reactivate_account(self, remote_id):
        self.call("PUT", f"/users/{remote_id}/status", json={"action": "activate"})

    def delete_account(self, remote_id):
        user = self.call("GET", f"/users/{remote_id}").json()
        action = "disassociate" if user.get("status") == "pending" else "delete"
        self.call("DELETE", f"/users/{remote_id}", params={"action": action})


def zoom_account(user):
    return RemoteAccount(
        remote_id=str(user["id"]),
        username=user.get("email", ""),
        email=user.get("email", ""),
        first_name=user.get("first_name", ""),
        last_name=user.get("last_name", ""),
        active=user.get("status", "active") == "active",
    )
