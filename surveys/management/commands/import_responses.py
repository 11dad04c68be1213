from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from surveys.errors import ImportRejected
from surveys.models import Organization
from surveys.services.responses import responses_import


class Command(BaseCommand):
    help = (
        "Import past anonymous responses from another tool (CSV, one row per response: kind, "
        "wave, optional department, tenure_band, location, level, then question codes). "
        "All rows or none."
    )

    def add_arguments(self, parser):
        parser.add_argument("organization", help="the organization's slug")
        parser.add_argument("file", type=Path)

    def handle(self, *args, organization: str, file: Path, **options) -> None:
        org = Organization.objects.filter(slug=organization).first()
        if org is None:
            raise CommandError(f'No organization "{organization}".')
        try:
            # A file on the server's disk: the upload limit, which keeps web processes from
            # reading whole files too large for them, does not apply.
            result = responses_import(organization=org, content=file.read_bytes(), limit_size=False)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        except ImportRejected as exc:
            lines = "\n".join(f"  {error}" for error in exc.errors)
            raise CommandError(f"Nothing imported; {len(exc.errors)} problem(s):\n{lines}") from exc
        kinds = ", ".join(f"{kind} {n}" for kind, n in result.by_kind.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.responses} responses ({kinds}) "
                f"in rounds {', '.join(result.rounds)}."
            )
        )
