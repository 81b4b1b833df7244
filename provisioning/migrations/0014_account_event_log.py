"""The provisioning log: each event names its app, its action and its outcome (columns, so the
log's filters are indexed queries) and whom it is about (what the search reads beside the
message), with the indexes the log reads.

Existing events are filled in one UPDATE (a single pass over the table, set-based: no row
goes through Python), before the indexes are built: the app and whom from the account, the
action from the job (or, for events without one, from their message), the outcome from the
status change and the message the engine wrote.

On PostgreSQL the search has a trigram index (pg_trgm, a trusted extension: the database's
owner may create it). Where the extension cannot be created the index is left out and the
search reads the rows instead (slower on a big log, the same answers)."""

import logging

import django.db.models.deletion
from django.db import DatabaseError, migrations, models, transaction

logger = logging.getLogger("provisioning")

# (outcome, SQL condition) in order: the first that holds. Messages are the engine's own
# (results.py, lifecycle.py, services.py, runs.py, app_only.py before this migration).
OUTCOME = """CASE
    WHEN e.message LIKE %s THEN 'queued'
    WHEN e.to_status = 'provisioning' THEN 'started'
    WHEN e.message LIKE %s THEN 'retrying'
    WHEN e.to_status = 'failed' OR e.message LIKE %s THEN 'failed'
    WHEN e.message LIKE %s THEN 'cancelled'
    WHEN e.job_id IS NOT NULL AND e.to_status = 'pending' THEN 'held'
    WHEN e.job_id IS NOT NULL OR e.message LIKE %s OR e.message LIKE %s THEN 'succeeded'
    ELSE 'noted'
END"""
OUTCOME_PATTERNS = [
    "Queued%",
    "%Retrying at%",
    "% failed: %",
    "Cancelled%",
    "Done by hand%",
    "Linked by hand%",
]
# An event without a job: what its message says happened.
ACTION_WITHOUT_JOB = """CASE
    WHEN e.message LIKE %s OR e.message LIKE %s THEN 'sign_in'
    WHEN e.message LIKE %s THEN 'link'
    WHEN e.message LIKE %s THEN 'create'
    ELSE ''
END"""
ACTION_PATTERNS = [
    "First sign-in%",
    "The app reports the first sign-in%",
    "Linked by hand%",
    "Cancelled%",
]


# AccountEvent.who_of, in SQL (a repeated username is no harm to a search).
WHO = "TRIM(TRIM(a.first_name || ' ' || a.last_name) || ' ' || a.email || ' ' || a.username)"
# The expression log.SearchText renders: a word is found in it through its trigrams.
SEARCH_INDEX = (
    "CREATE INDEX event_log_search ON provisioning_accountevent "
    "USING gin ((UPPER((who || ' ' || message))) gin_trgm_ops)"
)


def search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as error:
        logger.warning("No pg_trgm (%s): the provisioning log's search has no index.", error)
        return
    schema_editor.execute(SEARCH_INDEX)


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS event_log_search")


def fill(apps, schema_editor):
    connection = schema_editor.connection
    table = "provisioning_accountevent"
    if connection.vendor == "postgresql":
        # One pass: the accounts and jobs joined once (hash joins), not looked up per row.
        sql = f"""
            UPDATE {table} e SET
                app_id = s.app_id,
                who = s.who,
                action = COALESCE(s.job_action, {ACTION_WITHOUT_JOB}),
                outcome = {OUTCOME}
            FROM (
                SELECT ev.id, a.app_id, j.action AS job_action, {WHO} AS who
                FROM {table} ev
                JOIN provisioning_appaccount a ON a.id = ev.account_id
                LEFT JOIN provisioning_job j ON j.id = ev.job_id
            ) s
            WHERE s.id = e.id
        """
    else:
        sql = f"""
            UPDATE {table} AS e SET
                app_id = (SELECT a.app_id FROM provisioning_appaccount a WHERE a.id = e.account_id),
                who = (SELECT {WHO} FROM provisioning_appaccount a WHERE a.id = e.account_id),
                action = COALESCE(
                    (SELECT j.action FROM provisioning_job j WHERE j.id = e.job_id),
                    {ACTION_WITHOUT_JOB}
                ),
                outcome = {OUTCOME}
        """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The new foreign key is checked now, not at commit: ALTER TABLE below refuses a
            # table with checks still pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(sql, ACTION_PATTERNS + OUTCOME_PATTERNS)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):
    dependencies = [
        ("apps_catalog", "0005_tenantapp_archived_at"),
        ("provisioning", "0013_connection_next_call_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="accountevent",
            name="action",
            field=models.CharField(
                blank=True,
                choices=[
                    ("create", "Create account"),
                    ("link", "Link existing account"),
                    ("update", "Update account"),
                    ("suspend", "Suspend account"),
                    ("reactivate", "Reactivate account"),
                    ("delete", "Delete account"),
                    ("sign_in", "First sign-in"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="accountevent",
            name="app",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="apps_catalog.tenantapp",
            ),
        ),
        migrations.AddField(
            model_name="accountevent",
            name="outcome",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("started", "Sent to the app"),
                    ("succeeded", "Succeeded"),
                    ("retrying", "Will retry"),
                    ("held", "Waiting for credentials"),
                    ("failed", "Failed"),
                    ("cancelled", "Cancelled"),
                    ("noted", "Noted"),
                ],
                default="noted",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="accountevent",
            name="who",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="accountevent",
            name="app",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="apps_catalog.tenantapp",
            ),
        ),
        migrations.AlterField(
            model_name="accountevent",
            name="account",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="events",
                to="provisioning.appaccount",
            ),
        ),
        migrations.AlterField(
            model_name="accountevent",
            name="organization",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                to="accounts.organization",
            ),
        ),
        migrations.AddIndex(
            model_name="accountevent",
            index=models.Index(fields=["organization", "created_at", "id"], name="event_log"),
        ),
        migrations.AddIndex(
            model_name="accountevent",
            index=models.Index(fields=["app", "created_at", "id"], name="event_log_app"),
        ),
        migrations.AddIndex(
            model_name="accountevent",
            index=models.Index(
                fields=["organization", "outcome", "created_at", "id"], name="event_log_outcome"
            ),
        ),
        migrations.AddIndex(
            model_name="accountevent",
            index=models.Index(
                fields=["organization", "action", "created_at", "id"], name="event_log_action"
            ),
        ),
        migrations.RunPython(search_index, drop_search_index),
    ]
