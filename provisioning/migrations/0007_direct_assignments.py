from django.db import migrations


def assign_directly(apps, schema_editor):
    """Accounts the console provisioned before assignments were kept: each is a direct
    assignment, unless a group's auto-provisioning made it (its first job says "group ...").
    So no person loses an account because of this upgrade."""
    AppAccount = apps.get_model("provisioning", "AppAccount")
    Job = apps.get_model("provisioning", "Job")
    Assignment = apps.get_model("provisioning", "Assignment")
    by_group = set(
        Job.objects.filter(trigger__startswith="group ").values_list("account_id", flat=True)
    )
    rows = [
        Assignment(organization_id=org, app_id=app, user_id=user)
        for pk, org, app, user in AppAccount.objects.filter(user__isnull=False).values_list(
            "pk", "organization_id", "app_id", "user_id"
        )
        if pk not in by_group
    ]
    Assignment.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("provisioning", "0006_assignment_plan_todo")]

    operations = [migrations.RunPython(assign_directly, migrations.RunPython.noop)]
