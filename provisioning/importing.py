"""Importing people from a CSV file in the background (groups/importing.py does the work):
a big file is accepted at once and its progress shown. The kind lives here because the
background actions do; groups asks for it through groups.hooks.start_import."""

from django.urls import reverse

from . import background


def start_import(upload, by):
    action = background.start(
        upload.organization_id,
        "import_people",
        f"Importing people from {upload.file_name or 'a CSV file'}",
        {"import_id": str(upload.pk)},
        by=by,
        back_url=reverse("people_import_preview", kwargs={"import_id": upload.pk}),
    )
    return reverse("background_action", kwargs={"action_id": action.pk})


@background.kind("import_people")
def import_people(action, report):
    """params: import_id. A restart goes on after the last batch done."""
    from groups import importing
    from groups.models import PeopleImport

    upload = PeopleImport.objects.get(pk=action.params["import_id"])
    if upload.state == PeopleImport.State.DONE:
        return upload.result
    return importing.import_people(upload, action.requested_by, report)
