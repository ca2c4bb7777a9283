"""Blind deconfliction: one row per subject and pair of objects that an agency linked without
seeing the other."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0010_agency_auto_purge_overdue'),
        ('cases', '0009_purge_and_corrections'),
    ]

    operations = [
        migrations.CreateModel(
            name='SubjectMatch',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('match', 'Match'), ('possible', 'Possible match')], max_length=10)),
                ('score', models.FloatField(blank=True, help_text='Name similarity, 0-100.', null=True)),
                ('key', models.CharField(max_length=100, unique=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('entity', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.entity')),
                ('held_agency', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='agencies.agency')),
                ('held_case', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.case')),
                ('held_entity', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.entity')),
                ('held_item', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.intelligenceitem')),
                ('new_agency', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='agencies.agency')),
                ('new_case', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.case')),
                ('new_item', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.intelligenceitem')),
            ],
            options={
                'indexes': [models.Index(fields=['held_agency', '-created_at'], name='subject_match_held')],
                'constraints': [models.CheckConstraint(condition=models.Q(('kind__in', ['match', 'possible'])), name='subject_match_kind_valid'), models.CheckConstraint(condition=models.Q(models.Q(('new_case__isnull', False), ('new_item__isnull', True)), models.Q(('new_case__isnull', True), ('new_item__isnull', False)), _connector='OR'), name='subject_match_one_new_object'), models.CheckConstraint(condition=models.Q(models.Q(('held_case__isnull', False), ('held_item__isnull', True)), models.Q(('held_case__isnull', True), ('held_item__isnull', False)), _connector='OR'), name='subject_match_one_held_object')],
            },
        ),
    ]
