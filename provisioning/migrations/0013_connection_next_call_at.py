import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("provisioning", "0012_connection_paused_until"),
    ]

    operations = [
        migrations.AddField(
            model_name="connection",
            name="next_call_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
    ]
