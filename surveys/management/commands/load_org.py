from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from surveys.errors import DefinitionError
from surveys.services.definitions import organization_load_definition


class Command(BaseCommand):
    help = (
        "Create or update an organization, its departments, values and questions from a YAML "
        "(or JSON) file. See docs/organization-file.md. Nothing changes if the file has an error."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options) -> None:
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        try:
            organization = organization_load_definition(content=content)
        except DefinitionError as exc:
            lines = "\n".join(f"  {key}: {problem}" for key, problem in exc.errors)
            raise CommandError(f"{file} was not loaded; nothing changed:\n{lines}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {organization.slug}: {organization.departments.count()} departments, "
                f"{organization.values.count()} values, {organization.questions.count()} questions."
            )
        )
