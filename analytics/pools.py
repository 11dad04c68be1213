"""Exit pools: leavers are few, so their answers are pooled over fixed periods.

Every exit response belongs to exactly one pool, and a pool is published once, so no two
reports ever show overlapping groups of leavers (whose difference would single one out).
Periods are calendar quarters of the day each round began; a round without a known day (an
imported round whose label names no date) is a period of its own. Walking the periods in the
order the rounds came, a pool closes as soon as it holds enough exit responses (max(k, 10));
a period with fewer joins the next one. Only periods that ended before the report's round are
pooled, and a report shows the newest pool no earlier report has shown (ANALYSIS.md, "Other
views").
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass


def period_of(starts_on: dt.date | None, label: str) -> tuple:
    if starts_on is None:
        return ("round", label)
    return ("quarter", starts_on.year, (starts_on.month - 1) // 3 + 1)


def period_label(period: tuple) -> str:
    return period[1] if period[0] == "round" else f"{period[1]}-Q{period[2]}"


@dataclass(frozen=True)
class Pool:
    rounds: tuple[int, ...]  # indices into the report's rounds, oldest first
    periods: tuple[str, ...]  # e.g. ("2026-Q1", "2026-Q2")

    @property
    def label(self) -> str:
        first, last = self.periods[0], self.periods[-1]
        return first if first == last else f"{first} to {last}"


def closed_pools(
    *, periods: Sequence[tuple], exits: Sequence[int], current: int, need: int
) -> list[Pool]:
    """The pools closed by the report of round `current`.

    `periods[i]` is round i's period and `exits[i]` its number of exit responses; rounds are
    oldest first. A period has ended when it first appears before the current round's period.
    """
    order: list[tuple] = []
    for period in periods[: current + 1]:
        if period not in order:
            order.append(period)
    ended = order[: order.index(periods[current])]
    pools: list[Pool] = []
    taken: list[tuple] = []
    n = 0
    for period in ended:
        taken.append(period)
        n += sum(e for p, e in zip(periods[:current], exits, strict=False) if p == period)
        if n >= need:
            rounds = tuple(i for i in range(current) if periods[i] in taken)
            pools.append(Pool(rounds, tuple(period_label(p) for p in taken)))
            taken, n = [], 0
    return pools
