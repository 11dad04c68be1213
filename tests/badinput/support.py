"""Shared pieces of the bad-input property tests (imported by each module; no fixtures).

Every example runs inside a transaction that is rolled back, so examples cannot see each
other's rows, and `snapshot()` records every table the importers and the survey write to, so
"changes nothing" is checked row by row, not by counts alone.
"""

import contextlib
from collections.abc import Iterator

from django.core.cache import cache
from django.db import transaction
from hypothesis import HealthCheck, settings

from surveys.models import (
    Answer,
    Campaign,
    CampaignQuestion,
    CompanyValue,
    Department,
    Employee,
    Invitation,
    Organization,
    PendingAnswer,
    Question,
    ResponseImport,
    Round,
    SurveyResponse,
    Wave,
)

# No example database in the repository, and the same examples on every run: a property test
# that fails must fail every time, on every machine.
settings.register_profile(
    "badinput",
    database=None,
    derandomize=True,
    deadline=None,
    print_blob=False,
    # The db fixture is function-scoped on purpose: each example rolls its own work back.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)

TABLES = (
    Organization,
    Department,
    Employee,
    CompanyValue,
    Question,
    Campaign,
    CampaignQuestion,
    Round,
    Wave,
    Invitation,
    PendingAnswer,
    SurveyResponse,
    Answer,
    ResponseImport,
)


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table bad input could touch, in a comparable form."""
    return {model.__name__: sorted(map(repr, model.objects.values_list())) for model in TABLES}


def seal(wave_id: int) -> None:
    """Close the wave and write its accepted answers as responses (inside the example's
    transaction, so this is rolled back too)."""
    from surveys.services.campaigns import wave_close
    from surveys.services.sealing import wave_seal

    wave_close(wave=Wave.objects.get(pk=wave_id), analyze=False)
    wave_seal(wave_id=wave_id, analyze=False)


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    """One hypothesis example: its writes are undone afterwards, and the rate limit that
    protects the survey endpoints starts from zero."""
    cache.clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def assert_storable(instance) -> None:
    """What was saved fits its columns on every database: SQLite checks no lengths, and
    PostgreSQL refuses NUL characters that SQLite keeps."""
    instance.full_clean()
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if isinstance(value, str):
            assert "\x00" not in value, field.name
