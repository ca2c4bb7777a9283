"""In-app notifications hold pointers only (a case number, agencies, states): the title of a case
or item is added when the notification is read, for a reader who sees it then. Notifications
written before held the title in their text; this takes it out. Irreversible in substance: the
reverse leaves the rows as they are."""

from django.db import migrations

POINTER_LINES = {"Case number", "Owner agency", "Source agency", "Point of contact", "States",
                 "Kind", "Shared by", "Annotated by", "Access"}


def to_pointers(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    rows = Notification.objects.select_related("item").order_by("pk")
    for note in rows.iterator(chunk_size=500):
        title = note.title
        if note.kind == "annotated" and title.startswith("New annotation on case "):
            title = title.split(": ", 1)[0]
        if note.kind == "shared" and note.item_id is not None:
            title = title.replace(f"intelligence item {note.item.title}", "an intelligence item")
        lines = [line for line in note.lines or [] if line and line[0] in POINTER_LINES]
        if (title, lines) != (note.title, note.lines):
            Notification.objects.filter(pk=note.pk).update(title=title[:300], lines=lines)


class Migration(migrations.Migration):

    dependencies = [("notifications", "0002_seal_webhook_secrets")]

    operations = [migrations.RunPython(to_pointers, migrations.RunPython.noop)]
