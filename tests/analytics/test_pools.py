"""Exit pools: fixed periods, every exit response in exactly one pool, each pool shown once."""

import datetime as dt

from analytics.pools import closed_pools, period_of

NEED = 10


def periods(*days: str) -> list[tuple]:
    return [period_of(dt.date.fromisoformat(day), day) for day in days]


MONTHS = periods(
    "2026-01-05",
    "2026-02-02",
    "2026-03-02",
    "2026-04-06",
    "2026-05-04",
    "2026-06-01",
    "2026-07-06",
)


def test_a_quarter_with_enough_exits_is_a_pool_once_it_has_ended():
    exits = [4, 4, 4, 1, 1, 1, 0]

    # In the quarter itself nothing is pooled; the first round after it closes Q1.
    assert closed_pools(periods=MONTHS, exits=exits, current=2, need=NEED) == []
    pools = closed_pools(periods=MONTHS, exits=exits, current=3, need=NEED)
    assert [(p.rounds, p.label) for p in pools] == [((0, 1, 2), "2026-Q1")]


def test_a_quarter_with_too_few_exits_joins_the_next_one():
    exits = [2, 2, 2, 2, 2, 2, 0]

    assert closed_pools(periods=MONTHS, exits=exits, current=3, need=NEED) == []
    pools = closed_pools(periods=MONTHS, exits=exits, current=6, need=NEED)
    assert [(p.rounds, p.label) for p in pools] == [((0, 1, 2, 3, 4, 5), "2026-Q1 to 2026-Q2")]


def test_pools_never_share_a_round():
    exits = [6, 6, 6, 6, 6, 6, 6]
    found = closed_pools(periods=MONTHS, exits=exits, current=6, need=NEED)
    rounds = [r for pool in found for r in pool.rounds]

    assert len(rounds) == len(set(rounds))
    assert [p.label for p in found] == ["2026-Q1", "2026-Q2"]


def test_a_round_without_a_date_is_a_period_of_its_own():
    mixed = [period_of(None, "legacy-a"), period_of(None, "legacy-b"), *periods("2026-01-05")]

    pools = closed_pools(periods=mixed, exits=[12, 3, 0], current=2, need=NEED)

    assert [(p.rounds, p.label) for p in pools] == [((0,), "legacy-a")]
