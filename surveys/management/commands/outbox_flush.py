from django.core.management.base import BaseCommand

from surveys.models import OutboxMessage
from surveys.outbox import outbox_flush


class Command(BaseCommand):
    help = "Hand background work recorded while the broker was down over to the broker now."

    def handle(self, *args, **options) -> None:
        sent = outbox_flush()
        pending = OutboxMessage.objects.filter(sent_at__isnull=True).count()
        self.stdout.write(f"Handed over {sent} message(s); {pending} still pending.")
