"""What apps_catalog asks of the apps above it, which it cannot import (provisioning fills
these in when it starts)."""


def leaving_choices(app):
    """[(value, label)] of what leaving can mean for this app's accounts."""
    from .models import TenantApp

    return list(TenantApp.Leaving.choices)


def remove_app_url(app):
    """Where removing the app starts (provisioning's plan page)."""
    raise NotImplementedError("provisioning is not installed")


def after_access_change(app):
    """The URL of the plan for the app's accounts after a setting changed who should have
    it (provisioning's page), or None."""
    return None


def describe_apps(apps):
    """Manage Apps' apps (a queryset) as a list, each with `provisioning_status`: its one
    status in words (provisioning's counts join the same query). Without provisioning, the
    apps as they are."""
    return list(apps)


def connection_overview(app):
    """What the app's page shows of its connection (state, last check, rate budget, jobs),
    or None."""
    return None
