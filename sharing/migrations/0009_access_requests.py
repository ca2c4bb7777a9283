"""Requests for access to a record an agency may not see, and the owner's answers."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0011_center_auditor'),
        ('cases', '0010_subject_matches'),
        ('sharing', '0008_tombstone_reason_purged'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AccessRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason', models.TextField()),
                ('source', models.CharField(choices=[('deconfliction', 'A deconfliction notice'), ('alert', 'An alert whose title was withheld')], max_length=16)),
                ('status', models.CharField(choices=[('pending', 'Pending'), ('granted', 'Granted'), ('declined', 'Declined')], default='pending', max_length=10)),
                ('level', models.PositiveSmallIntegerField(blank=True, choices=[(1, 'View'), (2, 'Annotate'), (3, 'Edit'), (4, 'Manage (may share on)')], null=True)),
                ('answer', models.TextField(blank=True)),
                ('decided_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('case', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.case')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('item', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.intelligenceitem')),
                ('match', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='cases.subjectmatch')),
                ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='agencies.agency')),
                ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('requester', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='agencies.agency')),
            ],
            options={
                'indexes': [models.Index(fields=['owner', 'status', '-created_at'], name='access_request_owner'), models.Index(fields=['requester', '-created_at'], name='access_request_requester')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('case__isnull', False), ('item__isnull', True)), models.Q(('case__isnull', True), ('item__isnull', False)), _connector='OR'), name='access_request_on_case_or_item'), models.CheckConstraint(condition=models.Q(('status__in', ['pending', 'granted', 'declined'])), name='access_request_status_valid'), models.CheckConstraint(condition=models.Q(('reason', ''), _negated=True), name='access_request_has_reason'), models.UniqueConstraint(condition=models.Q(('status', 'pending')), fields=('requester', 'case'), name='one_pending_request_per_case'), models.UniqueConstraint(condition=models.Q(('status', 'pending')), fields=('requester', 'item'), name='one_pending_request_per_item')],
            },
        ),
    ]
