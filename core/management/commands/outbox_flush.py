from django.core.management.base import BaseCommand

from core.outbox import outbox_dead_letters, outbox_flush, outbox_pending, outbox_retry


class Command(BaseCommand):
    help = (
        "Hand background work recorded while the broker was down over to the broker now, and "
        "list the dead letters (messages set aside after repeated failures)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--retry-dead",
            action="store_true",
            help="Give every dead letter another round of attempts before flushing.",
        )

    def handle(self, *args, **options) -> None:
        if options["retry_dead"]:
            retried = outbox_retry(ids=outbox_dead_letters().values_list("pk", flat=True))
            self.stdout.write(f"{retried} dead letter(s) back in the queue.")
        sent = outbox_flush()
        self.stdout.write(
            f"Handed over {sent} message(s); {outbox_pending().count()} still pending."
        )
        dead = list(outbox_dead_letters().order_by("pk"))
        if dead:
            self.stdout.write(f"{len(dead)} dead letter(s), not retried until --retry-dead:")
            for message in dead:
                self.stdout.write(
                    f"  #{message.pk} {message.task}{message.args} after {message.attempts} "
                    f"attempts: {message.last_error}"
                )
