"""Ids typed or posted by a person: anything that is not a UUID is left out, never a 500."""

import uuid


def parse_uuid(value):
    """The UUID in value, or None."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def valid_ids(values):
    """The UUIDs among values, in order."""
    return [parsed for parsed in map(parse_uuid, values) if parsed is not None]
