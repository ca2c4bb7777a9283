"""The access log went to the audit app and the notification models to the notifications app;
their tables stay (see audit 0001 and notifications 0001): the sharing app only forgets them."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0001_initial'),
        ('notifications', '0001_initial'),
        ('sharing', '0006_tombstone_reason_membership_ended'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist (created by the sharing app's migrations): only the state moves.
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='casealert',
                    name='case',
                ),
                migrations.RemoveField(
                    model_name='casealert',
                    name='center',
                ),
                migrations.RemoveField(
                    model_name='emaildelivery',
                    name='event',
                ),
                migrations.RemoveField(
                    model_name='emaildelivery',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='follow',
                    name='case',
                ),
                migrations.RemoveField(
                    model_name='follow',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='notification',
                    name='agency',
                ),
                migrations.RemoveField(
                    model_name='notification',
                    name='case',
                ),
                migrations.RemoveField(
                    model_name='notification',
                    name='center',
                ),
                migrations.RemoveField(
                    model_name='notification',
                    name='event',
                ),
                migrations.RemoveField(
                    model_name='notification',
                    name='item',
                ),
                migrations.RemoveField(
                    model_name='notification',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='notificationread',
                    name='notification',
                ),
                migrations.RemoveField(
                    model_name='notificationread',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='outboxevent',
                    name='actor',
                ),
                migrations.RemoveField(
                    model_name='outboxevent',
                    name='agency',
                ),
                migrations.RemoveField(
                    model_name='outboxevent',
                    name='case',
                ),
                migrations.RemoveField(
                    model_name='outboxevent',
                    name='center',
                ),
                migrations.RemoveField(
                    model_name='outboxevent',
                    name='item',
                ),
                migrations.RemoveField(
                    model_name='webhookdelivery',
                    name='event',
                ),
                migrations.RemoveField(
                    model_name='webhookattempt',
                    name='delivery',
                ),
                migrations.RemoveField(
                    model_name='webhookdelivery',
                    name='endpoint',
                ),
                migrations.RemoveField(
                    model_name='webhookendpoint',
                    name='agency',
                ),
                migrations.RemoveField(
                    model_name='webhookendpoint',
                    name='created_by',
                ),
                migrations.DeleteModel(
                    name='AccessLog',
                ),
                migrations.DeleteModel(
                    name='CaseAlert',
                ),
                migrations.DeleteModel(
                    name='EmailDelivery',
                ),
                migrations.DeleteModel(
                    name='Follow',
                ),
                migrations.DeleteModel(
                    name='Notification',
                ),
                migrations.DeleteModel(
                    name='NotificationRead',
                ),
                migrations.DeleteModel(
                    name='OutboxEvent',
                ),
                migrations.DeleteModel(
                    name='WebhookAttempt',
                ),
                migrations.DeleteModel(
                    name='WebhookDelivery',
                ),
                migrations.DeleteModel(
                    name='WebhookEndpoint',
                ),
            ],
        ),
    ]
