"""The Audit log (admins only): the organization's audit entries, newest first, filtered and
searched on the server a page at a time (by keyset: the same cost on the last page as on the
first), one entry's whole detail, and the same selection as a CSV that streams."""

import json

from django import forms
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.http import urlencode

from bitium import listing

from . import audit
from .models import AuditEntry, User
from .permissions import admin_required

ACTORS_LISTED = 100  # the actor menu lists the organization's admins, up to this many


class AuditFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, strip=True)
    actor = forms.UUIDField(required=False)
    action = forms.ChoiceField(
        required=False,
        choices=[("", "Any action")]
        + sorted(audit.ACTIONS.items(), key=lambda item: item[1].lower()),
    )
    kind = forms.ChoiceField(
        required=False, choices=[("", "Any object")] + sorted(audit.KIND_LABELS.items())
    )
    object = forms.CharField(required=False, max_length=64)
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def filters(self):
        """The valid filters (an invalid one is ignored, not an error page)."""
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.fields if name in self.data}
        return {
            "query": data.get("q") or "",
            "actor_id": data.get("actor"),
            "action": data.get("action") or "",
            "kind": data.get("kind") or "",
            "object_id": data.get("object") or "",
            "since": data.get("since"),
            "until": data.get("until"),
        }

    def query_string(self, **extra):
        """The filters as they were asked, for the pages' and the CSV's links."""
        params = {name: self.data.get(name, "") for name in self.fields}
        params.update(extra)
        return urlencode({k: v for k, v in params.items() if v})


@admin_required
def audit_log(request):
    form = AuditFilterForm(request.GET)
    entries = audit.search(**form.filters())
    page = audit.page_of(entries, before=request.GET.get("before"), after=request.GET.get("after"))
    for entry in page.entries:
        entry.action_label = audit.ACTIONS.get(entry.action, entry.action)
        entry.summary = audit.summary(entry)
    count = audit.count_of(entries)
    context = {
        "form": form,
        "page": page,
        "count": min(count, audit.COUNT_CAP),
        "more_than": count > audit.COUNT_CAP,
        "actors": actor_choices(form.filters()["actor_id"]),
        "filtered": form.query_string(),
    }
    return render(request, "accounts/audit_log.html", context)


def actor_choices(chosen_id):
    """The organization's admins for the actor menu, and the chosen actor if not one of them
    (a member who signed in, a former admin)."""
    admins = User.objects.filter(role=User.Role.ADMIN).order_by("first_name", "last_name", "email")
    actors = [(person.pk, audit.person_label(person)) for person in admins[:ACTORS_LISTED]]
    if chosen_id and chosen_id not in {pk for pk, _ in actors}:
        person = User.objects.filter(pk=chosen_id).first()
        if person is not None:
            actors.append((person.pk, audit.person_label(person)))
    return actors


@admin_required
def audit_entry(request, entry_id):
    entry = get_object_or_404(AuditEntry, pk=entry_id)
    context = {
        "entry": entry,
        "action_label": audit.ACTIONS.get(entry.action, entry.action),
        "kind_label": audit.KIND_LABELS.get(entry.object_kind, entry.object_kind),
        "detail": json.dumps(entry.detail, indent=2, sort_keys=True, ensure_ascii=False),
    }
    return render(request, "accounts/audit_entry.html", context)


@admin_required
def audit_log_csv(request):
    """The entries under the page's filters, every one of them, as CSV: streamed, read from
    the database a chunk at a time (the queryset carries the organization already)."""
    entries = audit.search(**AuditFilterForm(request.GET).filters())
    lines = listing.csv_lines(audit.csv_rows(entries))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    name = f"audit-log-{timezone.now():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
