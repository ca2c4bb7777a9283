"""The account life cycle (CJIS AC-2(3)): a temporary account's expiry, and what the daily check
needs to disable an account unused for ACCOUNT_INACTIVE_DAYS or expired. Accounts that exist
already count their unused days from their creation (or their last log-in, when later), as new
ones do."""

import django.db.models.functions.datetime
import django.utils.timezone
from django.db import migrations, models
from django.db.models import F


def clock_from_creation(apps, schema_editor):
    # One UPDATE, whatever the number of accounts.
    apps.get_model("agencies", "User").objects.update(enabled_at=F("date_joined"))


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0005_mfa'),
        ('auth', '0012_alter_user_first_name_max_length'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='disabled_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='user',
            name='disabled_reason',
            field=models.CharField(blank=True, choices=[('', 'Not disabled by the portal'), ('inactive', 'Unused for too long'), ('expired', 'Expired')], db_default='', default='', max_length=10),
        ),
        migrations.AddField(
            model_name='user',
            name='enabled_at',
            field=models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), default=django.utils.timezone.now),
        ),
        migrations.AddField(
            model_name='user',
            name='expires_at',
            field=models.DateTimeField(blank=True, help_text='A temporary account cannot sign in from this time (UTC) on.', null=True, verbose_name='expires'),
        ),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.CheckConstraint(condition=models.Q(('disabled_reason__in', ['', 'inactive', 'expired'])), name='user_disabled_reason_valid'),
        ),
        migrations.RunPython(clock_from_creation, migrations.RunPython.noop),
    ]
