"""OtherCo's admin gets a 404 on every page that takes one of TestCo's object ids."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_scopes import scope
from django_scopes.exceptions import ScopeError

from accounts.models import AuditEntry, User
from apps_catalog.models import CatalogApp, GroupApp, TenantApp
from groups.models import Group, Membership, PeopleImport
from notifications.models import Email
from provisioning.models import AppAccount, BackgroundAction, Job, Plan, ToDo
from provisioning.status import Status


def id_patterns(resolver=None, prefix=""):
    """(name, kwarg names) of every URL pattern that takes a UUID."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from id_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            converters = entry.pattern.converters
            uuid_kwargs = [k for k, c in converters.items() if type(c).__name__ == "UUIDConverter"]
            if uuid_kwargs:
                yield entry.name, sorted(converters)


@pytest.fixture
def testco_objects(testco, member):
    group = Group.objects.create(organization=testco, name="Sales")
    Membership.objects.create(organization=testco, group=group, user=member)
    app = TenantApp.objects.create(
        organization=testco, catalog_app=CatalogApp.objects.get(key="slack"), name="Slack"
    )
    GroupApp.objects.create(organization=testco, group=group, app=app)
    account = AppAccount.objects.create(
        organization=testco, app=app, user=member, email=member.email, status=Status.FAILED
    )
    email = Email.objects.create(
        organization_id=testco.pk, to=member.email, subject="Hi", state=Email.State.FAILED
    )
    plan = Plan.objects.create(organization=testco, title="Suspending 30 accounts", trigger="t")
    todo = ToDo.objects.create(
        organization=testco, account=account, action=Job.Action.SUSPEND, note="By hand"
    )
    action = BackgroundAction.objects.create(organization=testco, kind="add_members", title="Add")
    entry = AuditEntry.objects.create(
        organization=testco, action="group_created", object_label="Sales"
    )
    upload = PeopleImport.objects.create(
        organization=testco, file_name="people.csv", text="name,email\nAnn,ann@testco.example\n"
    )
    return {
        "import_id": upload.pk,
        "entry_id": entry.pk,
        "action_id": action.pk,
        "plan_id": plan.pk,
        "todo_id": todo.pk,
        "user_id": member.pk,
        "group_id": group.pk,
        "app_id": app.pk,
        "account_id": account.pk,
        "email_id": email.pk,
    }


def test_every_id_pattern_is_walked():
    walked = {name for name, _ in id_patterns()}
    assert {"person_edit", "group_detail", "app_detail"} <= walked


@pytest.mark.parametrize("name, kwarg_names", list(id_patterns()), ids=lambda v: str(v))
def test_other_organizations_admin_gets_404(as_other_admin, testco_objects, name, kwarg_names):
    missing = set(kwarg_names) - set(testco_objects)
    assert not missing, f"add TestCo objects for {missing} to this test"
    url = reverse(name, kwargs={k: testco_objects[k] for k in kwarg_names})
    assert as_other_admin.get(url).status_code in (404, 405)
    assert as_other_admin.post(url, {"name": "hijack", "active": "0"}).status_code == 404


def test_nothing_of_testco_changed_after_the_walk(as_other_admin, testco_objects, member):
    for name, kwarg_names in id_patterns():
        url = reverse(name, kwargs={k: testco_objects[k] for k in kwarg_names})
        as_other_admin.post(url, {"name": "hijack", "active": "0"})
    member.refresh_from_db()
    assert member.is_active
    assert Group.objects.get(pk=testco_objects["group_id"]).name == "Sales"
    assert TenantApp.objects.filter(pk=testco_objects["app_id"]).exists()
    assert AppAccount.objects.get(pk=testco_objects["account_id"]).status == Status.FAILED
    assert Email.objects.get(pk=testco_objects["email_id"]).state == Email.State.FAILED
    assert Plan.objects.get(pk=testco_objects["plan_id"]).state == Plan.State.AWAITING
    assert ToDo.objects.get(pk=testco_objects["todo_id"]).done_at is None
    assert Membership.objects.filter(group_id=testco_objects["group_id"], user=member).exists()
    assert GroupApp.objects.filter(group_id=testco_objects["group_id"]).exists()


def test_lists_show_only_the_own_organizations_rows(as_other_admin, testco_objects, member):
    for url in (
        reverse("people"),
        reverse("group_list"),
        reverse("manage_apps"),
        reverse("dashboard"),
    ):
        page = as_other_admin.get(url).content.decode()
        assert member.email not in page and "Sales" not in page and "Slack<" not in page


def test_a_query_outside_any_scope_raises_instead_of_leaking(testco, otherco):
    with scope():  # an enabled scope that names no organization
        with pytest.raises(ScopeError):
            list(User.objects.all())
    with scope(organization=otherco.pk):
        assert not Group.objects.filter(organization=testco).exists()
