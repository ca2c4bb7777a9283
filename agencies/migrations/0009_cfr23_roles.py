"""28 CFR Part 23: a law-enforcement flag on agencies (every existing one stays law
enforcement) and the reviewer role on users."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0008_user_time_zone'),
    ]

    operations = [
        migrations.AddField(
            model_name='agency',
            name='law_enforcement',
            field=models.BooleanField(db_default=True, default=True, help_text='A law-enforcement agency; criminal intelligence is disseminated to these only.', verbose_name='law enforcement'),
        ),
        migrations.AddField(
            model_name='user',
            name='intelligence_reviewer',
            field=models.BooleanField(db_default=False, default=False, help_text="Accepts or rejects the agency's information pending review (28 CFR Part 23).", verbose_name='criminal intelligence reviewer'),
        ),
    ]
