"""Usernames for new seats: the same every time for the same person and convention.

Names are folded to ASCII (José Ñúñez -> jose.nunez); a name with no Latin letters at all
(王小明) falls back to the email's local part. Two people who would get the same username in
one app are told apart by a visible suffix: the first keeps it, the next gets 2, then 3."""

import re
import unicodedata

CONVENTIONS = {
    "email": "Email address (jose.nunez@testco.example)",
    "first.last": "first.last (jose.nunez)",
    "firstlast": "firstlast (josenunez)",
    "flast": "flast (jnunez)",
    "first": "First name (jose)",
    "template": "A template of your own",
}
TEMPLATE_FIELDS = {"first", "last", "f", "l", "email", "local"}


def fold(text):
    """ASCII letters and digits only, lower case: accents dropped, other scripts removed."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = decomposed.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", ascii_only.lower())


def base_username(person, convention="email", template=""):
    own = getattr(person, "app_username", "")
    if own:  # chosen for this person (People, or the import's username column)
        return own
    email = person.email.lower()
    local = email.split("@")[0]
    first, last = fold(person.first_name), fold(person.last_name)
    if convention == "email":
        return email
    if not first and not last:  # no Latin letters in the name at all
        return fold(local) or local
    parts = {
        "first.last": ".".join(p for p in (first, last) if p),
        "firstlast": first + last,
        "flast": first[:1] + last,
        "first": first or last,
    }
    if convention == "template":
        values = {
            "first": first,
            "last": last,
            "f": first[:1],
            "l": last[:1],
            "email": email,
            "local": local,
        }
        rendered = re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), ""), template)
        return re.sub(r"[^a-z0-9._@+-]", "", rendered.lower()) or email
    return parts.get(convention) or email


def unique_username(base, taken):
    """base, or base2, base3... the first that `taken` (lower-cased usernames) lacks.
    An email keeps its domain: jose+2@x.example would surprise; jose2@x.example won't."""
    if base.lower() not in taken:
        return base
    local, at, domain = base.partition("@")
    n = 2
    while f"{local}{n}{at}{domain}".lower() in taken:
        n += 1
    return f"{local}{n}{at}{domain}"


def check_template(template):
    """Errors in a template, or an empty list."""
    names = re.findall(r"\{(\w*)\}", template)
    unknown = sorted(set(names) - TEMPLATE_FIELDS)
    if not names:
        return ["Use at least one of {first}, {last}, {f}, {l}, {local}."]
    if unknown:
        return [
            f"Unknown placeholder {{{unknown[0]}}}: use {{first}}, {{last}}, {{f}}, {{l}}, "
            "{local} or {email}."
        ]
    return []
