"""Import people: a big file (from 200 lines) is imported by the worker, with progress the
admin can watch; a restart after a dead worker goes on where it stopped."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from groups import importing
from groups.models import Group, PeopleImport
from provisioning import background
from provisioning.models import BackgroundAction

from .conftest import make_user


def big_file(count):
    return "name,email,groups\n" + "".join(
        f"Person {i},p{i}@testco.example,Sales\n" for i in range(count)
    )


def upload(client, text):
    response = client.post(
        reverse("people_import"), {"file": SimpleUploadedFile("all.csv", text.encode())}
    )
    assert response.status_code == 302
    return PeopleImport.objects.get()


def test_10000_lines_are_imported_in_the_background(as_admin, testco, admin, committed):
    sales = Group.objects.create(organization=testco, name="Sales")
    make_user(testco, "p0@testco.example", first="Old", last="Name")
    record = upload(as_admin, big_file(10_000))

    with committed():  # eager Celery: the worker's part runs when this commits
        response = as_admin.post(reverse("people_import_run", kwargs={"import_id": record.pk}))

    action = BackgroundAction.objects.get(kind="import_people")
    assert response.url == reverse("background_action", kwargs={"action_id": action.pk})
    assert (action.state, action.done, action.total) == ("done", 10_000, 10_000)
    assert action.message == (
        "9,999 people added, 1 updated, 0 unchanged. Joined: Sales (10,000); their group apps "
        "are provisioned as Assignment Settings say."
    )
    assert User.objects.filter(organization=testco).count() == 10_001
    assert sales.memberships.count() == 10_000
    page = as_admin.get(response.url).content.decode()
    assert "9,999 people added" in page
    record.refresh_from_db()
    assert record.state == "done" and record.text == ""
    preview = as_admin.get(reverse("people_import_preview", kwargs={"import_id": record.pk}))
    assert "Imported. 9,999 people added" in preview.content.decode()


def test_the_progress_page_shows_lines_done(as_admin, testco, admin):
    Group.objects.create(organization=testco, name="Sales")
    record = upload(as_admin, big_file(250))
    response = as_admin.post(reverse("people_import_run", kwargs={"import_id": record.pk}))
    page = as_admin.get(response.url).content.decode()
    assert "Importing people from all.csv" in page
    assert "You can leave this page" in page
    record.refresh_from_db()
    assert record.state == "importing"
    # Import again while it runs: the progress page, not a second import.
    again = as_admin.post(reverse("people_import_run", kwargs={"import_id": record.pk}))
    assert again.url == response.url
    assert BackgroundAction.objects.count() == 1


def test_a_restart_goes_on_after_the_batches_done(as_admin, testco, admin, committed):
    Group.objects.create(organization=testco, name="Sales")
    record = upload(as_admin, big_file(1_200))
    lines = importing.parse(record.text)
    importing.preview(lines[:500], testco.pk)  # the first batch was done before the crash
    counts = importing.write(lines[:500], record, admin)
    PeopleImport.objects.filter(pk=record.pk).update(
        imported_lines=500, counts=dict(counts), state=PeopleImport.State.IMPORTING
    )
    action = BackgroundAction.objects.create(
        organization=testco,
        kind="import_people",
        title="Importing",
        params={"import_id": str(record.pk)},
        requested_by=admin,
    )
    with committed():
        assert background.run(action.pk) == "done"
    action.refresh_from_db()
    assert action.message.startswith("1,200 people added, 0 updated, 0 unchanged.")
    assert User.objects.filter(organization=testco).count() == 1_201
