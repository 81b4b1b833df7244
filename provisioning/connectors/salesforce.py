"""Salesforce, through its REST API (v60.0).

developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/: either an access token
with the instance URL, or the OAuth username-password flow of a connected app (POST
https://login.salesforce.com/services/oauth2/token, grant_type=password, client id and
secret, username, password + security token). Users are sObjects: POST
/sobjects/User/ with Username, Email, names, Alias, the locale fields and a ProfileId (the
profile the admin names at Confirm); a temporary password through
POST /sobjects/User/{id}/password; SOQL queries for the mapping (nextRecordsUrl pages);
deactivation is IsActive false. Errors come as [{"errorCode", "message"}]:
DUPLICATE_USERNAME is an existing account, INVALID_SESSION_ID bad credentials,
REQUEST_LIMIT_EXCEEDED (403) the daily API limit."""

from urllib.parse import quote

from .base import Capabilities, Connector, CredentialField, RemoteAccount, identify
from .errors import AlreadyExists, AuthenticationError, PermanentError, TransientError

VERSION = "v60.0"
LOGIN_URL = "https://login.salesforce.com/services/oauth2/token"
FIELDS = "Id, Username, Email, FirstName, LastName, IsActive"


def soql_string(value):
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class SalesforceConnector(Connector):
    key = "salesforce"
    name = "Salesforce"
    credential_fields = (
        CredentialField(
            "instance_url",
            "Instance URL",
            "url",
            required=False,
            help_text="With an access token, e.g. https://acme.my.salesforce.com",
        ),
        CredentialField("access_token", "Access token", "secret", required=False),
        CredentialField(
            "client_id",
            "Connected app client ID",
            required=False,
            help_text="Or sign in with a connected app and an admin's password.",
        ),
        CredentialField("client_secret", "Connected app client secret", "secret", required=False),
        CredentialField("username", "Admin username", required=False),
        CredentialField("password", "Admin password + security token", "secret", required=False),
        CredentialField(
            "profile",
            "Default profile for new users",
            help_text="The name of a profile in your org, e.g. Standard User.",
        ),
    )
    capabilities = Capabilities(create=True, set_password=True, list_accounts=True, deactivate=True)
    default_rate_limit_per_minute = 100  # a share of the org's daily API request limit

    _session = None  # (instance URL, access token)
    _profile_id = None

    @classmethod
    def credential_problems(cls, credentials):
        problems = {}
        if not credentials.get("profile"):
            problems["profile"] = "This field is required."
        if credentials.get("access_token"):
            if not credentials.get("instance_url"):
                problems["instance_url"] = "Needed with an access token."
        else:
            for name in ("client_id", "client_secret", "username", "password"):
                if not credentials.get(name):
                    problems[name] = "Needed without an access token."
        return problems

    def session(self):
        if self._session is None:
            if self.credentials.get("access_token"):
                self._session = (
                    self.credentials["instance_url"].rstrip("/"),
                    self.credentials["access_token"],
                )
            else:
                grant = self.http.request(
                    "POST",
                    LOGIN_URL,
                    data={
                        "grant_type": "password",
                        "client_id": self.credentials["client_id"],
                        "client_secret": self.credentials["client_secret"],
                        "username": self.credentials["username"],
                        "password": self.credentials["password"],
                    },
                ).json()
                self.http.secrets.append(grant["access_token"])
                self._session = (grant["instance_url"].rstrip("/"), grant["access_token"])
        return self._session

    def call(self, method, path, **kwargs):
        instance, token = self.session()
        url = path if path.startswith("http") else f"{instance}{path}"
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        try:
            return self.http.request(method, url, headers=headers, **kwargs)
        except AuthenticationError as error:
            if "REQUEST_LIMIT_EXCEEDED" in error.message:
                raise TransientError(
                    "Salesforce's API request limit is reached.", retry_after=3600, status_code=403
                ) from error
            raise
        except PermanentError as error:
            if "DUPLICATE_USERNAME" in error.message:
                raise AlreadyExists(error.message, status_code=error.status_code) from error
            raise

    def query(self, soql):
        path = f"/services/data/{VERSION}/query?q={quote(soql)}"
        while path:
            page = self.call("GET", path).json()
            yield from page.get("records", [])
            path = page.get("nextRecordsUrl")

    def profile_id(self):
        if self._profile_id is None:
            name = self.credentials.get("profile", "")
            found = list(self.query(f"SELECT Id FROM Profile WHERE Name = {soql_string(name)}"))
            if not found:
                names = sorted(p["Name"] for p in self.query("SELECT Name FROM Profile"))
                raise PermanentError(
                    f"Salesforce has no profile named “{name}”. Your org's profiles: "
                    f"{', '.join(names[:20])}."
                )
            self._profile_id = found[0]["Id"]
        return self._profile_id

    def test_connection(self):
        return {"profile_id": self.profile_id()}

    def list_accounts(self):
        for record in self.query(f"SELECT {FIELDS} FROM User WHERE UserType = 'Standard'"):
            yield salesforce_account(record)

    def find_account(self, *, email="", username=""):
        conditions = []
        if username:
            conditions.append(f"Username = {soql_string(username)}")
        if email:
            conditions.append(f"Email = {soql_string(email)}")
        if not conditions:
            return None
        records = list(self.query(f"SELECT {FIELDS} FROM User WHERE {' OR '.join(conditions)}"))
        return identify(map(salesforce_account, records), email=email, username=username)

    def create_account(self, new_account):
        username = new_account.username if "@" in new_account.username else new_account.email
        body = {
            "Username": username,
            "Email": new_account.email,
            "FirstName": new_account.first_name,
            "LastName": new_account.last_name or new_account.email.split("@")[0],
            "Alias": alias(new_account),
            "ProfileId": self.profile_id(),
            "TimeZoneSidKey": "America/Los_Angeles",
            "LocaleSidKey": "en_US",
            "EmailEncodingKey": "UTF-8",
            "LanguageLocaleKey": "en_US",
        }
        created = self.call("POST", f"/services/data/{VERSION}/sobjects/User/", json=body).json()
        if new_account.password:
            self.call(
                "POST",
                f"/services/data/{VERSION}/sobjects/User/{created['id']}/password",
                json={"NewPassword": new_account.password},
            )
        return RemoteAccount(
            remote_id=created["id"],
            username=username,
            email=new_account.email,
            first_name=new_account.first_name,
            last_name=body["LastName"],
        )

    def deactivate_account(self, remote_id):
        """Salesforce users are never deleted: IsActive false frees the license."""
        self.call(
            "PATCH", f"/services/data/{VERSION}/sobjects/User/{remote_id}", json={"IsActive": False}
        )


def alias(new_account):
    """Salesforce's Alias: at most 8 characters; first initial and last name, like its UI."""
    letters = (new_account.first_name[:1] + new_account.last_name).lower()
    return "".join(ch for ch in letters if ch.isalnum())[:8] or "user"


def salesforce_account(record):
    return RemoteAccount(
        remote_id=record["Id"],
        username=record.get("Username") or "",
        email=record.get("Email") or "",
        first_name=record.get("FirstName") or "",
        last_name=record.get("LastName") or "",
        active=bool(record.get("IsActive", True)),
    )
