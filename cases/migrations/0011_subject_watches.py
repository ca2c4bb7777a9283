"""Watched subjects: a user watches a key, and is told once per record that links it."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0010_subject_matches'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='SubjectWatch',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('person', 'Person'), ('vehicle', 'Vehicle (plate)'), ('vin', 'Vehicle (VIN)'), ('phone', 'Phone number'), ('email', 'E-mail address'), ('address', 'Address'), ('organisation', 'Organisation'), ('account', 'Online account')], max_length=20)),
                ('key', models.CharField(max_length=300)),
                ('label', models.CharField(max_length=300)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='subject_watches', to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.CreateModel(
            name='WatchNotice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=60, unique=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('case', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.case')),
                ('item', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.intelligenceitem')),
                ('watch', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notices', to='cases.subjectwatch')),
            ],
        ),
        migrations.AddIndex(
            model_name='subjectwatch',
            index=models.Index(fields=['kind', 'key'], name='subject_watch_key'),
        ),
        migrations.AddConstraint(
            model_name='subjectwatch',
            constraint=models.UniqueConstraint(fields=('user', 'kind', 'key'), name='one_watch_per_key'),
        ),
    ]
