"""Salesforce, through its REST API (v60.0).

developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/: either an access token
with the instance URL, or the OAuth username-password flow of a connected app (POST
https://login.salesforce.com/services/oauth2/token, grant_type=password, client id and
secret, username, password + security token). Users are sObjects: POST
/sobjects/User/ with Username, Email, names, Alias, the locale fields and a ProfileId (the
profile the admin names at Confirm); a temporary password through
POST /sobjects/User/{id}/password; SOQL queries for the mapping (nextRecordsUrl pages).
Lifecycle ("Update a Record", dome_update_fields.htm): PATCH /sobjects/User/{id} with only the
fields to change, answered 204 with no body; deactivation is IsActive false, reactivation
IsActive true. A Username must be "in the format of an email address" and unique across all
Salesforce orgs (help.salesforce.com, "Guidelines for Adding Users"). Users cannot be deleted
(see capabilities). Errors come as [{"errorCode", "message"}] (errorcodes.htm):
DUPLICATE_USERNAME is an existing account, INVALID_SESSION_ID bad credentials,
REQUEST_LIMIT_EXCEEDED (403) the daily API limit, NOT_FOUND (404) no such record,
INSUFFICIENT_ACCESS_OR_READONLY (400 or 403) a user without the Manage Internal Users
permission, LICENSE_LIMIT_EXCEEDED no free license to reactivate with."""

from urllib.parse import quote

from .base import Capabilities, Connector, CredentialField, RemoteAccount, identify
from .errors import AlreadyExists, AuthenticationError, PermanentError, TransientError

INSUFFICIENT_ACCESS = (
    "Salesforce refused: the user the connector signs in as may not change users "
    "(INSUFFICIENT_ACCESS_OR_READONLY). Give it the Manage Internal Users permission, then retry."
)
NO_LICENSE = (
    "Salesforce has no free user license for this user's profile (LICENSE_LIMIT_EXCEEDED). "
    "Free a license or add one to the org, then retry."
)

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
            help_text="e.g. https://acme.my.salesforce.com",
            group="token",
        ),
        CredentialField("access_token", "Access token", "secret", required=False, group="token"),
        CredentialField("client_id", "Connected app client ID", required=False, group="password"),
        CredentialField(
            "client_secret",
            "Connected app client secret",
            "secret",
            required=False,
            group="password",
        ),
        CredentialField("username", "Admin username", required=False, group="password"),
        CredentialField(
            "password",
            "Admin password + security token",
            "secret",
            required=False,
            group="password",
        ),
        CredentialField(
            "profile",
            "Default profile for new users",
            help_text="The name of a profile in your org, e.g. Standard User.",
        ),
    )
    credential_groups = {
        "token": (
            "Sign in with an access token",
            "Either: an access token of an admin with the instance it belongs to.",
        ),
        "password": (
            "Or sign in with a connected app and an admin's password",
            "Or, without an access token: all four of these.",
        ),
    }
    # No delete: the User object's supported calls are "create(), describeLayout(),
    # describeSObjects(), getDeleted(), getUpdated(), query(), retrieve(), search(), update(),
    # upsert()" (Object Reference, User), and Salesforce Help ("Delete Users") says "While you
    # can't completely delete a user, you can deactivate a user account so they can't log in to
    # Salesforce."
    capabilities = Capabilities(
        create=True,
        set_password=True,
        list_accounts=True,
        update=True,
        deactivate=True,
        reactivate=True,
        delete=False,
    )
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
        answers = []  # the response, read for its errorCodes when the HTTP helper raises
        hooks = {"response": lambda response, *args, **kw: answers.append(response)}
        try:
            return self.http.request(method, url, headers=headers, hooks=hooks, **kwargs)
        except AuthenticationError as error:
            codes = error_codes(answers, error)
            if "REQUEST_LIMIT_EXCEEDED" in codes:
                raise TransientError(
                    "Salesforce's API request limit is reached.", retry_after=3600, status_code=403
                ) from error
            if "INSUFFICIENT_ACCESS_OR_READONLY" in codes:
                raise AuthenticationError(INSUFFICIENT_ACCESS, status_code=error.status_code) from (
                    error
                )
            raise
        except PermanentError as error:
            codes = error_codes(answers, error)
            if "DUPLICATE_USERNAME" in codes:
                raise AlreadyExists(error.message, status_code=error.status_code) from error
            if "INSUFFICIENT_ACCESS_OR_READONLY" in codes:
                raise AuthenticationError(INSUFFICIENT_ACCESS, status_code=error.status_code) from (
                    error
                )
            if "LICENSE_LIMIT_EXCEEDED" in codes:
                raise PermanentError(NO_LICENSE, status_code=error.status_code) from error
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

    def user_path(self, remote_id):
        return f"/services/data/{VERSION}/sobjects/User/{quote(str(remote_id), safe='')}"

    def update_account(self, remote_id, update):
        """PATCHes only the changed fields. A username that is not in the format of an email
        address is not sent: Salesforce refuses it, and such a person's Salesforce username
        was their email at creation. Salesforce answers 204 without the record: None."""
        body = {}
        if "email" in update.changed:
            body["Email"] = update.email
        if "username" in update.changed and "@" in update.username:
            body["Username"] = update.username
        if "first_name" in update.changed:
            body["FirstName"] = update.first_name
        if "last_name" in update.changed:
            # LastName is required: the same stand-in as at creation when there is none.
            body["LastName"] = update.last_name or update.email.split("@")[0]
        if not body:
            return None
        try:
            self.call("PATCH", self.user_path(remote_id), json=body)
        except AlreadyExists as error:  # DUPLICATE_USERNAME: not this account, another one
            raise PermanentError(
                f"Salesforce refused the username {body.get('Username', '')}: usernames are "
                "unique across all Salesforce orgs, and another user has this one. Choose "
                "another username, then retry.",
                status_code=error.status_code,
            ) from error
        return None

    def deactivate_account(self, remote_id):
        """Salesforce users are never deleted: IsActive false frees the license."""
        self.call("PATCH", self.user_path(remote_id), json={"IsActive": False})

    def reactivate_account(self, remote_id):
        """IsActive true: the user takes a license of its profile again."""
        self.call("PATCH", self.user_path(remote_id), json={"IsActive": True})


KNOWN_CODES = (
    "REQUEST_LIMIT_EXCEEDED",
    "INSUFFICIENT_ACCESS_OR_READONLY",
    "DUPLICATE_USERNAME",
    "LICENSE_LIMIT_EXCEEDED",
)


def error_codes(answers, error):
    """The errorCodes of Salesforce's [{"message", "errorCode"}] answer. Read from the response
    itself: the helper's message cuts the body at 200 characters, and Salesforce puts its
    (long) message before the code."""
    try:
        body = answers[-1].json() if answers else None
    except ValueError:
        body = None
    if isinstance(body, list):
        return {str(e.get("errorCode")) for e in body if isinstance(e, dict)}
    return {code for code in KNOWN_CODES if code in error.message}


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
