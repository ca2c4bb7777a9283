"""A tombstone's reason for a purged record (28 CFR 23.20(h)); choices only."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sharing', '0007_models_moved_to_audit_and_notifications'),
    ]

    operations = [
        migrations.AlterField(
            model_name='tombstone',
            name='reason',
            field=models.CharField(choices=[('unshared', 'Share withdrawn'), ('deleted', 'Deleted'), ('membership_suspended', 'Membership suspended'), ('membership_ended', 'Membership ended'), ('purged', 'Purged (28 CFR Part 23)')], max_length=24),
        ),
    ]
