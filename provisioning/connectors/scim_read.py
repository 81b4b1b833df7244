"""Reading what SCIM servers answer, leniently (RFC 7643/7644 as servers really speak them).

A user is validated with scim2-models (the Enterprise User extension modelled); extension
schemas we do not model are carried raw; an attribute that fails validation is left out and
named in the account's `problem`, so one odd account (a service account with an empty email)
neither fails a listing nor hides the rest of itself. Discovery answers are advisory: what
can be read of them is used, the rest is noted."""

from pydantic import ValidationError
from scim2_models import Context, EnterpriseUser, User

from .base import RemoteAccount

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ScimUser = User[EnterpriseUser]
MODELLED = {USER_SCHEMA, EnterpriseUser.__schema__}


def read_list(payload):
    """(resources, totalResults or None) of a ListResponse; a missing or odd totalResults,
    as some servers send, is None rather than a failure."""
    if not isinstance(payload, dict):
        return [], None
    resources = payload.get("Resources") or payload.get("resources") or []
    if not isinstance(resources, list):
        resources = []
    total = payload.get("totalResults")
    try:
        total = None if total is None else int(total)
    except (TypeError, ValueError):
        total = None
    return [r for r in resources if isinstance(r, dict)], total


def read_user(data):
    """A RemoteAccount from one User resource. remote_id is "" when the resource has no id
    (it cannot be an account we act on); `problem` says what was left out and why."""
    data = dict(data)
    remote_id = data.get("id")
    remote_id = str(remote_id) if isinstance(remote_id, str | int) and remote_id != "" else ""
    if not remote_id:
        username = data.get("userName")
        return RemoteAccount(
            remote_id="",
            username=username if isinstance(username, str) else "",
            problem="it has no id",
        )
    raw_emails = _raw_emails(data)
    extensions = {key: data.pop(key) for key in list(data) if _unmodelled_extension(key)}
    if isinstance(data.get("schemas"), list):
        data["schemas"] = [s for s in data["schemas"] if s in MODELLED] or [USER_SCHEMA]
    problems = []
    user = None
    for _ in range(3):  # each pass leaves out what the last one refused
        try:
            user = ScimUser.model_validate(data, scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
            break
        except ValidationError as error:
            problems += [describe(e) for e in error.errors()]
            data = _without_failures(data, error.errors())
    if user is None:  # nothing of it could be trusted: not an account we act on
        return RemoteAccount(remote_id="", username=remote_id, problem="; ".join(problems))
    emails = user.emails or []
    primary = next((e for e in emails if e.primary), emails[0] if emails else None)
    name = user.name
    return RemoteAccount(
        remote_id=remote_id,
        username=user.user_name or "",
        email=(primary.value if primary else "") or "",
        first_name=(name.given_name if name else "") or "",
        last_name=(name.family_name if name else "") or "",
        active=user.active is not False,
        emails=tuple(sorted(raw_emails | {e.value for e in emails if e.value})),
        raw=extensions,
        problem="; ".join(problems),
    )


def describe(error):
    """'emails.0.value: value is not a valid email address (got "")'."""
    where = ".".join(str(part) for part in error["loc"]) or "the resource"
    said = f"{where}: {error['msg']}"
    given = error.get("input")
    if isinstance(given, str | int | float | bool) and len(str(given)) <= 60:
        said += f" (got {given!r})"
    return said


def _unmodelled_extension(key):
    return key.startswith("urn:") and key not in MODELLED


def _without_failures(data, errors):
    """The resource less each failing list item (emails[0]) or attribute (meta); never its id."""
    data = dict(data)
    drop_items = {}
    for error in errors:
        loc = error["loc"]
        if not loc or loc[0] not in data or loc[0] == "id":
            continue
        if len(loc) > 1 and isinstance(loc[1], int) and isinstance(data[loc[0]], list):
            drop_items.setdefault(loc[0], set()).add(loc[1])
        else:
            data.pop(loc[0])
    for key, indexes in drop_items.items():
        if key in data:
            kept = [item for i, item in enumerate(data[key]) if i not in indexes]
            data[key] = kept
            if not kept:
                data.pop(key)
    return data


def _raw_emails(data):
    """Addresses as the server wrote them, valid to our validator or not: identity is matched
    on what the app holds."""
    emails = data.get("emails")
    if not isinstance(emails, list):
        return set()
    return {e["value"] for e in emails if isinstance(e, dict) and isinstance(e.get("value"), str)}


def capabilities(config):
    """What a ServiceProviderConfig answer says the server supports (RFC 7643 §5). Anything
    unreadable counts as unsupported."""
    config = config if isinstance(config, dict) else {}

    def supported(name):
        part = config.get(name)
        value = part.get("supported") if isinstance(part, dict) else None
        return value is True or (isinstance(value, str) and value.lower() == "true")

    found = {
        name: supported(key)
        for name, key in (
            ("filter", "filter"),
            ("patch", "patch"),
            ("bulk", "bulk"),
            ("etag", "etag"),
            ("sort", "sort"),
            ("change_password", "changePassword"),
        )
    }
    pagination = config.get("pagination")
    cursor = isinstance(pagination, dict) and pagination.get("cursor") is True
    found["pagination"] = "cursor" if cursor and not pagination.get("index", True) else "index"
    return found
