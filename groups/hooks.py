"""What groups asks of the apps above it, which it cannot import (provisioning fills these
in when it starts)."""

# Adding this many people or more at once is handed to the background (start_adding_members);
# fewer are added in the request. Provisioning's BACKGROUND_FROM says the same.
background_from = 200


def after_mode_change():
    """The URL of the plan for the accounts after Group Auto-Provisioning grants less, or
    None."""
    return None


def after_mode_grants_more():
    """The URL of the offer to provision the groups' current members after Group
    Auto-Provisioning grants more, or None."""
    return None


def start_adding_members(group, params, by):
    """Starts adding people to the group in the background and returns the URL of its
    progress page, or None where no background is wired (the request adds them itself).

    params is {"user_ids": [str, ...]} (these people) or {"query": str} (everyone active
    matching the People search, accounts.services.search_people)."""
    return None


def after_convention_change():
    """The URL of the plan that would give existing accounts the new username convention
    (the admin confirms it or keeps their usernames), or None."""
    return None


def start_import(upload, by):
    """Starts importing a PeopleImport in the background and returns the URL of its
    progress page, or None where no background is wired (the request imports it itself)."""
    return None
