"""The outbox now belongs to the `core` app (core 0001 takes the model over, table and all)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0009_round_published_at"),
        ("core", "0001_outbox_from_surveys"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="OutboxMessage")],
            database_operations=[],
        ),
    ]
