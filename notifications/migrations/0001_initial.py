"""The notification models move here from the sharing app: their tables (sharing_*) and rows stay
as they are."""
import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models


MOVED = ['casealert', 'outboxevent', 'notification', 'notificationread', 'emaildelivery', 'webhookendpoint', 'webhookdelivery', 'webhookattempt', 'follow']


def _content_types(apps, from_app, to_app):
    """Move the content types (and so their permissions) of the moved models, so nothing is
    left behind under the old app's label. A fresh database has none yet: nothing to do."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label=from_app, model__in=MOVED).update(app_label=to_app)


def forwards(apps, schema_editor):
    _content_types(apps, "sharing", 'notifications')


def backwards(apps, schema_editor):
    _content_types(apps, 'notifications', "sharing")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('sharing', '0006_tombstone_reason_membership_ended'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('agencies', '0003_invitations_retired_usernames'),
        ('cases', '0003_search_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist (created by the sharing app's migrations): only the state moves.
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='OutboxEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('state_lines', 'Case spans state lines'), ('shared', 'Shared with you'), ('annotated', 'Annotated')], max_length=20)),
                        ('key', models.CharField(max_length=200, unique=True)),
                        ('detail', models.JSONField(blank=True, default=dict)),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('delivering', 'Being delivered'), ('delivered', 'Delivered'), ('failed', 'Failed')], default='pending', max_length=12)),
                        ('attempts', models.PositiveIntegerField(default=0)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('claimed_at', models.DateTimeField(blank=True, null=True)),
                        ('delivered_at', models.DateTimeField(blank=True, null=True)),
                        ('last_error', models.TextField(blank=True)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('agency', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='agencies.agency')),
                        ('case', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.case')),
                        ('center', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='agencies.fusioncenter')),
                        ('item', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.intelligenceitem')),
                    ],
                    options={
                        'db_table': 'sharing_outboxevent',
                    },
                ),
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('state_lines', 'Case spans state lines'), ('shared', 'Shared with you'), ('annotated', 'Annotated')], max_length=20)),
                        ('title', models.CharField(max_length=300)),
                        ('lines', models.JSONField(blank=True, default=list)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('agency', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='agencies.agency')),
                        ('case', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.case')),
                        ('center', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='agencies.fusioncenter')),
                        ('item', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.intelligenceitem')),
                        ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
                        ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='notifications.outboxevent')),
                    ],
                    options={
                        'db_table': 'sharing_notification',
                    },
                ),
                migrations.CreateModel(
                    name='EmailDelivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('address', models.EmailField(max_length=254)),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('delivering', 'Being delivered'), ('delivered', 'Delivered'), ('failed', 'Failed')], default='pending', max_length=12)),
                        ('claimed_at', models.DateTimeField(blank=True, null=True)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('last_error', models.TextField(blank=True)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='emails', to='notifications.outboxevent')),
                    ],
                    options={
                        'db_table': 'sharing_emaildelivery',
                    },
                ),
                migrations.CreateModel(
                    name='WebhookDelivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('delivery_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('payload', models.JSONField(default=dict)),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('delivering', 'Being delivered'), ('delivered', 'Delivered'), ('failed', 'Failed')], default='pending', max_length=12)),
                        ('attempts', models.PositiveIntegerField(default=0)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('next_attempt_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('claimed_at', models.DateTimeField(blank=True, null=True)),
                        ('delivered_at', models.DateTimeField(blank=True, null=True)),
                        ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='webhooks', to='notifications.outboxevent')),
                    ],
                    options={
                        'db_table': 'sharing_webhookdelivery',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='WebhookAttempt',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.PositiveIntegerField()),
                        ('at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('status_code', models.PositiveIntegerField(blank=True, null=True)),
                        ('error', models.CharField(blank=True, max_length=500)),
                        ('duration_ms', models.PositiveIntegerField(blank=True, null=True)),
                        ('delivery', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='log', to='notifications.webhookdelivery')),
                    ],
                    options={
                        'db_table': 'sharing_webhookattempt',
                        'ordering': ['-at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='WebhookEndpoint',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('url', models.URLField(max_length=500)),
                        ('description', models.CharField(blank=True, max_length=200)),
                        ('secret', models.CharField(max_length=100)),
                        ('is_active', models.BooleanField(default=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('agency', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='webhook_endpoints', to='agencies.agency')),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'sharing_webhookendpoint',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.AddField(
                    model_name='webhookdelivery',
                    name='endpoint',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='notifications.webhookendpoint'),
                ),
                migrations.CreateModel(
                    name='CaseAlert',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('state', models.CharField(choices=[('AL', 'Alabama'), ('AK', 'Alaska'), ('AS', 'American Samoa'), ('AZ', 'Arizona'), ('AR', 'Arkansas'), ('CA', 'California'), ('CO', 'Colorado'), ('CT', 'Connecticut'), ('DE', 'Delaware'), ('DC', 'District of Columbia'), ('FL', 'Florida'), ('GA', 'Georgia'), ('GU', 'Guam'), ('HI', 'Hawaii'), ('ID', 'Idaho'), ('IL', 'Illinois'), ('IN', 'Indiana'), ('IA', 'Iowa'), ('KS', 'Kansas'), ('KY', 'Kentucky'), ('LA', 'Louisiana'), ('ME', 'Maine'), ('MD', 'Maryland'), ('MA', 'Massachusetts'), ('MI', 'Michigan'), ('MN', 'Minnesota'), ('MS', 'Mississippi'), ('MO', 'Missouri'), ('MT', 'Montana'), ('NE', 'Nebraska'), ('NV', 'Nevada'), ('NH', 'New Hampshire'), ('NJ', 'New Jersey'), ('NM', 'New Mexico'), ('NY', 'New York'), ('NC', 'North Carolina'), ('ND', 'North Dakota'), ('MP', 'Northern Mariana Islands'), ('OH', 'Ohio'), ('OK', 'Oklahoma'), ('OR', 'Oregon'), ('PA', 'Pennsylvania'), ('PR', 'Puerto Rico'), ('RI', 'Rhode Island'), ('SC', 'South Carolina'), ('SD', 'South Dakota'), ('TN', 'Tennessee'), ('TX', 'Texas'), ('VI', 'U.S. Virgin Islands'), ('UT', 'Utah'), ('VT', 'Vermont'), ('VA', 'Virginia'), ('WA', 'Washington'), ('WV', 'West Virginia'), ('WI', 'Wisconsin'), ('WY', 'Wyoming')], max_length=2)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='state_alerts', to='cases.case')),
                        ('center', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='case_alerts', to='agencies.fusioncenter')),
                    ],
                    options={
                        'db_table': 'sharing_casealert',
                        'constraints': [models.UniqueConstraint(fields=('case', 'state'), name='one_alert_per_case_and_state')],
                    },
                ),
                migrations.CreateModel(
                    name='Follow',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='followers', to='cases.case')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='follows', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'sharing_follow',
                        'indexes': [models.Index(fields=['case', 'user'], name='follow_case')],
                        'constraints': [models.UniqueConstraint(fields=('user', 'case'), name='follow_once')],
                    },
                ),
                migrations.CreateModel(
                    name='NotificationRead',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('read_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('notification', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reads', to='notifications.notification')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'sharing_notificationread',
                        'indexes': [models.Index(fields=['user', 'notification'], name='notification_read_user')],
                        'constraints': [models.UniqueConstraint(fields=('notification', 'user'), name='notification_read_once')],
                    },
                ),
                migrations.AddIndex(
                    model_name='outboxevent',
                    index=models.Index(fields=['status', 'created_at'], name='outbox_status_age'),
                ),
                migrations.AddConstraint(
                    model_name='outboxevent',
                    constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['state_lines', 'shared', 'annotated'])), name='outbox_kind_valid'),
                ),
                migrations.AddConstraint(
                    model_name='outboxevent',
                    constraint=models.CheckConstraint(condition=models.Q(('status__in', ['pending', 'delivering', 'delivered', 'failed'])), name='outbox_status_valid'),
                ),
                migrations.AddIndex(
                    model_name='notification',
                    index=models.Index(fields=['center', '-created_at'], name='notification_center'),
                ),
                migrations.AddIndex(
                    model_name='notification',
                    index=models.Index(fields=['agency', '-created_at'], name='notification_agency'),
                ),
                migrations.AddIndex(
                    model_name='notification',
                    index=models.Index(fields=['user', '-created_at'], name='notification_user'),
                ),
                migrations.AddConstraint(
                    model_name='notification',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('agency__isnull', True), ('center__isnull', False), ('user__isnull', True)), models.Q(('agency__isnull', False), ('center__isnull', True), ('user__isnull', True)), models.Q(('agency__isnull', True), ('center__isnull', True), ('user__isnull', False)), _connector='OR'), name='notification_one_audience'),
                ),
                migrations.AddConstraint(
                    model_name='notification',
                    constraint=models.UniqueConstraint(fields=('event', 'center'), name='notification_once_center'),
                ),
                migrations.AddConstraint(
                    model_name='notification',
                    constraint=models.UniqueConstraint(fields=('event', 'agency'), name='notification_once_agency'),
                ),
                migrations.AddConstraint(
                    model_name='notification',
                    constraint=models.UniqueConstraint(fields=('event', 'user'), name='notification_once_user'),
                ),
                migrations.AddConstraint(
                    model_name='emaildelivery',
                    constraint=models.UniqueConstraint(fields=('event', 'user'), name='email_once_per_event_and_user'),
                ),
                migrations.AddConstraint(
                    model_name='emaildelivery',
                    constraint=models.CheckConstraint(condition=models.Q(('status__in', ['pending', 'delivering', 'delivered', 'failed'])), name='email_status_valid'),
                ),
                migrations.AddIndex(
                    model_name='webhookendpoint',
                    index=models.Index(fields=['agency', 'is_active'], name='webhook_agency_active'),
                ),
                migrations.AddIndex(
                    model_name='webhookdelivery',
                    index=models.Index(fields=['status', 'next_attempt_at'], name='webhook_due'),
                ),
                migrations.AddIndex(
                    model_name='webhookdelivery',
                    index=models.Index(fields=['endpoint', '-created_at'], name='webhook_endpoint_log'),
                ),
                migrations.AddConstraint(
                    model_name='webhookdelivery',
                    constraint=models.UniqueConstraint(fields=('event', 'endpoint'), name='webhook_once_per_event'),
                ),
                migrations.AddConstraint(
                    model_name='webhookdelivery',
                    constraint=models.CheckConstraint(condition=models.Q(('status__in', ['pending', 'delivering', 'delivered', 'failed'])), name='webhook_status_valid'),
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
