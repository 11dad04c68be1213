from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from culturesurvey.exports import organization_export
from surveys.models import Organization


class Command(BaseCommand):
    help = (
        "Export everything an organization holds to a ZIP of JSON files (for operators: it "
        "includes who answered each wave and the raw anonymous responses, which no page, API "
        "or export shows HR admins)."
    )

    def add_arguments(self, parser):
        parser.add_argument("organization", help="the organization's slug")
        parser.add_argument("file", type=Path)

    def handle(self, *args, organization: str, file: Path, **options) -> None:
        org = Organization.objects.filter(slug=organization).first()
        if org is None:
            raise CommandError(f'No organization "{organization}".')
        file.write_bytes(organization_export(organization=org))
        self.stdout.write(self.style.SUCCESS(f"Exported {org.name} to {file}."))
