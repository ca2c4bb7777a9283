"""The notice to the person a task on a case was assigned to."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0011_center_auditor'),
        ('cases', '0014_case_tasks'),
        ('notifications', '0009_watched'),
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
            field=models.CharField(choices=[('state_lines', 'Case spans state lines'), ('shared', 'Shared with you'), ('annotated', 'Annotated'), ('accounts_disabled', 'Accounts disabled'), ('review_due', 'Criminal intelligence due for review'), ('corrected', 'Criminal intelligence corrected'), ('purged', 'Criminal intelligence purged'), ('auto_purged', 'Overdue records purged automatically'), ('deconfliction', 'Deconfliction match'), ('access_requested', 'Access requested'), ('access_answered', 'Access request answered'), ('watched', 'A subject you watch was linked'), ('task_assigned', 'Task assigned to you')], max_length=20),
        ),
        migrations.AlterField(
            model_name='outboxevent',
            name='kind',
            field=models.CharField(choices=[('state_lines', 'Case spans state lines'), ('shared', 'Shared with you'), ('annotated', 'Annotated'), ('accounts_disabled', 'Accounts disabled'), ('review_due', 'Criminal intelligence due for review'), ('corrected', 'Criminal intelligence corrected'), ('purged', 'Criminal intelligence purged'), ('auto_purged', 'Overdue records purged automatically'), ('deconfliction', 'Deconfliction match'), ('access_requested', 'Access requested'), ('access_answered', 'Access request answered'), ('watched', 'A subject you watch was linked'), ('task_assigned', 'Task assigned to you')], max_length=20),
        ),
        migrations.AddConstraint(
            model_name='outboxevent',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['state_lines', 'shared', 'annotated', 'accounts_disabled', 'review_due', 'corrected', 'purged', 'auto_purged', 'deconfliction', 'access_requested', 'access_answered', 'watched', 'task_assigned'])), name='outbox_kind_valid'),
        ),
    ]
