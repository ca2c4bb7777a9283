"""Each link to a subject keeps the label as its own agency typed it: an agency holding the same
subject as another (the same normalised key) must not read what the other typed."""

from django.db import migrations, models


def labels_to_links(apps, schema_editor):
    """The agency that entered a subject first keeps its label on its link; every later link,
    whose own words were never stored, shows the normalised key, which its agency typed too."""
    Entity = apps.get_model("cases", "Entity")
    CaseEntity = apps.get_model("cases", "CaseEntity")
    ItemEntity = apps.get_model("cases", "ItemEntity")
    for entity in Entity.objects.only("id", "key", "label").iterator():
        links = [
            *CaseEntity.objects.filter(entity_id=entity.id).only("id", "linked_at"),
            *ItemEntity.objects.filter(entity_id=entity.id).only("id", "linked_at"),
        ]
        links.sort(key=lambda link: (link.linked_at, type(link).__name__, link.id))
        for n, link in enumerate(links):
            type(link).objects.filter(pk=link.pk).update(label=entity.label if n == 0 else entity.key)


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0005_entity_key_trigram_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="caseentity",
            name="label",
            field=models.CharField(default="", help_text="As entered by the agency that linked it.",
                                   max_length=300),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="itementity",
            name="label",
            field=models.CharField(default="", help_text="As entered by the agency that linked it.",
                                   max_length=300),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="entity",
            name="label",
            field=models.CharField(help_text="As first entered.", max_length=300),
        ),
        migrations.RunPython(labels_to_links, migrations.RunPython.noop),
    ]
