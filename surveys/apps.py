from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "Surveys"

    def ready(self) -> None:
        from .logging import mask_every_handler

        # LOGGING has configured logging by now; this reaches handlers set up before it
        # (a server's own) and logging's last resort.
        mask_every_handler()
