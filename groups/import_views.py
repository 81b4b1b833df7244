"""Import people: upload a CSV file, see what each line will do, then Import."""

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import admin_required

from . import hooks, importing
from .models import PeopleImport

LINES_PER_PAGE = 100
OUTCOMES = {
    "all": "Every line",
    "error": "Errors",
    "new": "New",
    "updated": "Updated",
    "unchanged": "Unchanged",
}
SPREADSHEETS = (".xlsx", ".xls", ".xlsm", ".ods", ".numbers")


@admin_required
def people_import(request):
    """The upload. A refused file is said at once, and nothing is kept of it."""
    refusal = None
    if request.method == "POST":
        try:
            upload = uploaded_file(request)
            text = importing.read_upload(upload)
            lines = importing.parse(text)
        except importing.FileRefused as error:
            refusal = str(error)
        else:
            forget_old_uploads()
            record = PeopleImport.objects.create(
                organization=request.user.organization,
                file_name=upload.name[:255],
                text=text,
                lines=len(lines),
                uploaded_by=request.user,
            )
            return redirect("people_import_preview", import_id=record.pk)
    context = {
        "refusal": refusal,
        "max_mb": importing.MAX_BYTES // (1024 * 1024),
        "max_lines": importing.MAX_LINES,
    }
    return render(request, "groups/import.html", context, status=400 if refusal else 200)


def uploaded_file(request):
    early = importing.refuse_early(request.META.get("CONTENT_LENGTH"))
    if early:  # never parsed: the body is not read
        raise early
    upload = request.FILES.get("file")
    if upload is None:
        raise importing.FileRefused("Choose a CSV file to upload.")
    if upload.name.lower().endswith(SPREADSHEETS):
        raise importing.FileRefused(
            "This is a spreadsheet, not a CSV file: save it as “CSV UTF-8 (comma delimited)” "
            "and upload that."
        )
    return upload


def forget_old_uploads():
    """Uploads a day old that were never imported are deleted (they hold people's details)."""
    PeopleImport.objects.filter(
        state=PeopleImport.State.PREVIEWED, created_at__lt=timezone.now() - timedelta(days=1)
    ).delete()


@admin_required
def people_import_preview(request, import_id):
    """What each line will do; once imported, what it did."""
    record = get_object_or_404(PeopleImport, pk=import_id)
    context = {"record": record}
    if record.state == PeopleImport.State.PREVIEWED:
        lines = importing.parse(record.text)
        counts = importing.preview(lines, record.organization_id)
        show = request.GET.get("show", "error" if counts["error"] else "all")
        if show not in OUTCOMES:
            show = "all"
        shown = lines if show == "all" else [line for line in lines if line.outcome == show]
        context.update(
            counts=counts,
            total=len(lines),
            show=show,
            outcomes=OUTCOMES,
            page=Paginator(shown, LINES_PER_PAGE).get_page(request.GET.get("page")),
            background=len(lines) >= hooks.background_from,
        )
    return render(request, "groups/import_preview.html", context)


@admin_required
@require_POST
def people_import_run(request, import_id):
    """Import: decided again now; a file with an error line imports nothing."""
    with transaction.atomic():
        record = get_object_or_404(PeopleImport.objects.select_for_update(), pk=import_id)
        if record.state != PeopleImport.State.PREVIEWED:
            return redirect(record.progress_url or "people_import_preview", import_id=record.pk)
        lines = importing.parse(record.text)
        counts = importing.preview(lines, record.organization_id)
        if counts["error"]:
            messages.error(
                request,
                f"Nothing was imported: {counts['error']:,} "
                f"{'line has an error' if counts['error'] == 1 else 'lines have errors'}. "
                "Correct the file and upload it again.",
            )
            return redirect("people_import_preview", import_id=record.pk)
        url = (
            hooks.start_import(record, request.user)
            if len(lines) >= hooks.background_from
            else None
        )
        if url:
            record.state, record.progress_url = PeopleImport.State.IMPORTING, url
            record.save(update_fields=["state", "progress_url"])
            return redirect(url)
        importing.import_people(record, request.user)  # the page says what it did
    return redirect("people_import_preview", import_id=record.pk)


@admin_required
def people_import_template(request):
    """The template file: the columns, and two example lines."""
    response = HttpResponse(
        "\ufeff" + importing.TEMPLATE_CSV, content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="people-import-template.csv"'
    return response
