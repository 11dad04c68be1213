from django.core.management.base import BaseCommand

from culturesurvey import demo
from surveys.models import Organization


class Command(BaseCommand):
    help = (
        "Load the demo organization (Northwind Outfitters: about 150 people, 4 leaders, "
        "6 values, six months of surveys with planted gaps). Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="remove the demo organization and load it anew"
        )

    def handle(self, *args, reset: bool, **options) -> None:
        if reset:
            demo.demo_remove()
        if Organization.objects.filter(slug=demo.SLUG).exists():
            self.stdout.write("The demo organization is already loaded.")
            logins = demo.demo_logins()
            links = demo.demo_links(count=5)
        else:
            self.stdout.write("Loading the demo organization (this takes a little while)...")
            result = demo.demo_load()
            logins, links = result.logins, result.links
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded {result.organization.name}: {result.responses} survey responses."
                )
            )
        self.stdout.write(
            f"\nSign in at /accounts/login/ with any of these (password {demo.PASSWORD!r}):"
        )
        for username, role, scope in logins:
            self.stdout.write(f"  {username:<6} {role:<9} {scope}")
        self.stdout.write("\nAnswer this month's pulse as an employee (each link works once):")
        for link in links:
            self.stdout.write(f"  {link}")
