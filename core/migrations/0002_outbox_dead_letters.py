"""The outbox gets its own table name and dead letters; beat's outbox schedule follows the task
to its new name."""

from django.db import migrations, models

OLD, NEW = "surveys.outbox_flush", "core.outbox_flush"


def rename_task(apps, schema_editor, old=OLD, new=NEW):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.using(schema_editor.connection.alias).filter(task=old).update(task=new)


def restore_task(apps, schema_editor):
    rename_task(apps, schema_editor, old=NEW, new=OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_outbox_from_surveys"),
        ("surveys", "0010_outbox_moves_to_core"),
        ("surveys", "0003_periodic_tasks"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AlterModelTable(name="outboxmessage", table=None),
        migrations.AddField(
            model_name="outboxmessage",
            name="failed_at",
            field=models.DateTimeField(
                blank=True,
                help_text="Set aside after repeated failures (a dead letter).",
                null=True,
            ),
        ),
        migrations.RunPython(rename_task, restore_task),
    ]
