from django.db import migrations, models


def rename_duplicates(apps, schema_editor):
    """Kiosks that share a name in one post keep the oldest's name; the others become "name-2", "name-3"..."""
    Kiosk = apps.get_model("core", "Kiosk")
    taken: dict[int, set[str]] = {}
    for k in Kiosk.objects.order_by("post_id", "created_at", "id"):
        names = taken.setdefault(k.post_id, set())
        if k.name in names:
            n = 2
            while f"{k.name}-{n}"[:100] in names or Kiosk.objects.filter(post_id=k.post_id,
                                                                         name=f"{k.name}-{n}"[:100]).exists():
                n += 1
            k.name = f"{k.name}-{n}"[:100]
            k.save(update_fields=["name"])
        names.add(k.name)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0003_receipt_unique_while_personal_data"),
    ]

    operations = [
        migrations.RunPython(rename_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="kiosk",
            constraint=models.UniqueConstraint(fields=("post", "name"), name="kiosk_name_unique_per_post"),
        ),
    ]
