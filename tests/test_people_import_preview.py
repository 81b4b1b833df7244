"""Import people: the preview says, line by line, what the import will do (new, updated,
unchanged, error with its reason), in a few queries whatever the file's length, and keeps
the upload by id (not in the session)."""

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from groups.models import Group, Membership, PeopleImport

from .conftest import make_user

EVERY_KIND = (
    "name,email,groups,username\n"
    "José Ñúñez,jose.nunez@testco.example,Sales; Support,\n"  # 2 new, two groups
    "Bob Member,member@testco.example,,\n"  # 3 unchanged (the member as he is)
    "Alice Admin-Smith,admin@testco.example,Sales,\n"  # 4 updated: name, joins Sales
    "Dana Dup,jose.nunez@testco.example,,\n"  # 5 the same email as line 2
    "Eve Bad,not-an-email,,\n"  # 6 malformed
    "Finn Lost,finn@testco.example,Salse,\n"  # 7 unknown group
    "Charlie Outsider,admin@otherco.example,,\n"  # 8 another organization's person
    ",nameless@testco.example,,\n"  # 9 a new person needs a name
    "Gail Gone,gone@testco.example,,\n"  # 10 deactivated
    "Hugo Handle,hugo@testco.example,,hugo the great\n"  # 11 a username with spaces
    "Priya Raman,priya@testco.example,support,praman\n"  # 12 new, group named in lower case
)


def upload(client, text, name="people.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(reverse("people_import"), {"file": SimpleUploadedFile(name, data)})


def outcomes(page):
    """{line number: (outcome, reason)} read off the preview's table."""
    rows = re.findall(r"<tr>\s*<td>(\d+)</td>(.*?)</tr>", page, re.S)
    found = {}
    for number, cells in rows:
        badge = re.search(r'class="badge [a-z]+">(\w+)</span>\s*(.*?)</td>', cells, re.S)
        found[int(number)] = (badge.group(1), re.sub(r"<[^>]+>", "", badge.group(2)).strip())
    return found


def test_the_preview_says_what_each_line_will_do(as_admin, testco, admin, member, other_admin):
    Group.objects.create(organization=testco, name="Sales")
    Group.objects.create(organization=testco, name="Support")
    make_user(testco, "gone@testco.example", first="Gail", last="Gone", is_active=False)

    response = upload(as_admin, EVERY_KIND)

    record = PeopleImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("people_import_preview", kwargs={"import_id": record.pk})
    assert record.lines == 11 and record.state == "previewed"
    assert not [key for key in as_admin.session.keys() if "import" in key.lower()]
    page = as_admin.get(response.url + "?show=all").content.decode()
    lines = outcomes(page)
    assert lines[2] == ("New", "")
    assert lines[3] == ("Unchanged", "")
    assert lines[4] == ("Updated", "name Alice Admin → Alice Admin-Smith; joins Sales")
    assert lines[5] == ("Error", "The same email as line 2.")
    assert lines[6] == ("Error", "“not-an-email” is not an email address.")
    assert lines[7][0] == "Error" and "No group named “Salse”" in lines[7][1]
    assert lines[8] == ("Error", "This email belongs to an account outside your organization.")
    assert "OtherCo" not in page and "Charlie Outsider</td>" not in page.split("Line")[0]
    assert lines[9] == ("Error", "No name for this new person.")
    assert lines[10][0] == "Error" and "deactivated" in lines[10][1]
    assert lines[11][0] == "Error" and "cannot be a username" in lines[11][1]
    assert lines[12] == ("New", "")
    assert "7 lines have errors" in page
    assert "Upload a corrected file" in page and ">Import</button>" not in page


def test_errors_are_shown_first(as_admin, testco, admin):
    response = upload(as_admin, "name,email\nAnn,ann@testco.example\nBen,ben@\n")
    page = as_admin.get(response.url).content.decode()
    assert list(outcomes(page)) == [3]
    assert "1 line has an error" in page


def test_a_clean_file_offers_import(as_admin, testco, admin):
    response = upload(as_admin, "first name,last name,email\nAnn,Lee,ann@testco.example\n")
    page = as_admin.get(response.url).content.decode()
    assert outcomes(page) == {2: ("New", "")}
    assert ">Import</button>" in page


def test_the_preview_of_10000_lines_takes_a_few_queries(
    as_admin, testco, admin, django_assert_max_num_queries
):
    sales = Group.objects.create(organization=testco, name="Sales")
    known = [make_user(testco, f"p{i}@testco.example", first=f"P{i}") for i in range(30)]
    Membership.objects.bulk_create(
        Membership(organization=testco, group=sales, user=p) for p in known[:10]
    )
    text = "name,email,groups\n" + "".join(
        f"Person {i},p{i}@testco.example,Sales\n" for i in range(10_000)
    )
    with django_assert_max_num_queries(12):
        response = upload(as_admin, text)
    assert response.status_code == 302
    with django_assert_max_num_queries(12):
        page = as_admin.get(response.url).content.decode()
    assert "9970" in page and "30" in page  # new, updated
    assert page.count("<tr>") <= 101  # a page of lines, not 10,000


def test_the_template_file_has_the_columns(as_admin, admin):
    response = as_admin.get(reverse("people_import_template"))
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode("utf-8-sig").splitlines()[0] == "name,email,groups,username"


def test_the_people_page_links_to_the_import(as_admin, admin):
    page = as_admin.get(reverse("people")).content.decode()
    assert f'href="{reverse("people_import")}">Import people</a>' in page
