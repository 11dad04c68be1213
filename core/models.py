from django.db import models


class OutboxMessage(models.Model):
    """Background work recorded with the change that calls for it (see core/outbox.py).

    Pending until handed to the broker (`sent_at`); a message that keeps failing for another
    reason than a broker outage is set aside after `MAX_ATTEMPTS` (`failed_at`, a dead letter)
    so it never holds up the messages behind it."""

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(
        null=True, blank=True, help_text="Set aside after repeated failures (a dead letter)."
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["sent_at", "id"], name="surveys_out_sent_at_dcab0f_idx")]

    def __str__(self) -> str:
        state = "sent" if self.sent_at else "dead letter" if self.failed_at else "pending"
        return f"{self.task}{self.args} ({state})"
