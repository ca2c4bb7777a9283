"""Foreign partners (issue 16): LES and criminal intelligence never reach them unless a product's
portion is released to them by name."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("agencies", "0011_center_auditor"),
    ]

    operations = [
        migrations.AddField(
            model_name="agency",
            name="foreign_partner",
            field=models.BooleanField(
                db_default=False, default=False,
                help_text="A foreign partner: LES and criminal intelligence never reach it, unless "
                          "a product's portion is released to it (REL TO).",
                verbose_name="foreign partner",
            ),
        ),
    ]
