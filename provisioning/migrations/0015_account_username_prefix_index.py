"""Assign Users' suggested usernames look up the app's usernames by prefix (one range per
base on this index). PostgreSQL only: an expression index with text_pattern_ops, which
SQLite (the embedded default) neither needs nor knows."""

from django.db import migrations

INDEX = "account_app_username_prefix"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON provisioning_appaccount "
            "(app_id, lower(username) text_pattern_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("provisioning", "0014_account_event_log")]

    operations = [migrations.RunPython(create, drop)]
