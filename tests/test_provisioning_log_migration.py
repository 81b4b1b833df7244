"""Events recorded before the provisioning log had its columns get them from the migration
(provisioning 0014), in one statement: the app from the account, the action from the job or
the message, the outcome from the status change and the message."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("provisioning", "0013_connection_next_call_at")]
AFTER = [("provisioning", "0014_account_event_log")]


@pytest.fixture
def old_apps():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    # The other apps as they are now, provisioning before the log's columns.
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] != "provisioning"]
    yield executor.loader.project_state(others + BEFORE).apps
    executor = MigrationExecutor(connection)  # every app at its latest again
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)  # the rows committed, as a real database has them
def test_old_events_are_filled_in(old_apps):
    Organization = old_apps.get_model("accounts", "Organization")
    CatalogApp = old_apps.get_model("apps_catalog", "CatalogApp")
    TenantApp = old_apps.get_model("apps_catalog", "TenantApp")
    AppAccount = old_apps.get_model("provisioning", "AppAccount")
    Job = old_apps.get_model("provisioning", "Job")
    Event = old_apps.get_model("provisioning", "AccountEvent")
    org = Organization.objects.create(name="OldCo")
    app = TenantApp.objects.create(
        organization=org, catalog_app=CatalogApp.objects.get(key="scim"), name="Old app"
    )
    account = AppAccount.objects.create(organization=org, app=app, email="a@oldco.example")
    create = Job.objects.create(
        organization=org, account=account, app=app, action="create", trigger="assign users"
    )
    suspend = Job.objects.create(
        organization=org, account=account, app=app, action="suspend", trigger="group Sales"
    )
    rows = [
        (create, "", "pending", "Queued: create account (assign users)."),
        (create, "pending", "provisioning", "Attempt 1."),
        (create, "provisioning", "pending", "The app had an error (500). Retrying at 10:00."),
        (create, "provisioning", "pending", NO_CREDENTIALS),
        (create, "provisioning", "failed", "The app refused the request (400)."),
        (create, "provisioning", "created", "Account created."),
        (suspend, "created", "created", "Suspend failed: Not found (404)."),
        (suspend, "created", "suspended", "Suspended in the app."),
        (None, "created", "active", "First sign-in via My Apps."),
        (None, "active", "active", "Linked by hand to Bob (bob@oldco.example)."),
        (None, "pending", "deprovisioned", "Cancelled before it was created."),
        (None, "failed", "pending", "Queued again (retry)."),
        (None, "active", "suspended", "Done by hand in the app: Suspend it."),
    ]
    ids = [
        Event.objects.create(
            organization=org,
            account=account,
            job=job,
            from_status=before,
            to_status=after,
            message=message,
        ).pk
        for job, before, after, message in rows
    ]
    MigrationExecutor(connection).migrate(AFTER)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, app_id, action, outcome FROM provisioning_accountevent WHERE id = ANY(%s)"
            if connection.vendor == "postgresql"
            else f"SELECT id, app_id, action, outcome FROM provisioning_accountevent "
            f"WHERE id IN ({', '.join(map(str, ids))})",
            [ids] if connection.vendor == "postgresql" else [],
        )
        found = {pk: rest for pk, *rest in cursor.fetchall()}
    filled = [found[pk] for pk in ids]
    assert {str(app_id).replace("-", "") for app_id, _, _ in filled} == {app.pk.hex}
    assert [(action, outcome) for _, action, outcome in filled] == [
        ("create", "queued"),
        ("create", "started"),
        ("create", "retrying"),
        ("create", "held"),
        ("create", "failed"),
        ("create", "succeeded"),
        ("suspend", "failed"),
        ("suspend", "succeeded"),
        ("sign_in", "noted"),
        ("link", "succeeded"),
        ("create", "cancelled"),
        ("", "queued"),
        ("", "succeeded"),
    ]


NO_CREDENTIALS = "Waiting for working credentials: open the app and enter them."
