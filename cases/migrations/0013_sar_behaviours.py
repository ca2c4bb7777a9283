"""The ISE-SAR behaviours a suspicious-activity report names: a row per report and behaviour
(cases.models.SARBehaviour says why not a list). Reports kept before have none until an edit
names at least one."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0012_search_identifiers'),
    ]

    operations = [
        migrations.CreateModel(
            name='SARBehaviour',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('behaviour', models.CharField(choices=[('breach', 'Breach/Attempted Intrusion'), ('misrepresentation', 'Misrepresentation'), ('theft_loss_diversion', 'Theft/Loss/Diversion'), ('sabotage_tampering_vandalism', 'Sabotage/Tampering/Vandalism'), ('cyberattack', 'Cyberattack'), ('expressed_implied_threat', 'Expressed or Implied Threat'), ('aviation_activity', 'Aviation Activity'), ('eliciting_information', 'Eliciting Information'), ('testing_probing_security', 'Testing or Probing of Security'), ('recruiting_financing', 'Recruiting/Financing'), ('photography', 'Photography'), ('observation_surveillance', 'Observation/Surveillance'), ('materials_acquisition_storage', 'Materials Acquisition/Storage'), ('acquisition_of_expertise', 'Acquisition of Expertise'), ('weapons_collection_discovery', 'Weapons Collection/Discovery'), ('sector_specific_incident', 'Sector-Specific Incident')], max_length=29)),
                ('item', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sar_behaviours', to='cases.intelligenceitem')),
            ],
            options={
                'verbose_name': 'ISE-SAR behaviour',
                'indexes': [models.Index(fields=['behaviour', 'item'], name='sar_behaviour_item')],
                'constraints': [models.UniqueConstraint(fields=('item', 'behaviour'), name='sar_behaviour_once'), models.CheckConstraint(condition=models.Q(('behaviour__in', ['breach', 'misrepresentation', 'theft_loss_diversion', 'sabotage_tampering_vandalism', 'cyberattack', 'expressed_implied_threat', 'aviation_activity', 'eliciting_information', 'testing_probing_security', 'recruiting_financing', 'photography', 'observation_surveillance', 'materials_acquisition_storage', 'acquisition_of_expertise', 'weapons_collection_discovery', 'sector_specific_incident'])), name='sar_behaviour_valid')],
            },
        ),
    ]
