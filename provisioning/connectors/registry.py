"""Connector key -> class, imported lazily so a vendor module loads only when used."""

from importlib import import_module

CONNECTORS = {
    "scim": "provisioning.connectors.scim.ScimConnector",
    "salesforce": "provisioning.connectors.salesforce.SalesforceConnector",
    "slack": "provisioning.connectors.slack.SlackConnector",
    "github": "provisioning.connectors.github.GitHubConnector",
    "zendesk": "provisioning.connectors.zendesk.ZendeskConnector",
    "zoom": "provisioning.connectors.zoom.ZoomConnector",
    "hipchat": "provisioning.connectors.hipchat.HipChatConnector",
    "yammer": "provisioning.connectors.yammer.YammerConnector",
    "google_workspace": "provisioning.connectors.google_workspace.GoogleWorkspaceConnector",
}


def connector_class(key):
    try:
        path = CONNECTORS[key]
    except KeyError:
        return None
    module, name = path.rsplit(".", 1)
    return getattr(import_module(module), name)


def load_all():
    """Imports every connector: a worker does it at start, so that its first jobs do not
    pay for importing the vendor modules (SCIM's models take most of a second)."""
    for key in CONNECTORS:
        connector_class(key)
