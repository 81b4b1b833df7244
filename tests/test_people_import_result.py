"""Import people: Import does what the preview said. New people are added as members,
updated ones are edited through the person-edit path (the apps get a new name), and people
join their groups through the normal path, so Method 2 provisions them as if added by hand.
A per-person username is kept on the person and used for their new seats."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEntry, User
from apps_catalog.models import GroupApp
from groups.models import Group, PeopleImport
from provisioning import changes
from provisioning.models import AppAccount, Job

from .conftest import make_user
from .lifecycle_helpers import remote_user, run_queued

FILE = (
    "name,email,groups,username\n"
    "José Ñúñez,jose.nunez@testco.example,Sales; Support,\n"
    "Priya Raman,priya@testco.example,sales,praman\n"
    "Roberto Member,member@testco.example,,\n"  # the member renamed
    "Alice Admin,admin@testco.example,Support,\n"  # joins Support
    "Kim Kept,kim@testco.example,Support,\n"  # unchanged: in Support already
)


def upload(client, text):
    response = client.post(
        reverse("people_import"), {"file": SimpleUploadedFile("people.csv", text.encode())}
    )
    assert response.status_code == 302, response.content.decode()
    return PeopleImport.objects.get(pk=response.url.rstrip("/").split("/")[-1])


def run_import(client, record):
    return client.post(reverse("people_import_run", kwargs={"import_id": record.pk}), follow=True)


def test_import_adds_updates_and_joins_groups(as_admin, testco, admin, member):
    sales = Group.objects.create(organization=testco, name="Sales")
    support = Group.objects.create(organization=testco, name="Support")
    kim = make_user(testco, "kim@testco.example", first="Kim", last="Kept")
    support.memberships.create(organization=testco, user=kim)
    record = upload(as_admin, FILE)

    page = run_import(as_admin, record).content.decode()

    assert "Imported. 2 people added, 2 updated, 1 unchanged." in page
    assert "Joined: Sales (2), Support (2)" in page
    jose = User.objects.get(email="jose.nunez@testco.example")
    assert (jose.first_name, jose.last_name, jose.role) == ("José", "Ñúñez", "member")
    assert not jose.has_usable_password() and jose.organization == testco
    assert User.objects.get(email="priya@testco.example").app_username == "praman"
    member.refresh_from_db()
    assert member.full_name == "Roberto Member"
    assert set(sales.members.values_list("email", flat=True)) == {
        "jose.nunez@testco.example",
        "priya@testco.example",
    }
    assert set(support.members.values_list("email", flat=True)) == {
        "jose.nunez@testco.example",
        "admin@testco.example",
        "kim@testco.example",
    }
    record.refresh_from_db()
    assert record.state == "done" and record.text == ""  # the file is not kept
    actions = sorted(
        AuditEntry.objects.filter(action__startswith="person_").values_list("action", "object_id")
    )
    assert actions == sorted(
        [
            ("person_created", str(jose.pk)),
            ("person_created", str(User.objects.get(email="priya@testco.example").pk)),
            ("person_edited", str(member.pk)),
        ]
    )


def test_importing_again_changes_nothing(as_admin, testco, admin):
    Group.objects.create(organization=testco, name="Sales")
    text = "name,email,groups\nAnn Lee,ann@testco.example,Sales\n"
    run_import(as_admin, upload(as_admin, text))
    page = run_import(as_admin, upload(as_admin, text)).content.decode()
    assert "0 people added, 0 updated, 1 unchanged." in page
    assert User.objects.filter(email="ann@testco.example").count() == 1


def test_a_file_with_an_error_imports_nothing(as_admin, testco, admin):
    record = upload(as_admin, "name,email\nAnn Lee,ann@testco.example\nBen,ben@\n")
    page = run_import(as_admin, record).content.decode()
    assert "Nothing was imported: 1 line has an error." in page
    assert not User.objects.filter(email="ann@testco.example").exists()
    record.refresh_from_db()
    assert record.state == "previewed"


def test_a_line_that_became_an_error_after_the_preview_imports_nothing(
    as_admin, testco, admin, otherco
):
    record = upload(as_admin, "name,email\nAnn Lee,ann@testco.example\n")
    make_user(otherco, "ann@testco.example")  # taken meanwhile by another organization
    page = run_import(as_admin, record).content.decode()
    assert "Nothing was imported" in page
    assert User.objects.filter(email="ann@testco.example", organization=testco).count() == 0


def test_imported_people_are_provisioned_by_their_groups_apps(
    as_admin, testco, admin, scim_app, scim_server
):
    sales = Group.objects.create(organization=testco, name="Sales")
    scim_app.group_auto_provisioning = True
    scim_app.save()
    GroupApp.objects.create(organization=testco, group=sales, app=scim_app)

    run_import(
        as_admin,
        upload(
            as_admin,
            "name,email,groups,username\n"
            "José Ñúñez,jose@testco.example,Sales,\n"
            "Priya Raman,priya@testco.example,Sales,praman\n",
        ),
    )
    run_queued()

    accounts = dict(AppAccount.objects.filter(app=scim_app).values_list("email", "username"))
    assert accounts == {
        "jose@testco.example": "jose@testco.example",
        "priya@testco.example": "praman",
    }
    assert sorted(r.user_name for r in scim_server.storage.resources) == [
        "jose@testco.example",
        "praman",
    ]


def test_a_new_name_reaches_the_apps(as_admin, testco, admin, member, scim_app, scim_server):
    changes.confirm(changes.Assign(member, scim_app), scim_app.organization_id, admin)
    run_queued()
    account = AppAccount.objects.get(app=scim_app, user=member)

    run_import(
        as_admin,
        upload(as_admin, "first name,last name,email\nRoberto,Ñúñez,member@testco.example\n"),
    )
    run_queued()

    assert Job.objects.filter(action=Job.Action.UPDATE, account=account).exists()
    stored = remote_user(scim_server, account)
    assert (stored.name.given_name, stored.name.family_name) == ("Roberto", "Ñúñez")


def test_admins_only(as_member, as_admin, member, admin):
    assert as_member.get(reverse("people_import")).status_code == 403
    assert as_member.get(reverse("people_import_template")).status_code == 403
    record = upload(as_admin, "name,email\nAnn Lee,ann@testco.example\n")
    url = reverse("people_import_run", kwargs={"import_id": record.pk})
    assert as_member.post(url).status_code == 403
    assert not User.objects.filter(email="ann@testco.example").exists()


def test_another_organizations_admin_cannot_see_or_run_an_upload(
    as_admin, as_other_admin, admin, other_admin
):
    record = upload(as_admin, "name,email\nAnn Lee,ann@testco.example\n")
    preview = reverse("people_import_preview", kwargs={"import_id": record.pk})
    assert as_other_admin.get(preview).status_code == 404
    assert (
        as_other_admin.post(
            reverse("people_import_run", kwargs={"import_id": record.pk})
        ).status_code
        == 404
    )
    assert not User.objects.filter(email="ann@testco.example").exists()


def test_another_organizations_person_is_not_touched(
    as_other_admin, testco, admin, other_admin, member
):
    Group.objects.create(organization=other_admin.organization, name="Sales")
    record = upload(
        as_other_admin, "name,email,groups\nMallory Renamed,member@testco.example,Sales\n"
    )
    page = run_import(as_other_admin, record).content.decode()
    assert "Nothing was imported" in page
    assert "TestCo" not in page and "Bob" not in page
    member.refresh_from_db()
    assert member.full_name == "Bob Member" and not member.groups.exists()
