"""Importing people from a CSV file: reading it, the preview (what each line will do) and
the import itself.

A line is *new* (a person to add, as a member), *updated* (a person of the organization
whose name or username in apps differs, or who joins groups they are not in yet),
*unchanged*, or an *error* with its reason. A file with any error line imports nothing: the
admin fixes it and uploads it again. An import only adds: it never removes anyone from a
group, never deactivates or reactivates anyone, and leaves an empty cell's value as it is.

Everything goes through the normal paths: an edited person is announced (person_changed,
so the apps that can update get the new name), and people join their groups through
services.add_members (so Method 2 provisions them exactly as if added by hand). The preview
costs a few queries whatever the number of lines."""

import csv
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django_scopes import scopes_disabled

from accounts import audit
from accounts.models import AuditEntry, User
from accounts.signals import person_changed

from . import services
from .models import Group, Membership
from .services import people_count

MAX_BYTES = 5 * 1024 * 1024
MAX_LINES = 10_000
BATCH = 500  # lines an import step writes in one transaction

TEMPLATE_CSV = (
    "name,email,groups,username\r\n"
    "José Ñúñez,jose.nunez@example.com,Sales; Support,\r\n"
    "Priya Raman,priya.raman@example.com,Engineering,praman\r\n"
)

# The column names understood (lower case, spaces and _ - . ignored) and what they mean.
COLUMNS = {
    "name": "name",
    "fullname": "name",
    "firstname": "first_name",
    "givenname": "first_name",
    "first": "first_name",
    "lastname": "last_name",
    "surname": "last_name",
    "familyname": "last_name",
    "last": "last_name",
    "email": "email",
    "emailaddress": "email",
    "mail": "email",
    "groups": "groups",
    "group": "groups",
    "username": "username",
    "usernameinapps": "username",
}
USERNAME = re.compile(r"^[A-Za-z0-9._@+-]+$")
NAME_LENGTH = 150


class FileRefused(Exception):
    """The file as a whole cannot be read; its text says why and what to do."""


@dataclass
class Line:
    number: int  # the line of the file it starts on (the column names are line 1)
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    groups: list = field(default_factory=list)  # names as written
    username: str = ""
    outcome: str = ""  # new, updated, unchanged, error
    reason: str = ""  # for an error: why; otherwise what changes, in words
    person_id: object = None
    group_ids: list = field(default_factory=list)  # the groups to join

    @property
    def name(self):
        return f"{self.first_name} {self.last_name}".strip()


def refuse_early(content_length):
    """The refusal for a request body far over the limit, before anything reads it."""
    try:
        size = int(content_length or 0)
    except ValueError:
        return None
    if size > MAX_BYTES + 64 * 1024:  # room for the form's other fields
        return too_big()
    return None


def too_big():
    return FileRefused(
        f"The file is over {MAX_BYTES // (1024 * 1024)} MB: split it into smaller files "
        f"(at most {MAX_LINES:,} people each)."
    )


def read_upload(upload):
    """The text of an uploaded file, or FileRefused. Reads at most MAX_BYTES + 1 bytes."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise too_big()
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise too_big()
    return decode(data)


def decode(data):
    if not data.strip():
        raise FileRefused("The file is empty.")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(
            "This is a spreadsheet (Excel or similar), not a CSV file: save it as "
            "“CSV UTF-8 (comma delimited)” and upload that."
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused(
            "The file is in UTF-16: save it as “CSV UTF-8 (comma delimited)” and upload that."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FileRefused(
            f"The file is not in UTF-8 (line {line} has a character that is not): save it as "
            "“CSV UTF-8 (comma delimited)” and upload that. Other encodings are refused."
        ) from None
    if "\x00" in text:
        raise FileRefused("This does not look like a CSV file: it holds binary data.")
    return text


def column_key(title):
    return re.sub(r"[\s_\-.]", "", title.strip().lower())


def parse(text):
    """The file's lines (Line, not yet previewed), or FileRefused for the file as a whole."""
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if first.count(",") == 0 else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            raise FileRefused("The file is empty.")
        where = {}
        for index, title in enumerate(header):
            meaning = COLUMNS.get(column_key(title))
            if meaning and meaning not in where:
                where[meaning] = index
        missing = []
        if "email" not in where:
            missing.append("email")
        if "name" not in where and "first_name" not in where:
            missing.append("name (or first name and last name)")
        if missing:
            raise FileRefused(
                f"The file has no {' and no '.join(missing)} column. The first line names the "
                "columns: name (or first name and last name), email, and optionally groups "
                "and username. Download the template to see how."
            )
        lines = []
        start = reader.line_num + 1
        for row in reader:
            number, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if len(lines) >= MAX_LINES:
                raise FileRefused(
                    f"The file has more than {MAX_LINES:,} people: split it into smaller files."
                )
            lines.append(line_of(number, row, where))
    except csv.Error as error:
        raise FileRefused(
            f"The file could not be read as CSV (line {reader.line_num}): {error}."
        ) from None
    if not lines:
        raise FileRefused("The file has the column names but no people.")
    return lines


def line_of(number, row, where):
    def cell(meaning):
        index = where.get(meaning)
        return row[index].strip() if index is not None and index < len(row) else ""

    line = Line(number=number, email=cell("email"), username=cell("username"))
    if "name" in where and cell("name"):
        first, _, last = cell("name").rpartition(" ")
        line.first_name, line.last_name = (first, last) if first else (last, "")
    else:
        line.first_name, line.last_name = cell("first_name"), cell("last_name")
    line.first_name, line.last_name = line.first_name.strip(), line.last_name.strip()
    line.groups = [g.strip() for g in re.split(r"[;,]", cell("groups")) if g.strip()]
    return line


def preview(lines, organization_id):
    """Decides every line's outcome, in place; returns Counter of outcomes. Three queries,
    whatever the number of lines."""
    seen = {}
    for line in lines:
        line.outcome, line.reason = "", ""
        problem = line_problem(line)
        key = line.email.lower()
        if not problem and key in seen:
            problem = f"The same email as line {seen[key]}."
        if problem:
            line.outcome, line.reason = "error", problem
        seen.setdefault(key, line.number)
    emails = {line.email.lower() for line in lines if not line.outcome}
    with scopes_disabled():  # emails are unique across the whole console
        known = {
            row["email_lower"]: row
            for row in User.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=emails)
            .values(
                "email_lower",
                "id",
                "organization_id",
                "first_name",
                "last_name",
                "app_username",
                "is_active",
            )
        }
    groups = {
        name.lower(): pk
        for pk, name in Group.objects.filter(organization_id=organization_id).values_list(
            "pk", "name"
        )
    }
    ours = [row["id"] for row in known.values() if row["organization_id"] == organization_id]
    joined = defaultdict(set)
    for user_id, group_id in Membership.objects.filter(
        organization_id=organization_id, user_id__in=ours
    ).values_list("user_id", "group_id"):
        joined[user_id].add(group_id)
    for line in lines:
        if not line.outcome:
            decide(line, known.get(line.email.lower()), groups, joined, organization_id)
    return Counter(line.outcome for line in lines)


def line_problem(line):
    if not line.email:
        return "No email."
    try:
        validate_email(line.email)
    except ValidationError:
        return f"“{line.email}” is not an email address."
    if len(line.email) > 254:
        return "The email is longer than 254 characters."
    if len(line.first_name) > NAME_LENGTH or len(line.last_name) > NAME_LENGTH:
        return f"The name is longer than {NAME_LENGTH} characters."
    if line.username and (len(line.username) > NAME_LENGTH or not USERNAME.match(line.username)):
        return (
            f"“{line.username}” cannot be a username: use letters, digits and . _ - @ + "
            f"(at most {NAME_LENGTH})."
        )
    return ""


def decide(line, person, groups, joined, organization_id):
    unknown = [name for name in line.groups if name.lower() not in groups]
    if unknown:
        names = ", ".join(f"“{name}”" for name in unknown)
        line.outcome = "error"
        line.reason = f"No group named {names}: create it first, or correct the name."
        return
    wanted = list(dict.fromkeys(groups[name.lower()] for name in line.groups))
    if person is None:
        if not line.first_name:
            line.outcome, line.reason = "error", "No name for this new person."
            return
        line.outcome, line.group_ids = "new", wanted
        return
    if person["organization_id"] != organization_id:
        line.outcome = "error"
        line.reason = "This email belongs to an account outside your organization."
        return
    if not person["is_active"]:
        line.outcome = "error"
        line.reason = (
            "This person is deactivated: reactivate them on their page first "
            "(an import does not reactivate anyone)."
        )
        return
    line.person_id = person["id"]
    line.group_ids = [pk for pk in wanted if pk not in joined[person["id"]]]
    line.reason = describe(line, person, groups)
    line.outcome = "updated" if line.reason else "unchanged"


def line_changes(line, first_name, last_name, app_username):
    """{field: [before, after]} a line makes to a person with these values: a new name is
    written whole (both its parts), an empty cell changes nothing."""
    changes = {}
    if line.first_name and (line.first_name, line.last_name) != (first_name, last_name):
        changes["first_name"] = [first_name, line.first_name]
        changes["last_name"] = [last_name, line.last_name]
    if line.username and line.username != app_username:
        changes["app_username"] = [app_username, line.username]
    return changes


def describe(line, person, groups):
    """What an updated line changes, in words."""
    words = []
    changed = line_changes(line, person["first_name"], person["last_name"], person["app_username"])
    if "first_name" in changed:
        was = f"{person['first_name']} {person['last_name']}".strip()
        words.append(f"name {was} → {line.name}")
    if "app_username" in changed:
        words.append(f"username in apps → {line.username}")
    if line.group_ids:
        names = [n for n in dict.fromkeys(line.groups) if groups[n.lower()] in line.group_ids]
        words.append("joins " + ", ".join(names))
    return "; ".join(words)


def import_people(upload, by, report=None):
    """Imports the upload's lines, BATCH at a time, each batch in its own transaction with
    its progress; a restart (the worker died) goes on after the last batch done. Each batch
    is decided again as it is written: a line that became an error since the preview is
    skipped and said. Returns what it did, in words."""
    lines = parse(upload.text)
    counts = Counter(upload.counts)
    for start in range(upload.imported_lines, len(lines), BATCH):
        batch = lines[start : start + BATCH]
        with transaction.atomic():
            preview(batch, upload.organization_id)
            counts.update(write(batch, upload, by))
            upload.imported_lines = start + len(batch)
            upload.counts = dict(counts)
            type(upload).objects.filter(pk=upload.pk).update(
                imported_lines=upload.imported_lines, counts=upload.counts
            )
        if report:
            report(upload.imported_lines, len(lines))
    upload.result = result_words(counts)
    upload.state = type(upload).State.DONE
    upload.text = ""  # the people are in the console now; the file is not kept
    upload.save(update_fields=["result", "state", "text"])
    return upload.result


def write(lines, upload, by):
    """Adds the new people, saves the updated ones (announced, so the apps hear of a new
    name), then adds each to its groups through services.add_members."""
    counts = Counter(line.outcome for line in lines)
    organization_id = upload.organization_id
    people = {}
    new = [line for line in lines if line.outcome == "new"]
    if new:
        created = User.objects.bulk_create(
            [
                User(
                    organization_id=organization_id,
                    email=User.objects.normalize_email(line.email),
                    first_name=line.first_name,
                    last_name=line.last_name,
                    app_username=line.username,
                    password=make_password(None),  # they choose one from their email
                )
                for line in new
            ]
        )
        for line, person in zip(new, created, strict=True):
            people[line.number] = person
        written(upload, by, audit.PERSON_CREATED, new, people, lambda line: {"role": "member"})
    updated = [line for line in lines if line.outcome == "updated"]
    if updated:
        found = User.objects.in_bulk([line.person_id for line in updated])
        changed = {}
        for line in updated:
            person = people[line.number] = found[line.person_id]
            changed[line.number] = edit(person, line, by)
        edited = [line for line in updated if changed[line.number]]
        written(upload, by, audit.PERSON_EDITED, edited, people, lambda line: changed[line.number])
    joining = defaultdict(list)
    for line in lines:
        if line.outcome in ("new", "updated"):
            for group_id in line.group_ids:
                joining[group_id].append(people[line.number])
    for group in Group.objects.filter(pk__in=list(joining)).order_by("name"):
        counts[f"joined:{group.name}"] += len(services.add_members(group, joining[group.pk], by))
    return counts


def edit(person, line, by):
    """Saves a line's changes to a person as the person's page would: {field: [before,
    after]}; a new name is announced (person_changed) so the apps that can update take it."""
    changes = line_changes(line, person.first_name, person.last_name, person.app_username)
    for name, (_, after) in changes.items():
        setattr(person, name, after)
    if changes:
        person.save(update_fields=["first_name", "last_name", "app_username"])
        if "first_name" in changes:
            person_changed.send(sender=User, person=person, by=by)
    return {k: v for k, v in changes.items() if v[0] != v[1]}


def written(upload, by, action, lines, people, detail):
    """One audit row per person added or edited, in one statement."""
    source = {"import": upload.file_name or "CSV file"}
    AuditEntry.objects.bulk_create(
        AuditEntry(
            organization_id=upload.organization_id,
            actor=by,
            actor_email=by.email if by else "",
            action=action,
            object_kind=audit.object_kind(people[line.number]),
            object_id=str(people[line.number].pk),
            object_label=audit.object_label(people[line.number])[: audit.LABEL_LENGTH],
            detail={
                "changed" if action == audit.PERSON_EDITED else "added": detail(line),
                **source,
            },
        )
        for line in lines
    )


def result_words(counts):
    """ "12 people added, 3 updated, 40 unchanged; Sales: seats queued in Slack (12)." """
    parts = [f"{people_count(counts['new'])} added", f"{counts['updated']:,} updated"]
    parts.append(f"{counts['unchanged']:,} unchanged")
    if counts["error"]:
        parts.append(f"{counts['error']:,} skipped (they changed since the preview)")
    words = ", ".join(parts) + "."
    joined = sorted(
        (k.removeprefix("joined:"), n) for k, n in counts.items() if k.startswith("joined:")
    )
    if any(n for _, n in joined):
        groups = ", ".join(f"{name} ({n:,})" for name, n in joined if n)
        words += f" Joined: {groups}; their group apps are provisioned as Assignment Settings say."
    return words
