"""Agency admins are told of the accounts the daily check disabled (unused, expired)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0003_notifications_hold_pointers'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='outboxevent',
            name='outbox_kind_valid',
        ),
        migrations.AlterField(
            model_name='notification',
            name='kind',
            field=models.CharField(choices=[('state_lines', 'Case spans state lines'), ('shared', 'Shared with you'), ('annotated', 'Annotated'), ('accounts_disabled', 'Accounts disabled')], max_length=20),
        ),
        migrations.AlterField(
            model_name='outboxevent',
            name='kind',
            field=models.CharField(choices=[('state_lines', 'Case spans state lines'), ('shared', 'Shared with you'), ('annotated', 'Annotated'), ('accounts_disabled', 'Accounts disabled')], max_length=20),
        ),
        migrations.AddConstraint(
            model_name='outboxevent',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['state_lines', 'shared', 'annotated', 'accounts_disabled'])), name='outbox_kind_valid'),
        ),
    ]
