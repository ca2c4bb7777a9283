"""28 CFR 23.20(h): the purge of criminal intelligence (its status, who, when and why) and the
record of corrections sent to the agencies a record reached."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from importlib import import_module

from django.db import migrations, models

# SQLite rebuilds the item table for the new foreign key and constraint: the permission rows'
# triggers that name it are dropped first and made again after (as in cases 0007).
_0007 = import_module("cases.migrations.0007_criminal_intelligence")
drop_sqlite_triggers, make_sqlite_triggers = _0007.drop_sqlite_triggers, _0007.make_sqlite_triggers

class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0010_agency_auto_purge_overdue'),
        ('cases', '0008_disseminations'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(drop_sqlite_triggers, make_sqlite_triggers),
        migrations.CreateModel(
            name='ItemCorrection',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(help_text="The item's version after the change.")),
                ('fields', models.JSONField(default=list)),
                ('at', models.DateTimeField(default=django.utils.timezone.now)),
                ('agencies_told', models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.RemoveConstraint(
            model_name='intelligenceitem',
            name='item_intelligence_status_valid',
        ),
        migrations.AddField(
            model_name='intelligenceitem',
            name='purge_reason',
            field=models.TextField(blank=True, db_default='', default=''),
        ),
        migrations.AddField(
            model_name='intelligenceitem',
            name='purged_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='intelligenceitem',
            name='purged_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='intelligenceitem',
            name='intelligence_status',
            field=models.CharField(blank=True, choices=[('', 'Not under 28 CFR Part 23'), ('pending', 'Information pending review'), ('intelligence', 'Criminal intelligence'), ('rejected', 'Rejected: not criminal intelligence'), ('purged', 'Purged')], db_default='', default='', max_length=12, verbose_name='28 CFR Part 23 status'),
        ),
        migrations.AddConstraint(
            model_name='intelligenceitem',
            constraint=models.CheckConstraint(condition=models.Q(('intelligence_status__in', ['', 'pending', 'intelligence', 'rejected', 'purged'])), name='item_intelligence_status_valid'),
        ),
        migrations.AddField(
            model_name='itemcorrection',
            name='by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='itemcorrection',
            name='item',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='corrections', to='cases.intelligenceitem'),
        ),
        migrations.AddIndex(
            model_name='itemcorrection',
            index=models.Index(fields=['item', '-at'], name='item_correction_item'),
        ),
        migrations.AddConstraint(
            model_name='itemcorrection',
            constraint=models.UniqueConstraint(fields=('item', 'version'), name='item_correction_once'),
        ),
        migrations.AddIndex(
            model_name='intelligenceitem',
            index=models.Index(fields=['owner', 'intelligence_status', '-purged_at'], name='item_cfr23_purged'),
        ),
        migrations.RunPython(make_sqlite_triggers, drop_sqlite_triggers),
    ]
