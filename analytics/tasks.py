"""The analysis job, a thin task around `analysis_run` (idempotent), and the task that asks for
it once a closed wave's answers are written."""

from celery import shared_task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from .services import analysis_fail, analysis_run, wave_analysis_request


@shared_task(
    bind=True,
    autoretry_for=(OperationalError, InterfaceError, BrokerError, ConnectionError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
    acks_late=True,
    reject_on_worker_lost=True,
)
def run_analysis(self, job_id: int) -> int | None:
    """Compute (or reuse) a round's report snapshot. Redelivery after a lost worker and
    retries after connection errors are safe: the snapshot is unique per input."""
    try:
        return analysis_run(job_id=job_id)
    except (OperationalError, InterfaceError, BrokerError, ConnectionError):
        raise
    except Exception as exc:
        analysis_fail(job_id=job_id, error=f"{type(exc).__name__}: {exc}")
        raise


@shared_task(
    autoretry_for=(OperationalError, InterfaceError, BrokerError, ConnectionError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def wave_sealed(wave_id: int) -> int | None:
    """Announced by surveys (by name) when a closed wave's answers are written as responses:
    ask for its round's report. Running it twice asks once: a queued or running job of the
    round is reused."""
    return wave_analysis_request(wave_id=wave_id)
