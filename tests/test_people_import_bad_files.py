"""Import people: a file that cannot be imported is refused with a clear message and
nothing is kept or imported; never a 500. UTF-8 with or without a BOM is read; any other
encoding, a spreadsheet, an empty file or one over the limits is refused."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from groups import importing
from groups.models import PeopleImport

GOOD = "name,email\nJosé Ñúñez,jose@testco.example\n"


def upload(client, data, name="people.csv"):
    return client.post(reverse("people_import"), {"file": SimpleUploadedFile(name, data)})


def refused(response, words):
    page = response.content.decode()
    assert response.status_code == 400, page
    assert words in page, page
    assert "Nothing was imported." in page
    assert not PeopleImport.objects.exists()
    assert User.objects.count() == 1  # the admin


@pytest.mark.parametrize(
    "data", [GOOD.encode("utf-8"), GOOD.encode("utf-8-sig")], ids=["utf-8", "bom"]
)
def test_utf8_with_or_without_a_bom_is_read(as_admin, admin, data):
    response = upload(as_admin, data)
    assert response.status_code == 302
    record = PeopleImport.objects.get()
    assert importing.parse(record.text)[0].first_name == "José"


def test_a_semicolon_separated_file_is_read(as_admin, admin):
    response = upload(as_admin, b"name;email;groups\nAnn Lee;ann@testco.example;\n")
    assert response.status_code == 302


def test_windows_1252_is_refused(as_admin, admin):
    refused(upload(as_admin, GOOD.encode("cp1252")), "The file is not in UTF-8 (line 2")


def test_utf16_is_refused(as_admin, admin):
    refused(upload(as_admin, GOOD.encode("utf-16")), "The file is in UTF-16")


def test_a_missing_email_column_is_refused(as_admin, admin):
    refused(
        upload(as_admin, b"name,mail address\nAnn,ann@testco.example\n"),
        "The file has no email column",
    )


def test_a_missing_name_column_is_refused(as_admin, admin):
    refused(
        upload(as_admin, b"email\nann@testco.example\n"),
        "no name (or first name and last name) column",
    )


def test_an_empty_file_is_refused(as_admin, admin):
    refused(upload(as_admin, b""), "The file is empty.")
    refused(upload(as_admin, b"\n\r\n  \n"), "The file is empty.")


def test_column_names_only_are_refused(as_admin, admin):
    refused(upload(as_admin, b"name,email\n"), "The file has the column names but no people.")


def test_no_file_chosen_is_refused(as_admin, admin):
    refused(as_admin.post(reverse("people_import"), {}), "Choose a CSV file to upload.")


def test_too_many_lines_are_refused(as_admin, admin):
    lines = "".join(f"P {i},p{i}@testco.example\n" for i in range(importing.MAX_LINES + 1))
    refused(upload(as_admin, ("name,email\n" + lines).encode()), "more than 10,000 people")


def test_a_file_over_5_mb_is_refused(as_admin, admin):
    data = b"name,email\n" + b"Ann Lee,ann@testco.example," + b"x" * (5 * 1024 * 1024) + b"\n"
    refused(upload(as_admin, data), "The file is over 5 MB")


def test_50_mb_of_junk_is_refused_by_its_size_before_it_is_read(as_admin, admin, monkeypatch):
    read = []
    monkeypatch.setattr(importing, "read_upload", lambda upload: read.append(upload))
    junk = os.urandom(1024 * 1024) * 50
    refused(upload(as_admin, junk, name="junk.csv"), "The file is over 5 MB")
    assert read == []  # refused on the request's declared length, the body never parsed


def test_binary_junk_under_the_limit_is_refused(as_admin, admin):
    response = upload(as_admin, os.urandom(200_000), name="junk.csv")
    page = response.content.decode()
    assert response.status_code == 400 and "Nothing was imported." in page


@pytest.mark.parametrize("name", ["people.xlsx", "people.csv"])
def test_a_spreadsheet_is_refused(as_admin, admin, name):
    xlsx = b"PK\x03\x04\x14\x00\x06\x00" + os.urandom(2000)  # a zip, as .xlsx files are
    refused(upload(as_admin, xlsx, name=name), "This is a spreadsheet")


def test_a_broken_quote_does_not_fail(as_admin, admin):
    response = upload(
        as_admin, b'name,email\n"Ann Lee,ann@testco.example\nBen,ben@testco.example\n'
    )
    assert response.status_code in (302, 400)


def test_members_cannot_upload(as_member, member):
    assert upload(as_member, GOOD.encode()).status_code == 403
    assert not PeopleImport.objects.exists()
