"""Each link to a subject keeps the label as its own agency typed it: an agency holding the same
subject as another (the same normalised key) must not read what the other typed."""

from django.db import migrations, models
from django.db.models import Exists, OuterRef, Subquery


def labels_to_links(apps, schema_editor):
    """The agency that entered a subject first keeps its label on its link; every later link,
    whose own words were never stored, shows the normalised key, which its agency typed too.
    Set-based: four UPDATE statements, whatever the number of subjects. The first link is the
    earliest by (linked_at, case before item, id)."""
    Entity = apps.get_model("cases", "Entity")
    CaseEntity = apps.get_model("cases", "CaseEntity")
    ItemEntity = apps.get_model("cases", "ItemEntity")
    entity = Entity.objects.filter(pk=OuterRef("entity_id"))
    for links in (CaseEntity, ItemEntity):
        links.objects.update(label=Subquery(entity.values("key")[:1]))
    same_entity = {"entity_id": OuterRef("entity_id")}
    first_case = CaseEntity.objects.filter(**same_entity).order_by("linked_at", "id")
    first_item = ItemEntity.objects.filter(**same_entity).order_by("linked_at", "id")
    CaseEntity.objects.filter(pk=Subquery(first_case.values("pk")[:1])).exclude(
        Exists(ItemEntity.objects.filter(**same_entity, linked_at__lt=OuterRef("linked_at")))
    ).update(label=Subquery(entity.values("label")[:1]))
    ItemEntity.objects.filter(pk=Subquery(first_item.values("pk")[:1])).exclude(
        Exists(CaseEntity.objects.filter(**same_entity, linked_at__lte=OuterRef("linked_at")))
    ).update(label=Subquery(entity.values("label")[:1]))


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
