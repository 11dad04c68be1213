import os

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger

from core.logging import mask_every_handler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "culturesurvey.settings")

app = Celery("culturesurvey")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@after_setup_logger.connect
@after_setup_task_logger.connect
def mask_survey_tokens(**kwargs) -> None:
    """A worker sets up its own log handlers; they carry the token mask too."""
    mask_every_handler()
