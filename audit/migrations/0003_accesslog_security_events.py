"""The refused log-on, the lockout and its release join the security events (CJIS AU-2, AC-7). Only the choices change: no SQL runs,
so the partitioned table of 0002 is untouched."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_accesslog_partitioned_by_month")]

    operations = [
        migrations.AlterField(
            model_name="accesslog",
            name="action",
            field=models.CharField(
                choices=[
                    ("read", "Read"), ("list", "Listed"), ("download", "Downloaded"),
                    ("create", "Created"), ("update", "Changed"), ("annotate", "Annotated"),
                    ("share", "Shared"), ("unshare", "Withdrew a share"),
                    ("attach", "Attached a file"), ("login", "Logged in"),
                    ("login_failed", "Log-in refused"), ("logout", "Logged out"),
                    ("lockout", "Account locked"), ("release", "Account released"),
                    ("admin", "Administered"),
                ],
                max_length=20,
            ),
        ),
    ]
