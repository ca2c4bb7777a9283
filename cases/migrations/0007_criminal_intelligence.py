"""28 CFR Part 23 on intelligence items: the predicate, the labels of 23.20(c), the review.

The items of the kinds about people that exist already were kept before the rule was enforced:
they become criminal intelligence whose predicate is missing (the compliance report lists them,
for a reviewer to add it or purge), validated as of their creation, so that their shares stand.
Set-based UPDATEs, whatever the number of items; each gets a review date at most five years
after its creation.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


KINDS_ABOUT_PEOPLE = ["report", "rfi_response", "sar", "tip"]


def existing_items_under_the_rule(apps, schema_editor):
    items = apps.get_model("cases", "IntelligenceItem").objects.using(schema_editor.connection.alias)
    items.filter(kind__in=KINDS_ABOUT_PEOPLE).update(
        intelligence_status="intelligence", validated_at=models.F("created_at")
    )
    # 23.20(h): reviewed at most five years after it was kept (the review date it had, if sooner).
    limit = {
        "postgresql": "(created_at + interval '5 years')::date",
        "sqlite": "date(created_at, '+5 years')",
    }.get(schema_editor.connection.vendor)
    if limit is not None:
        kinds = ", ".join(f"'{kind}'" for kind in KINDS_ABOUT_PEOPLE)
        schema_editor.execute(
            f"UPDATE cases_intelligenceitem SET review_by = {limit} "
            f"WHERE kind IN ({kinds}) AND (review_by IS NULL OR review_by > {limit})"
        )


def back(apps, schema_editor):
    pass  # the columns go away with the fields


# SQLite rebuilds the item table to add a foreign key or a constraint, and refuses while the
# permission rows' triggers (sharing 0005) name it: they are dropped first and made again after,
# as sharing 0005 makes them. PostgreSQL alters the table in place and keeps them.
ROWS, OBJECTS = "sharing_itemgroupobjectpermission", "cases_intelligenceitem"
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER {ROWS}_fill_sort_key AFTER INSERT ON {ROWS}
FOR EACH ROW WHEN NEW.updated_at IS NULL BEGIN
    UPDATE {ROWS} SET updated_at = (SELECT o.updated_at FROM {OBJECTS} o
                                    WHERE o.id = NEW.content_object_id) WHERE id = NEW.id;
END;""",
    f"""CREATE TRIGGER {OBJECTS}_copy_sort_key AFTER UPDATE OF updated_at ON {OBJECTS}
FOR EACH ROW WHEN OLD.updated_at IS NOT NEW.updated_at BEGIN
    UPDATE {ROWS} SET updated_at = NEW.updated_at WHERE content_object_id = NEW.id;
END;""",
]


def drop_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {ROWS}_fill_sort_key")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {OBJECTS}_copy_sort_key")


def make_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        drop_sqlite_triggers(apps, schema_editor)
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0009_cfr23_roles'),
        ('cases', '0006_subject_label_per_link'),
        ('sharing', '0005_visibility_sort_key'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(drop_sqlite_triggers, make_sqlite_triggers),
        migrations.AddField(
            model_name='intelligenceitem',
            name='content_validity',
            field=models.CharField(blank=True, choices=[('1', '1: confirmed'), ('2', '2: probably true'), ('3', '3: doubtfully true'), ('4', '4: cannot be judged')], db_default='', default='', max_length=1, verbose_name='content validity'),
        ),
        migrations.AddField(
            model_name='intelligenceitem',
            name='control_official',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='intelligenceitem',
            name='criminal_activity',
            field=models.CharField(blank=True, choices=[('drugs', 'Drug trafficking'), ('human_trafficking', 'Human trafficking'), ('child_exploitation', 'Child sexual exploitation'), ('terrorism', 'Terrorism'), ('gangs', 'Gang activity'), ('organised_crime', 'Organised crime'), ('weapons', 'Weapons trafficking'), ('fraud', 'Fraud and financial crime'), ('cyber', 'Cybercrime'), ('violent', 'Violent crime'), ('property', 'Property crime'), ('other', 'Other criminal conduct')], db_default='', default='', max_length=30, verbose_name='criminal activity'),
        ),
        migrations.AddField(
            model_name='intelligenceitem',
            name='intelligence_status',
            field=models.CharField(blank=True, choices=[('', 'Not under 28 CFR Part 23'), ('pending', 'Information pending review'), ('intelligence', 'Criminal intelligence'), ('rejected', 'Rejected: not criminal intelligence')], db_default='', default='', max_length=12, verbose_name='28 CFR Part 23 status'),
        ),
        migrations.AddField(
            model_name='intelligenceitem',
            name='no_protected_activity',
            field=models.BooleanField(db_default=False, default=False, verbose_name='no protected views or activities (23.20(b))'),
        ),
        migrations.AddField(
            model_name='intelligenceitem',
            name='predicate',
            field=models.TextField(blank=True, db_default='', default='', verbose_name='criminal predicate'),
        ),
        migrations.AddField(
            model_name='intelligenceitem',
            name='review_reason',
            field=models.TextField(blank=True, db_default='', default=''),
        ),
        migrations.AddField(
            model_name='intelligenceitem',
            name='reviewed_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='intelligenceitem',
            name='reviewed_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='intelligenceitem',
            name='sensitivity',
            field=models.CharField(blank=True, choices=[('routine', 'Routine'), ('sensitive', 'Sensitive'), ('highly_sensitive', 'Highly sensitive')], db_default='', default='', max_length=20),
        ),
        migrations.AddField(
            model_name='intelligenceitem',
            name='source_reliability',
            field=models.CharField(blank=True, choices=[('A', 'A: reliable'), ('B', 'B: usually reliable'), ('C', 'C: unreliable'), ('D', 'D: reliability unknown')], db_default='', default='', max_length=1, verbose_name='source reliability'),
        ),
        migrations.AddField(
            model_name='intelligenceitem',
            name='validated_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(existing_items_under_the_rule, back),
        migrations.AddIndex(
            model_name='intelligenceitem',
            index=models.Index(fields=['owner', 'intelligence_status', 'review_by'], name='item_cfr23_review'),
        ),
        migrations.AddConstraint(
            model_name='intelligenceitem',
            constraint=models.CheckConstraint(condition=models.Q(('intelligence_status__in', ['', 'pending', 'intelligence', 'rejected'])), name='item_intelligence_status_valid'),
        ),
        migrations.AddConstraint(
            model_name='intelligenceitem',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind__in', ['report', 'rfi_response', 'sar', 'tip']), models.Q(('intelligence_status', ''), _negated=True)), models.Q(models.Q(('kind__in', ['report', 'rfi_response', 'sar', 'tip']), _negated=True), ('intelligence_status', '')), _connector='OR'), name='item_intelligence_status_by_kind'),
        ),
        migrations.RunPython(make_sqlite_triggers, drop_sqlite_triggers),
    ]
