from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from surveys.errors import ImportRejected
from surveys.models import Organization
from surveys.services.roster import roster_import


class Command(BaseCommand):
    help = "Import or update the roster of an organization from a CSV file (all rows or none)."

    def add_arguments(self, parser):
        parser.add_argument("organization", help="the organization's slug")
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check and count, save nothing")
        parser.add_argument(
            "--create-departments",
            action="store_true",
            help="add the departments the file names that do not exist yet",
        )

    def handle(
        self,
        *args,
        organization: str,
        file: Path,
        dry_run: bool,
        create_departments: bool,
        **options,
    ) -> None:
        org = Organization.objects.filter(slug=organization).first()
        if org is None:
            raise CommandError(f'No organization "{organization}".')
        try:
            result = roster_import(
                organization=org,
                content=file.read_bytes(),
                dry_run=dry_run,
                create_departments=create_departments,
            )
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        except ImportRejected as exc:
            lines = "\n".join(f"  {error}" for error in exc.errors)
            raise CommandError(f"Nothing imported; {len(exc.errors)} problem(s):\n{lines}") from exc
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {result.total} rows: {result.created} new, {result.updated} updated, "
                f"{result.unchanged} unchanged."
            )
        )
