"""The global app catalog. `load_catalog` is idempotent: it runs after every migrate and from
`manage.py load_catalog`, adding new entries and updating changed ones by key."""

CATALOG = [
    # key, name, initials, color, connector, sign-in URL, description, legacy
    (
        "scim",
        "SCIM 2.0 app",
        "S2",
        "#0f766e",
        "scim",
        "",
        "Any app that speaks SCIM 2.0: give its base URL and a bearer token.",
        False,
    ),
    (
        "salesforce",
        "Salesforce",
        "SF",
        "#00a1e0",
        "salesforce",
        "https://login.salesforce.com/",
        "CRM. Auto-provisioning creates users with a profile and a temporary password.",
        False,
    ),
    (
        "google-workspace",
        "Google Workspace",
        "GW",
        "#4285f4",
        "google_workspace",
        "https://accounts.google.com/",
        "Gmail, Drive and the rest of Google's suite.",
        False,
    ),
    (
        "slack",
        "Slack",
        "SL",
        "#4a154b",
        "slack",
        "https://slack.com/signin",
        "Team chat. Slack emails new members an invitation to set their password.",
        False,
    ),
    (
        "github",
        "GitHub",
        "GH",
        "#24292f",
        "github",
        "https://github.com/login",
        "Code hosting. New people are invited to your GitHub organization by email.",
        False,
    ),
    (
        "zendesk",
        "Zendesk",
        "ZD",
        "#03363d",
        "zendesk",
        "",
        "Customer support. New users get Zendesk's verification email.",
        False,
    ),
    (
        "zoom",
        "Zoom",
        "ZM",
        "#2d8cff",
        "zoom",
        "https://zoom.us/signin",
        "Video meetings. Users are created under your Zoom account.",
        False,
    ),
    (
        "hipchat",
        "HipChat",
        "HC",
        "#205081",
        "hipchat",
        "",
        "Team chat (Server / Data Center). A retired product, kept for older installations.",
        True,
    ),
    (
        "yammer",
        "Yammer",
        "YM",
        "#106ebe",
        "yammer",
        "https://www.yammer.com/",
        "Enterprise social network. People are invited by email.",
        True,
    ),
    (
        "dropbox",
        "Dropbox",
        "DB",
        "#0061fe",
        "",
        "https://www.dropbox.com/login",
        "File storage and sharing.",
        False,
    ),
    (
        "trello",
        "Trello",
        "TR",
        "#0079bf",
        "",
        "https://trello.com/login",
        "Boards and cards for team projects.",
        False,
    ),
    (
        "asana",
        "Asana",
        "AS",
        "#f06a6a",
        "",
        "https://app.asana.com/",
        "Work management for teams.",
        False,
    ),
    (
        "mailchimp",
        "Mailchimp",
        "MC",
        "#ffe01b",
        "",
        "https://login.mailchimp.com/",
        "Email marketing.",
        False,
    ),
    (
        "hubspot",
        "HubSpot",
        "HS",
        "#ff7a59",
        "",
        "https://app.hubspot.com/login",
        "Marketing, sales and service hub.",
        False,
    ),
    (
        "basecamp",
        "Basecamp",
        "BC",
        "#1d2d35",
        "",
        "https://launchpad.37signals.com/",
        "Project management and team communication.",
        False,
    ),
]


def catalog_entries():
    fields = (
        "key",
        "name",
        "initials",
        "color",
        "connector_key",
        "sign_in_url",
        "description",
        "legacy",
    )
    return [dict(zip(fields, row, strict=True)) for row in CATALOG]


def load_catalog(using="default"):
    from .models import CatalogApp

    created = 0
    for entry in catalog_entries():
        key = entry.pop("key")
        _, was_created = CatalogApp.objects.using(using).update_or_create(key=key, defaults=entry)
        created += was_created
    return created
