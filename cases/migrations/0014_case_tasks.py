"""Tasks on a case (what, who, by when, how far), and their entries in the case's timeline."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0011_center_auditor'),
        ('cases', '0013_sar_behaviours'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='timelineevent',
            name='kind',
            field=models.CharField(choices=[('event', 'Event'), ('created', 'Case opened'), ('updated', 'Case changed'), ('jurisdiction', 'Jurisdiction'), ('subject', 'Subject linked'), ('shared', 'Shared'), ('unshared', 'Share withdrawn'), ('attachment', 'Attachment'), ('item', 'Intelligence item'), ('task_added', 'Task added'), ('task_assigned', 'Task assigned'), ('task_done', 'Task done'), ('task_changed', 'Task changed')], max_length=20),
        ),
        migrations.CreateModel(
            name='CaseTask',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=200)),
                ('due_date', models.DateField(blank=True, null=True, verbose_name='due')),
                ('status', models.CharField(choices=[('open', 'Open'), ('in_progress', 'In progress'), ('done', 'Done')], default='open', max_length=12)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('version', models.PositiveIntegerField(default=1)),
                ('done_at', models.DateTimeField(blank=True, null=True)),
                ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency')),
                ('assignee', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='assigned_tasks', to=settings.AUTH_USER_MODEL)),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tasks', to='cases.case')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('done_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'task',
                'indexes': [models.Index(fields=['case', 'status', 'due_date', 'id'], name='task_case'), models.Index(fields=['assignee', 'status', 'due_date', 'id'], name='task_assignee'), models.Index(fields=['updated_at', 'id'], name='task_updated_keyset')],
                'constraints': [models.CheckConstraint(condition=models.Q(('status__in', ['open', 'in_progress', 'done'])), name='task_status_valid'), models.CheckConstraint(condition=models.Q(('title', ''), _negated=True), name='task_title_not_empty'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'done'), ('done_at__isnull', False)), models.Q(models.Q(('status', 'done'), _negated=True), ('done_at__isnull', True)), _connector='OR'), name='task_done_when_done')],
            },
        ),
    ]
