"""Survey round labels become slugs (letters, digits, - and _, at most 50), unique per
organization: a label with a / in it broke the organization's report pages, since labels are
part of report addresses. Labels that already are slugs stay as they are; any other becomes
the nearest slug ("2026/09" -> "2026-09"), with -2, -3... when that is taken."""

import re
import unicodedata

from django.db import migrations

MAX = 50
SLUG = re.compile(r"[A-Za-z0-9_-]+")
NOT_SLUG = re.compile(r"[^A-Za-z0-9_-]+")


def _slug(label: str, sequence: int) -> str:
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    return NOT_SLUG.sub("-", ascii_text).strip("-")[:MAX].strip("-") or f"round-{sequence}"


def labels_to_slugs(apps, schema_editor) -> None:
    Round = apps.get_model("surveys", "Round")
    taken: dict[int, set[str]] = {}
    bad = []
    for pk, organization_id, label, sequence in Round.objects.order_by(
        "organization_id", "sequence"
    ).values_list("pk", "organization_id", "label", "sequence"):
        if SLUG.fullmatch(label) and len(label) <= MAX:
            taken.setdefault(organization_id, set()).add(label)
        else:
            bad.append((pk, organization_id, label, sequence))
    for pk, organization_id, label, sequence in bad:
        used = taken.setdefault(organization_id, set())
        base = candidate = _slug(label, sequence)
        number = 2
        while candidate in used:
            suffix = f"-{number}"
            candidate = base[: MAX - len(suffix)].rstrip("-") + suffix
            number += 1
        used.add(candidate)
        Round.objects.filter(pk=pk).update(label=candidate)


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0007_pending_answers"),
    ]

    operations = [
        migrations.RunPython(labels_to_slugs, migrations.RunPython.noop, elidable=True),
    ]
