import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """Failure digests to the admins (digests.py): what they were told already. Existing
    connections start from now: old failures are not mailed after the upgrade."""

    dependencies = [
        ("provisioning", "0015_account_username_prefix_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="connection",
            name="failures_told_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddIndex(
            model_name="job",
            index=models.Index(
                condition=models.Q(("state", "failed")),
                fields=["app", "finished_at"],
                name="job_failed_finished",
            ),
        ),
    ]
