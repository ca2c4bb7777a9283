"""28 CFR Part 23: the auditor, a read-only role at a fusion center (its compliance reports and
access log)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0010_agency_auto_purge_overdue'),
    ]

    operations = [
        migrations.CreateModel(
            name='CenterAuditor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('since', models.DateTimeField(default=django.utils.timezone.now)),
                ('center', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='auditor_roles', to='agencies.fusioncenter')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='center_auditor_roles', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('user', 'center'), name='one_auditor_role_per_center')],
            },
        ),
    ]
