"""What a published figure stands for: the set of responses behind each cell of a report.

Every cell a report publishes is stored with its specification: the group of respondents
(lived, onboarding, exit), the rounds, the segment (departments by id, as they were at
publication, or one category of a dimension) and what a response needs to count (a score for a
value, an answer to a question). Evaluated against the stored answers of frozen rounds, a
specification gives back exactly the responses behind the figure, so the differencing auditor
(`auditor.py`) can compare a new report with every report published before it.

Snapshots stored before specifications were kept get them derived from their figures
(`legacy_specs`), by the department names and round labels they show.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from surveys.models import Organization, Round

from .auditor import AuditCell
from .models import ReportSnapshot
from .selectors import ReportInput, ResponseSet

AUDITED_GROUPS = ("lived", "onboarding", "exit")

# Which new cell goes first when a subtraction must be prevented: exit pools before segment
# cells, segment cells before a whole round's figure.
RANK_POOL, RANK_SEGMENT, RANK_ROUND = 0, 1, 2

Spec = dict[str, Any]


def spec(
    *,
    key: str,
    measure: str,
    family: str,
    group: str,
    rounds: Iterable[int],
    where: list | None,
    needs: list | None,
    rank: int,
) -> Spec:
    """A cell's specification, as stored with its snapshot (JSON)."""
    return {
        "key": key,
        "measure": measure,
        "family": family,
        "group": group,
        "rounds": sorted(int(r) for r in rounds),
        "where": where,
        "needs": needs,
        "rank": rank,
    }


def signature(item: Spec) -> str:
    """What a specification selects, whatever its key: equal signatures, equal responses."""
    return json.dumps(
        [item["measure"], item["group"], item["rounds"], item["where"], item["needs"]]
    )


@dataclass
class Universe:
    """The responses an audit looks at: every lived, onboarding and exit response loaded for
    the report, one after another, with what each specification needs of them."""

    inp: ReportInput
    scorer: Any  # report.scoring.Scorer (kept untyped: the report builder imports this module)

    def __post_init__(self) -> None:
        groups = self.inp.groups
        self.offsets: dict[str, int] = {}
        start = 0
        for name in AUDITED_GROUPS:
            self.offsets[name] = start
            start += groups[name].size
        self.size = start
        self.live = np.concatenate([~groups[name].imported for name in AUDITED_GROUPS])
        round_ids = np.array([r.id for r in self.inp.rounds], dtype=np.int64)
        self.round_ids = {
            name: round_ids[groups[name].round_index] if groups[name].size else np.zeros(0, int)
            for name in AUDITED_GROUPS
        }
        self.question_column = {q.id: q.column for q in self.inp.questions}
        self._needs: dict[tuple, np.ndarray] = {}
        self._selected: dict[tuple, np.ndarray] = {}

    def mask(self, item: Spec) -> np.ndarray:
        """The responses behind a specification, as a mask over the universe."""
        out = np.zeros(self.size, dtype=bool)
        group = item["group"]
        if group not in self.offsets:
            return out
        local = self.selected(group, "rounds", item["rounds"]).copy()
        where = item.get("where")
        if where:
            local &= self.selected(group, *where)
        if item.get("needs"):
            local &= self.needs(group, tuple(item["needs"]))
        start = self.offsets[group]
        out[start : start + local.size] = local
        return out

    def selected(self, group: str, dimension: str, chosen: Any) -> np.ndarray:
        """Which responses of a group are in the chosen rounds, departments or category; kept,
        since the specifications of every value ask for the same few."""
        key = (group, dimension, json.dumps(chosen))
        if key not in self._selected:
            rs: ResponseSet = self.inp.groups[group]
            if dimension == "rounds":
                found = np.isin(self.round_ids[group], chosen)
            elif dimension == "department":
                found = np.isin(rs.department, chosen)
            else:
                found = getattr(rs, dimension) == chosen
            self._selected[key] = found
        return self._selected[key]

    def needs(self, group: str, needs: tuple) -> np.ndarray:
        """Which responses of a group have what a figure needs, e.g. a score for a value."""
        key = (group, *needs)
        if key not in self._needs:
            rs = self.inp.groups[group]
            kind, what = needs
            if kind == "score":
                found = ~np.isnan(self.scorer.scores(rs, self.scorer.items(what, "employee")))
            elif kind == "both":
                expected = self.scorer.scores(rs, self.scorer.items(what, "onboarding_expected"))
                found_ = self.scorer.scores(rs, self.scorer.items(what, "onboarding_found"))
                found = ~np.isnan(expected) & ~np.isnan(found_)
            elif kind == "number" and what in self.question_column:
                found = ~np.isnan(rs.numbers[:, self.question_column[what]])
            else:
                found = np.zeros(rs.size, dtype=bool)
            self._needs[key] = found
        return self._needs[key]

    def cells(self, specs: Iterable[Spec], *, new: bool, prefix: str = "") -> list[AuditCell]:
        return [
            AuditCell(
                key=prefix + item["key"],
                measure=item["measure"],
                family=item["family"],
                mask=self.mask(item),
                new=new,
                rank=item.get("rank", RANK_SEGMENT),
            )
            for item in specs
        ]


def legacy_specs(data: dict[str, Any], inp: ReportInput) -> list[Spec]:
    """Specifications of a snapshot stored without them, read off its published figures.

    Departments are found by name in today's tree and rounds by label, which is the best that
    can be known of a report published before specifications were kept.
    """
    rounds = {r.label: r.id for r in inp.rounds}
    by_name = {name: pk for pk, (name, _parent) in inp.departments.items()}
    children: dict[int | None, list[int]] = {}
    for pk, (_name, parent) in inp.departments.items():
        children.setdefault(parent, []).append(pk)

    def subtree(pk: int) -> list[int]:
        found, stack = [], [pk]
        while stack:
            node = stack.pop()
            found.append(node)
            stack.extend(children.get(node, []))
        return found

    def where(segment: str) -> list | bool | None:
        if segment == "all":
            return None
        dimension, _, category = segment.partition(":")
        if dimension == "department":
            return ["department", subtree(by_name[category])] if category in by_name else False
        return [dimension, category]

    own = rounds.get(data.get("wave"))
    found: list[Spec] = []
    if own is None:
        return found
    for entry in data.get("stated_vs_lived", []):
        place = where(entry["segment"])
        if entry.get("n_employees") is None or place is False:
            continue
        found.append(
            spec(
                key=f"stated/{entry['value']}/{entry['segment']}",
                measure=f"lived:{entry['value']}",
                family=entry["segment"].partition(":")[0],
                group="lived",
                rounds=[own],
                where=place,
                needs=["score", entry["value"]],
                rank=RANK_SEGMENT,
            )
        )
    for entry in data.get("trends", []):
        for point in entry.get("waves", []):
            if point.get("n") is not None and point["wave"] in rounds:
                found.append(
                    spec(
                        key=f"trend/{entry['value']}/{point['wave']}",
                        measure=f"lived:{entry['value']}",
                        family="round",
                        group="lived",
                        rounds=[rounds[point["wave"]]],
                        where=None,
                        needs=["score", entry["value"]],
                        rank=RANK_ROUND,
                    )
                )
    for entry in data.get("leavers_vs_stayers", []):
        place = where(entry["segment"])
        pooled = [rounds[label] for label in entry.get("waves", []) if label in rounds]
        if entry.get("suppressed") or place is False or not pooled:
            continue
        for group, side in (("exit", "exit"), ("lived", "stayers")):
            found.append(
                spec(
                    key=f"leavers/{'+'.join(entry['waves'])}/{entry['value']}/"
                    f"{entry['segment']}/{side}",
                    measure=f"{group}:{entry['value']}",
                    family=entry["segment"].partition(":")[0],
                    group=group,
                    rounds=pooled,
                    where=place,
                    needs=["score", entry["value"]],
                    rank=RANK_POOL,
                )
            )
    for entry in data.get("promised_vs_found", []):
        if entry.get("n") is not None:
            found.append(
                spec(
                    key=f"promised/{entry['value']}",
                    measure=f"onboarding:{entry['value']}",
                    family="all",
                    group="onboarding",
                    rounds=[own],
                    where=None,
                    needs=["both", entry["value"]],
                    rank=RANK_ROUND,
                )
            )
    enps = data.get("enps") or {}
    question = next((q.id for q in inp.questions if q.code == enps.get("question")), None)
    if enps.get("n") is not None and question is not None:
        found.append(
            spec(
                key="enps",
                measure=f"enps:{question}",
                family="all",
                group="lived",
                rounds=[own],
                where=None,
                needs=["number", question],
                rank=RANK_ROUND,
            )
        )
    return found


def published_specs(
    *, organization: Organization, round_: Round, inp: ReportInput
) -> list[tuple[int, list[dict]]]:
    """(round id, cell specifications) of every report published for the organization up to
    this round, for the differencing audit. Reports stored before specifications were kept
    get them read off their figures."""
    found = []
    snapshots = ReportSnapshot.objects.filter(
        organization=organization, round__sequence__lte=round_.sequence
    ).order_by("created_at", "pk")
    for snapshot in snapshots.iterator():
        specs = snapshot.cells if snapshot.cells is not None else legacy_specs(snapshot.data, inp)
        found.append((snapshot.round_id, specs))
    return found
