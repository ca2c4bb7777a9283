"""28 CFR 23.20(g): the dissemination record of criminal intelligence."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0009_cfr23_roles'),
        ('cases', '0007_criminal_intelligence'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Dissemination',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(default=django.utils.timezone.now)),
                ('channel', models.CharField(choices=[('share', 'Share'), ('api', 'API pull'), ('export', 'Export'), ('notification', 'Notification with content')], max_length=20)),
                ('recipient_label', models.CharField(max_length=300)),
                ('reason', models.TextField()),
                ('by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('item', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='disseminations', to='cases.intelligenceitem')),
                ('recipient_agency', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency')),
                ('recipient_center', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.fusioncenter')),
            ],
            options={
                'indexes': [models.Index(fields=['item', '-at', '-id'], name='dissemination_item'), models.Index(fields=['recipient_agency', 'at'], name='dissemination_recipient')],
                'constraints': [models.CheckConstraint(condition=models.Q(('channel__in', ['share', 'api', 'export', 'notification'])), name='dissemination_channel_valid'), models.CheckConstraint(condition=models.Q(('reason', ''), _negated=True), name='dissemination_has_reason')],
            },
        ),
    ]
