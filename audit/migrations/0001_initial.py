"""The access log moves here from the sharing app: its table (sharing_accesslog), its rows, its
indexes and its append-only trigger stay as they are."""
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


MOVED = ['accesslog']


def _content_types(apps, from_app, to_app):
    """Move the content types (and so their permissions) of the moved models, so nothing is
    left behind under the old app's label. A fresh database has none yet: nothing to do."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label=from_app, model__in=MOVED).update(app_label=to_app)


def forwards(apps, schema_editor):
    _content_types(apps, "sharing", 'audit')


def backwards(apps, schema_editor):
    _content_types(apps, 'audit', "sharing")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('sharing', '0006_tombstone_reason_membership_ended'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('agencies', '0003_invitations_retired_usernames'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist (created by the sharing app's migrations): only the state moves.
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='AccessLog',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                        ('action', models.CharField(choices=[('read', 'Read'), ('list', 'Listed'), ('download', 'Downloaded'), ('create', 'Created'), ('update', 'Changed'), ('annotate', 'Annotated'), ('share', 'Shared'), ('unshare', 'Withdrew a share'), ('attach', 'Attached a file'), ('login', 'Logged in'), ('logout', 'Logged out'), ('admin', 'Administered')], max_length=20)),
                        ('object_type', models.CharField(blank=True, max_length=40)),
                        ('object_id', models.BigIntegerField(blank=True, null=True)),
                        ('object_ids', models.JSONField(blank=True, default=list)),
                        ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                        ('detail', models.JSONField(blank=True, default=dict)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('agency', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency')),
                    ],
                    options={
                        'db_table': 'sharing_accesslog',
                        'ordering': ['-at', '-id'],
                        'indexes': [models.Index(fields=['object_type', 'object_id', '-at'], name='accesslog_object'), models.Index(fields=['agency', '-at'], name='accesslog_agency'), models.Index(fields=['actor', '-at'], name='accesslog_actor'), models.Index(fields=['-at', '-id'], name='accesslog_keyset')],
                    },
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
