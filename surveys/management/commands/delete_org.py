from django.core.management.base import BaseCommand, CommandError

from surveys.models import Organization
from surveys.services.organizations import organization_delete


class Command(BaseCommand):
    help = "Delete an organization and everything in it. Asks for the slug again unless --yes."

    def add_arguments(self, parser):
        parser.add_argument("organization", help="the organization's slug")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, organization: str, yes: bool, **options) -> None:
        org = Organization.objects.filter(slug=organization).first()
        if org is None:
            raise CommandError(f'No organization "{organization}".')
        if not yes and input(f"Type {org.slug} to delete {org.name} for good: ") != org.slug:
            raise CommandError("Not deleted.")
        organization_delete(organization=org)
        self.stdout.write(self.style.SUCCESS(f"Deleted {organization} and everything in it."))
