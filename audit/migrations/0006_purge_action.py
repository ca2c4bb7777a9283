"""The access log's action for a purge (28 CFR 23.20(h)); choices only, no change to the table."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0005_account_events'),
    ]

    operations = [
        migrations.AlterField(
            model_name='accesslog',
            name='action',
            field=models.CharField(choices=[('read', 'Read'), ('list', 'Listed'), ('download', 'Downloaded'), ('create', 'Created'), ('update', 'Changed'), ('annotate', 'Annotated'), ('share', 'Shared'), ('unshare', 'Withdrew a share'), ('attach', 'Attached a file'), ('purge', 'Purged (28 CFR Part 23)'), ('login', 'Logged in'), ('login_failed', 'Log-in refused'), ('logout', 'Logged out'), ('lockout', 'Account locked'), ('release', 'Account released'), ('password_change', 'Password changed'), ('password_reset', 'Password reset'), ('account_disabled', 'Account disabled: unused'), ('account_expired', 'Account expired'), ('account_expiry', 'Account expiry set'), ('account_enabled', 'Account re-enabled'), ('mfa_enrol', 'Second factor enrolled'), ('mfa_recovery', 'Recovery code used'), ('mfa_remove', 'Second factor removed'), ('mfa_reset', 'Second factors reset'), ('admin', 'Administered')], max_length=20),
        ),
    ]
