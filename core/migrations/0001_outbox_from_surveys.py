"""The outbox moves from `surveys` to `core`: the table stays, only Django's record of which app
owns the model changes here (surveys 0010 forgets it on its side)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("surveys", "0005_outbox"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OutboxMessage",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("task", models.CharField(max_length=200)),
                        ("args", models.JSONField(default=list)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        ("attempts", models.PositiveIntegerField(default=0)),
                        ("last_error", models.CharField(blank=True, max_length=500)),
                    ],
                    options={
                        "db_table": "surveys_outboxmessage",
                        "indexes": [
                            models.Index(
                                fields=["sent_at", "id"], name="surveys_out_sent_at_dcab0f_idx"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
