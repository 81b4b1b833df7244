"""Slack, through its SCIM API (Business+ and Enterprise Grid plans).

https://docs.slack.dev/reference/scim-api: SCIM 2.0 at https://api.slack.com/scim/v2/, an
OAuth token with the admin scope as a bearer token. Slack emails new members its own
invitation, so no password is sent. Rate limits (docs.slack.dev/reference/scim-api/rate-limits):
creating users is limited to 180 a minute, which is this connector's default budget.
Slack cannot delete a user, only deactivate one (`active: false`; its DELETE /Users/<id>
"sets a Slack user to deactivated"): leaving is a suspension here, and reactivation sets
`active: true` again."""

from .base import Capabilities, CredentialField
from .scim import ScimConnector

SLACK_SCIM_URL = "https://api.slack.com/scim/v2"


class SlackConnector(ScimConnector):
    key = "slack"
    name = "Slack"
    credential_fields = (
        CredentialField(
            "token",
            "Admin OAuth token",
            "secret",
            "A token with the admin scope, from an app installed by an Org Owner or Admin.",
        ),
    )
    capabilities = Capabilities(
        create=True,
        set_password=False,
        list_accounts=True,
        invites=True,
        update=True,
        deactivate=True,
        reactivate=True,
        delete=False,
    )
    default_rate_limit_per_minute = 180

    def __init__(self, credentials, http):
        super().__init__(
            {**credentials, "base_url": SLACK_SCIM_URL, "auth": "bearer", "passwords": "none"}, http
        )
        self.capabilities = type(self).capabilities

    @classmethod
    def credential_problems(cls, credentials):
        if not credentials.get("token"):
            return {"token": "This field is required."}
        return {}
