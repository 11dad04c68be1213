from django.core.management.base import BaseCommand

from surveys.services.retention import leavers_purge_all


class Command(BaseCommand):
    help = (
        "Delete leavers past their organization's retention period (the daily automation "
        "does this too)."
    )

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"Forgot {leavers_purge_all()} leaver(s).")
