import uuid

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Coalesce, Now


def mark_closed_waves_sealed(apps, schema_editor):
    # Waves closed before answers waited sealed have their responses already.
    Wave = apps.get_model("surveys", "Wave")
    Wave.objects.filter(status="closed", sealed_at__isnull=True).update(
        sealed_at=Coalesce(F("closed_at"), Now())
    )


class Migration(migrations.Migration):

    dependencies = [
        ("surveys", "0006_leaver_retention"),
    ]

    operations = [
        migrations.AddField(
            model_name="wave",
            name="sealed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name="PendingAnswer",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("sealed", models.BinaryField()),
                (
                    "wave",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="pending_answers",
                        to="surveys.wave",
                    ),
                ),
            ],
        ),
        migrations.RunPython(mark_closed_waves_sealed, migrations.RunPython.noop),
    ]
