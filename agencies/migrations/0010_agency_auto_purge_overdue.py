"""28 CFR 23.20(h): an agency may choose to have its overdue criminal intelligence purged by the
daily review task (off for every agency)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0009_cfr23_roles'),
    ]

    operations = [
        migrations.AddField(
            model_name='agency',
            name='auto_purge_overdue',
            field=models.BooleanField(db_default=False, default=False, help_text='The daily review task purges criminal intelligence whose review is overdue, and tells its control official.', verbose_name='purge overdue records automatically'),
        ),
    ]
