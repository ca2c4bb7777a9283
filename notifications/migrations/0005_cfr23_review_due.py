"""28 CFR 23.20(h): the daily notice to a control official of the records due for review."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0009_cfr23_roles'),
        ('cases', '0008_disseminations'),
        ('notifications', '0004_account_events'),
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
            field=models.CharField(choices=[('state_lines', 'Case spans state lines'), ('shared', 'Shared with you'), ('annotated', 'Annotated'), ('accounts_disabled', 'Accounts disabled'), ('review_due', 'Criminal intelligence due for review')], max_length=20),
        ),
        migrations.AlterField(
            model_name='outboxevent',
            name='kind',
            field=models.CharField(choices=[('state_lines', 'Case spans state lines'), ('shared', 'Shared with you'), ('annotated', 'Annotated'), ('accounts_disabled', 'Accounts disabled'), ('review_due', 'Criminal intelligence due for review')], max_length=20),
        ),
        migrations.AddConstraint(
            model_name='outboxevent',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['state_lines', 'shared', 'annotated', 'accounts_disabled', 'review_due'])), name='outbox_kind_valid'),
        ),
    ]
