"""Actions name a department segment by the department's id, as reports now do
(`department:<id>`), so renaming a department no longer moves an action out of the scope of the
leaders who own it."""

from django.db import migrations

PREFIX = "department:"


def segments_by_id(apps, schema_editor):
    Action = apps.get_model("analytics", "Action")
    Department = apps.get_model("surveys", "Department")
    for action in Action.objects.filter(segment__startswith=PREFIX):
        name = action.segment[len(PREFIX) :]
        department = Department.objects.filter(
            organization_id=action.organization_id, name=name
        ).first()
        if department is not None:
            Action.objects.filter(pk=action.pk).update(segment=f"{PREFIX}{department.pk}")


def segments_by_name(apps, schema_editor):
    Action = apps.get_model("analytics", "Action")
    Department = apps.get_model("surveys", "Department")
    for action in Action.objects.filter(segment__startswith=PREFIX):
        key = action.segment[len(PREFIX) :]
        department = Department.objects.filter(
            organization_id=action.organization_id, pk=int(key) if key.isdigit() else None
        ).first()
        if department is not None:
            Action.objects.filter(pk=action.pk).update(segment=f"{PREFIX}{department.name}")


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0003_published_cells"),
        ("surveys", "0009_round_published_at"),
    ]

    operations = [migrations.RunPython(segments_by_id, segments_by_name)]
