"""Zoom, through its Users API with a Server-to-Server OAuth app.

developers.zoom.us/docs/internal-apps/s2s-oauth/: POST https://zoom.us/oauth/token with
grant_type=account_credentials and the account id, authenticated by the app's client id and
secret, gives an access token valid for an hour.
developers.zoom.us/docs/api/users/: POST /v2/users {"action": "create" | "autoCreate",
"user_info": {...}} (Zoom emails the new user to activate: no password is set by "create");
GET /v2/users with page_size and next_page_token; GET /v2/users/{email} for a lookup.
An existing user answers 409 (code 1005); rate limits answer 429 with Retry-After."""

from .base import Capabilities, Connector, CredentialField, RemoteAccount, identify
from .errors import NotFound
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
    capabilities = Capabilities(create=True, set_password=False, list_accounts=True)
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
        return self.http.request(method, f"{API}{path}", headers=headers, **kwargs)

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


def zoom_account(user):
    return RemoteAccount(
        remote_id=str(user["id"]),
        username=user.get("email", ""),
        email=user.get("email", ""),
        first_name=user.get("first_name", ""),
        last_name=user.get("last_name", ""),
        active=user.get("status", "active") == "active",
    )
