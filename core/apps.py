from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Plumbing every app shares: the outbox, API conventions, token masking in logs and the
    confidentiality rules for small groups. It imports neither `surveys` nor `analytics`."""

    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from .logging import mask_every_handler

        # LOGGING has configured logging by now; this reaches handlers set up before it
        # (a server's own) and logging's last resort.
        mask_every_handler()
