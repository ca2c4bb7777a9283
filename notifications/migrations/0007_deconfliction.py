"""The deconfliction notice (a subject linked by two agencies, one of which cannot see the
other's record)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0010_agency_auto_purge_overdue'),
        ('cases', '0010_subject_matches'),
        ('notifications', '0006_cfr23_corrected_purged'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='outboxevent',
            name='outbox_kind_valid',
        ),
        migrations.AlterField(
            model_name='notification',
            name='kind',
            field=models.CharField(choices=[('state_lines', 'Case spans state lines'), ('shared', 'Shared with you'), ('annotated', 'Annotated'), ('accounts_disabled', 'Accounts disabled'), ('review_due', 'Criminal intelligence due for review'), ('corrected', 'Criminal intelligence corrected'), ('purged', 'Criminal intelligence purged'), ('auto_purged', 'Overdue records purged automatically'), ('deconfliction', 'Deconfliction match')], max_length=20),
        ),
        migrations.AlterField(
            model_name='outboxevent',
            name='kind',
            field=models.CharField(choices=[('state_lines', 'Case spans state lines'), ('shared', 'Shared with you'), ('annotated', 'Annotated'), ('accounts_disabled', 'Accounts disabled'), ('review_due', 'Criminal intelligence due for review'), ('corrected', 'Criminal intelligence corrected'), ('purged', 'Criminal intelligence purged'), ('auto_purged', 'Overdue records purged automatically'), ('deconfliction', 'Deconfliction match')], max_length=20),
        ),
        migrations.AddConstraint(
            model_name='outboxevent',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['state_lines', 'shared', 'annotated', 'accounts_disabled', 'review_due', 'corrected', 'purged', 'auto_purged', 'deconfliction'])), name='outbox_kind_valid'),
        ),
    ]
