"""Builds a gap report (ANALYSIS.md, every view) from a `ReportInput`.

No database access: the selectors load the arrays, this module turns them into the report's
JSON. Every figure passes the confidentiality rules on the way: k and complementary
suppression (`confidentiality.py`), then the differencing auditor (`auditor.py`) against every
report published before, and each published cell is kept with what it stands for
(`publication.py`).
The report's schema is documented in docs/report-schema.md.
"""

import re
import secrets
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.confidentiality import Decision, hidden_key, tree_visibility, visible_cells

from . import stats
from .auditor import Finding, audit
from .pools import Pool, closed_pools, period_of
from .publication import RANK_POOL, RANK_ROUND, RANK_SEGMENT, Spec, Universe, signature, spec
from .selectors import QuestionMeta, ReportInput, ResponseSet

DIMENSIONS = ("department", "tenure_band", "location", "level")
MAX_AUDIT_PASSES = 50
MIN_EXIT_AND_COMMENTS = 10  # comments and exit cuts need max(k, 10)
MIN_LEADERS_FOR_SPAN = 3
TENURE_ORDER = ["lt_6m", "6_12m", "1_2y", "2_5y", "5y_plus"]
SDI_DEFINITION = (
    "100 × the mean, over values with enough data, of max(0, Cliff's delta of leaders' "
    "ratings vs employees' experience) at company level. 0 means leadership rates no value "
    "above what employees live; 100 means every leader rates every value above every employee."
)
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
PHONE = re.compile(r"(?<!\w)[+(]?\d[\d\s().\-/]{6,}\d(?!\w)")

Progress = Callable[[int, str], None]


DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$|^\d{1,2}[./]\d{1,2}[./]\d{2,4}$")


def mask_personal(text: str) -> str:
    """Emails and phone numbers in a comment, masked (a date is not a phone number)."""

    def phone(match: re.Match) -> str:
        found = match.group(0)
        digits = sum(c.isdigit() for c in found)
        return found if DATE.match(found.strip()) or digits < 7 else "[phone number]"

    return PHONE.sub(phone, EMAIL.sub("[email]", text))


def seed_for(*parts: object) -> int:
    """A fixed seed per cell, so every figure is reproducible whatever the order of work."""
    return zlib.crc32("|".join(map(str, parts)).encode())


class TestRegistry:
    """Every p-value of the report, for one Benjamini–Hochberg correction at the end."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def add(self, entry: dict[str, Any], p: float | None) -> None:
        entry["p_value"] = p
        entry["q_value"] = None
        if p is not None:
            self.entries.append(entry)

    def correct(self) -> int:
        q_values = stats.bh_qvalues([e["p_value"] for e in self.entries])
        for entry, q in zip(self.entries, q_values, strict=True):
            entry["q_value"] = q
        return len(self.entries)


class Scorer:
    """Value scores of a response set, honouring the two-thirds rule per respondent's survey."""

    def __init__(self, questions: list[QuestionMeta]) -> None:
        self.questions = questions

    def items(self, value: str, perspective: str) -> list[QuestionMeta]:
        """The value's items of one perspective: likert ratings, or percent predictions."""
        wanted = "percent" if perspective == "leader_prediction" else "likert"
        return [
            q
            for q in self.questions
            if q.value == value and q.perspective == perspective and q.type == wanted
        ]

    def scores(self, rs: ResponseSet, items: list[QuestionMeta]) -> np.ndarray:
        """Per respondent: mean of the value's items their survey asked (reverse flipped),
        NaN unless two thirds of them were answered (or the survey asked none)."""
        out = np.full(rs.size, np.nan)
        if not items or rs.size == 0:
            return out
        cols = np.array([q.column for q in items])
        reverse = np.array([q.reverse for q in items])
        asked = rs.asked[:, cols]
        patterns = {tuple(row) for row in asked}
        for pattern in patterns:
            chosen = np.array(pattern, dtype=bool)
            if not chosen.any():
                continue
            rows = np.all(asked == chosen, axis=1)
            out[rows] = stats.value_scores(rs.numbers[np.ix_(rows, cols[chosen])], reverse[chosen])
        return out

    def numeric(self, rs: ResponseSet, question: QuestionMeta) -> np.ndarray:
        return rs.numbers[:, question.column]


def _finite(a: np.ndarray) -> np.ndarray:
    return a[~np.isnan(a)]


def _empty_cell(value: str, segment: str) -> dict[str, Any]:
    return {
        "value": value,
        "segment": segment,
        "n_leaders": None,
        "n_employees": None,
        "leader_mean": None,
        "employee_mean": None,
        "gap": None,
        "gap_ci": None,
        "cliffs_delta": None,
        "effect_size": None,
        "test": None,
        "p_value": None,
        "q_value": None,
        "employee_favorable_pct": None,
        "employee_unfavorable_pct": None,
        "leader_span": None,
        "classification": "suppressed",
        "severity": None,
        "tags": [],
    }


def arrange_comments(groups: list[list[tuple[int, str]]]) -> list[tuple[int, str]]:
    """Comments in question groups, shuffled by the operating system's randomness (no seed is
    stored, so the order cannot be undone), with no two of one response next to each other.

    Each group holds (response row, text) of one question, so a response appears at most once
    in a group; only where two groups meet can one response be on both sides. There the first
    comment of the later group is swapped with another of its group, or, in a group of one,
    the groups are put in another order. A comment that no order can keep apart is left out.
    Returns (group index, text) pairs.
    """
    random = secrets.SystemRandom()
    pending = [[(i, row, text) for row, text in group] for i, group in enumerate(groups)]
    for group in pending:
        random.shuffle(group)
    arranged: list[tuple[int, int, str]] = []  # (group index, response row, text)
    while pending:
        last = arranged[-1][1] if arranged else None
        position = _next_group(pending, last)
        if position is None:
            # Every remaining group is one comment by the author just shown: leave one out.
            pending[0].pop(0)
            pending = [g for g in pending if g]
            continue
        arranged.extend(pending.pop(position))
    return [(index, text) for index, _row, text in arranged]


def _next_group(pending: list[list[tuple[int, int, str]]], last: int | None) -> int | None:
    """The first group (in question order) that can follow a comment of response `last`,
    its first comment swapped for another where needed; None when none can."""
    for position, group in enumerate(pending):
        if group[0][1] != last:
            return position
        swap = next((j for j in range(1, len(group)) if group[j][1] != last), None)
        if swap is not None:
            group[0], group[swap] = group[swap], group[0]
            return position
    return None


@dataclass
class Plan:
    """Which cells a report publishes, each with what it stands for."""

    shown: dict[str, bool] = field(default_factory=dict)
    specs: list[Spec] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)

    def decide(self, key: str, shown: bool, item: Spec | None = None) -> bool:
        self.shown[key] = shown
        if shown and item is not None:
            self.specs.append(item)
        return shown

    def __getitem__(self, key: str) -> bool:
        return self.shown.get(key, False)


class ReportBuilder:
    def __init__(
        self,
        inp: ReportInput,
        progress: Progress | None = None,
        published: Sequence[tuple[int, Sequence[Spec]]] = (),
    ) -> None:
        """`published`: (round id, cell specifications) of every report already published
        for the organization, which this one is audited against."""
        self.inp = inp
        self.k = inp.min_group_size
        self.need = max(self.k, MIN_EXIT_AND_COMMENTS)
        self.progress = progress or (lambda percent, stage: None)
        self.scorer = Scorer(inp.questions)
        self.tests = TestRegistry()
        self.current = inp.current
        self.round_id = inp.rounds[self.current].id
        groups = inp.groups
        self.lived_all = groups["lived"]
        self.lived = groups["lived"].rows(groups["lived"].round_index == self.current)
        self.leaders = groups["leadership"].rows(groups["leadership"].round_index == self.current)
        self.onboarding = groups["onboarding"].rows(
            groups["onboarding"].round_index == self.current
        )
        self.values = [code for code, _name in inp.values]
        self.value_names = dict(inp.values)
        # Employee and leader scores per value for the report's round.
        self.employee_scores = {
            v: self.scorer.scores(self.lived, self.scorer.items(v, "employee")) for v in self.values
        }
        self.leader_scores = {
            v: _finite(self.scorer.scores(self.leaders, self.scorer.items(v, "leader")))
            for v in self.values
        }
        self.children: dict[int | None, list[int]] = {}
        for pk, (_name, parent) in sorted(inp.departments.items(), key=lambda d: d[1][0]):
            self.children.setdefault(parent if parent in inp.departments else None, []).append(pk)
        self.published = [(round_id, list(specs)) for round_id, specs in published]
        self.universe = Universe(inp, self.scorer)
        self.pool = self._due_pool()
        self.plan = Plan()
        self.findings: list[Finding] = []

    # --- segments ---------------------------------------------------------------------------

    def subtree(self, department: int) -> set[int]:
        found, stack = set(), [department]
        while stack:
            node = stack.pop()
            if node not in found:
                found.add(node)
                stack.extend(self.children.get(node, []))
        return found

    def segment_masks(self, rs: ResponseSet) -> list[tuple[str, str, np.ndarray]]:
        """(dimension, segment key, row mask) for every cell of every dimension."""
        cells: list[tuple[str, str, np.ndarray]] = []
        for pk in self._departments_in_order():
            name = self.inp.departments[pk][0]
            mask = np.isin(rs.department, list(self.subtree(pk)))
            cells.append(("department", f"department:{name}", mask))
        for dimension in DIMENSIONS[1:]:
            column = getattr(rs, dimension)
            for category in self.categories(dimension):
                cells.append((dimension, f"{dimension}:{category}", column == category))
        return cells

    def where(self, segment: str) -> list | None:
        """A segment as a specification stores it: departments by id, as they are now."""
        if segment == "all":
            return None
        dimension, _, category = segment.partition(":")
        if dimension == "department":
            pk = next(pk for pk, (name, _p) in self.inp.departments.items() if name == category)
            return ["department", sorted(self.subtree(pk))]
        return [dimension, category]

    def categories(self, dimension: str) -> list[str]:
        found = self.lived_categories(dimension)
        if dimension == "tenure_band":
            return [band for band in TENURE_ORDER if band in found]
        return sorted(found)

    def lived_categories(self, dimension: str) -> set[str]:
        return {c for c in getattr(self.lived, dimension) if c}

    def _departments_in_order(self) -> list[int]:
        ordered: list[int] = []

        def visit(parent: int | None) -> None:
            for pk in self.children.get(parent, []):
                ordered.append(pk)
                visit(pk)

        visit(None)
        return ordered

    def visibility(
        self,
        rs: ResponseSet,
        present: np.ndarray,
        k: int,
        *,
        forced: set[str] = frozenset(),
        parent_shown: bool = True,
    ) -> dict[str, Decision]:
        """Decisions for every segment cell, given which rows count (e.g. have a score).
        Segments in `forced` are hidden (the auditor found them), and their siblings follow."""
        decisions: dict[str, Decision] = {}
        total = int(present.sum())
        departments = rs.department[present]
        node_n = {
            pk: int(np.isin(departments, list(self.subtree(pk))).sum())
            for pk in self.inp.departments
        }
        direct_n: dict[int | None, int] = {
            pk: int((departments == pk).sum()) for pk in self.inp.departments
        }
        direct_n[None] = int((~np.isin(departments, list(self.inp.departments))).sum())
        forced_departments = {
            pk for pk, (name, _p) in self.inp.departments.items() if f"department:{name}" in forced
        }
        for pk, decision in tree_visibility(
            total_n=total,
            node_n=node_n,
            direct_n=direct_n,
            children=self.children,
            k=k,
            forced=forced_departments,
            root_shown=parent_shown,
        ).items():
            decisions[f"department:{self.inp.departments[pk][0]}"] = decision
        for dimension in DIMENSIONS[1:]:
            column = getattr(rs, dimension)[present]
            categories = self.categories(dimension)
            cells = {c: int((column == c).sum()) for c in categories}
            unknown = total - sum(cells.values())
            if unknown:
                cells[hidden_key("unknown")] = unknown
            for category, decision in visible_cells(
                parent_n=total,
                cells=cells,
                k=k,
                parent_shown=parent_shown,
                forced={c for c in categories if f"{dimension}:{c}" in forced},
            ).items():
                if category in categories:
                    decisions[f"{dimension}:{category}"] = decision
        return decisions

    # --- publication: which cells are shown, audited against every earlier report ---------

    def publish(self) -> None:
        """Decide every cell to show: the rules of k and complementary suppression, then the
        differencing auditor over this report and every earlier one, until it finds nothing.

        A cell published before with the very same specification stands for the same responses
        (its rounds are frozen), so it is audited once, as the earlier cell; earlier cells are
        looked at only where their rounds meet a cell this report adds."""
        earlier = [
            (f"{index}:", item)
            for index, (_round_id, specs) in enumerate(self.published)
            for item in specs
        ]
        seen = {signature(item) for _prefix, item in earlier}
        forced: set[str] = set()
        for _attempt in range(MAX_AUDIT_PASSES):
            plan = self._plan(forced)
            fresh = [item for item in plan.specs if signature(item) not in seen]
            rounds = {r for item in fresh for r in item["rounds"]}
            old = [
                cell
                for prefix, item in earlier
                if rounds.intersection(item["rounds"])
                for cell in self.universe.cells([item], new=False, prefix=prefix)
            ]
            new = self.universe.cells(fresh, new=True)
            findings = [
                f
                for f in audit([*old, *new], live=self.universe.live, k=self.k)
                if f.suppress not in forced
            ]
            if not findings:
                break
            self.findings.extend(findings)
            forced |= {f.suppress for f in findings}
        else:  # never seen: every pass hides at least one more cell, and cells are few
            raise RuntimeError("the differencing audit did not settle")
        for finding in self.findings:
            plan.reasons[finding.suppress] = finding.reason
        self.plan = plan

    def _plan(self, forced: set[str]) -> Plan:
        plan = Plan()
        lived_needs = {v: ["score", v] for v in self.values}
        masks = self.segment_masks(self.lived)
        for value in self.values:
            present = ~np.isnan(self.employee_scores[value])
            prefix = f"stated/{value}/"
            shown_all = self._whole(
                plan,
                forced,
                prefix + "all",
                n=int(present.sum()),
                measure=f"lived:{value}",
                group="lived",
                round_id=self.round_id,
                needs=lived_needs[value],
            )
            decisions = self.visibility(
                self.lived,
                present,
                self.k,
                forced={key[len(prefix) :] for key in forced if key.startswith(prefix)},
                parent_shown=shown_all,
            )
            for dimension, segment, _mask in masks:
                plan.decide(
                    prefix + segment,
                    decisions.get(segment, Decision(False, "below_k")).shown,
                    spec(
                        key=prefix + segment,
                        measure=f"lived:{value}",
                        family=dimension,
                        group="lived",
                        rounds=[self.round_id],
                        where=self.where(segment),
                        needs=lived_needs[value],
                        rank=RANK_SEGMENT,
                    ),
                )
            # Every round's point of the value's trend.
            scores = self.universe.needs("lived", ("score", value))
            for index, info in enumerate(self.inp.rounds):
                self._whole(
                    plan,
                    forced,
                    f"trend/{value}/{info.label}",
                    n=int((scores & (self.lived_all.round_index == index)).sum()),
                    measure=f"lived:{value}",
                    group="lived",
                    round_id=info.id,
                    needs=lived_needs[value],
                    family="round",
                )
            self._plan_leavers(plan, value, forced)
            self._whole(
                plan,
                forced,
                f"promised/{value}",
                n=int(
                    self.universe.needs("onboarding", ("both", value))[self._onboarding_now].sum()
                ),
                measure=f"onboarding:{value}",
                group="onboarding",
                round_id=self.round_id,
                needs=["both", value],
            )
        question = self._recommend()
        if question is not None:
            self._whole(
                plan,
                forced,
                "enps",
                n=int(np.count_nonzero(~np.isnan(self.scorer.numeric(self.lived, question)))),
                measure=f"enps:{question.id}",
                group="lived",
                round_id=self.round_id,
                needs=["number", question.id],
            )
        return plan

    def _whole(
        self,
        plan: Plan,
        forced: set[str],
        key: str,
        *,
        n: int,
        measure: str,
        group: str,
        round_id: int,
        needs: list,
        family: str = "all",
    ) -> bool:
        """A figure over a whole group of one round (no segment): shown when n >= k and the
        auditor has not withheld it."""
        return plan.decide(
            key,
            n >= self.k and key not in forced,
            spec(
                key=key,
                measure=measure,
                family=family,
                group=group,
                rounds=[round_id],
                where=None,
                needs=needs,
                rank=RANK_ROUND,
            ),
        )

    @property
    def _onboarding_now(self) -> np.ndarray:
        return self.inp.groups["onboarding"].round_index == self.current

    def _recommend(self) -> QuestionMeta | None:
        return next((q for q in self.inp.questions if q.type == "recommend"), None)

    # --- exit pools --------------------------------------------------------------------------

    def _due_pool(self) -> Pool | None:
        """The newest closed exit pool that no report of an earlier round has shown."""
        rounds = self.inp.rounds
        exits = self.inp.groups["exit"]
        pools = closed_pools(
            periods=[period_of(r.starts_on, r.label) for r in rounds],
            exits=[int((exits.round_index == i).sum()) for i in range(len(rounds))],
            current=self.current,
            need=self.need,
        )
        if not pools:
            return None
        newest = pools[-1]
        ids = {rounds[i].id for i in newest.rounds}
        for round_id, specs in self.published:
            if round_id == self.round_id:
                continue  # this round's own earlier report (a recomputation) may show it again
            if any(item["group"] == "exit" and ids & set(item["rounds"]) for item in specs):
                return None  # shown before, or sharing leavers with a pool that was
        return newest

    def _stayer_rounds(self, value: str) -> list[int]:
        """The pool's rounds whose own lived n for the value is 0 or at least k: a round
        with fewer would be the difference between the stayers side and the trend points."""
        scores = self.universe.needs("lived", ("score", value))
        kept = []
        for index in self.pool.rounds if self.pool else ():
            n = int((scores & (self.lived_all.round_index == index)).sum())
            if n == 0 or n >= self.k:
                kept.append(index)
        return kept

    def _top_level(self, departments: np.ndarray) -> np.ndarray:
        top = {}
        for pk in self.inp.departments:
            node = pk
            while self.inp.departments[node][1] in self.inp.departments:
                node = self.inp.departments[node][1]
            top[pk] = node
        return np.array([top.get(int(d), -1) for d in departments], dtype=int)

    def _pool_sides(self, value: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Exit and stayers scores of the due pool for a value, with each row's top-level
        department."""
        exits_all = self.inp.groups["exit"]
        exits = exits_all.rows(np.isin(exits_all.round_index, self.pool.rounds))
        stayers = self.lived_all.rows(
            np.isin(self.lived_all.round_index, self._stayer_rounds(value))
        )
        items = self.scorer.items(value, "employee")
        return (
            self.scorer.scores(exits, items),
            self.scorer.scores(stayers, items),
            self._top_level(exits.department),
            self._top_level(stayers.department),
        )

    def _plan_leavers(self, plan: Plan, value: str, forced: set[str]) -> None:
        if self.pool is None:
            return
        x, e, x_top, e_top = self._pool_sides(value)
        x_ok, e_ok = ~np.isnan(x), ~np.isnan(e)
        roots = self.children.get(None, [])
        exit_decisions = visible_cells(
            parent_n=int(x_ok.sum()),
            cells={str(r): int((x_ok & (x_top == r)).sum()) for r in roots},
            k=self.need,
        )
        lived_decisions = visible_cells(
            parent_n=int(e_ok.sum()),
            cells={str(r): int((e_ok & (e_top == r)).sum()) for r in roots},
            k=self.k,
        )
        ids = [self.inp.rounds[i].id for i in self.pool.rounds]
        stayer_ids = [self.inp.rounds[i].id for i in self._stayer_rounds(value)]
        segments = [("all", int(x_ok.sum()) >= self.need and int(e_ok.sum()) >= self.k)]
        for root in roots:
            segments.append(
                (
                    f"department:{self.inp.departments[root][0]}",
                    segments[0][1]
                    and exit_decisions[str(root)].shown
                    and lived_decisions[str(root)].shown,
                )
            )
        for segment, shown in segments:
            base = f"leavers/{self.pool.label}/{value}/{segment}"
            shown = shown and f"{base}/exit" not in forced and f"{base}/stayers" not in forced
            family = segment.partition(":")[0]
            for side, group, rounds in (("exit", "exit", ids), ("stayers", "lived", stayer_ids)):
                plan.decide(
                    f"{base}/{side}",
                    shown,
                    spec(
                        key=f"{base}/{side}",
                        measure=f"{group}:{value}",
                        family=family,
                        group=group,
                        rounds=rounds,
                        where=self.where(segment),
                        needs=["score", value],
                        rank=RANK_POOL,
                    ),
                )

    # --- views ------------------------------------------------------------------------------

    def stated_vs_lived(self) -> list[dict[str, Any]]:
        entries = []
        masks = self.segment_masks(self.lived)
        for index, value in enumerate(self.values):
            self.progress(
                10 + int(50 * index / max(1, len(self.values))), f"stated vs lived: {value}"
            )
            scores = self.employee_scores[value]
            present = ~np.isnan(scores)
            prefix = f"stated/{value}/"
            entries.append(
                self._gap_cell(value, "all", scores[present], shown=self.plan[prefix + "all"])
            )
            for _dimension, segment, mask in masks:
                entries.append(
                    self._gap_cell(
                        value, segment, scores[mask & present], shown=self.plan[prefix + segment]
                    )
                )
        return entries

    def _gap_cell(
        self, value: str, segment: str, emp: np.ndarray, *, shown: bool
    ) -> dict[str, Any]:
        if not shown:
            return _empty_cell(value, segment)
        lead = self.leader_scores[value]
        result = stats.stated_vs_lived(lead, emp, seed=seed_for(value, segment))
        desc = stats.describe(emp)
        testable = result.n_leaders > 0 and result.n_employees >= stats.MIN_EMPLOYEES
        entry = {
            "value": value,
            "segment": segment,
            "n_leaders": result.n_leaders,
            "n_employees": result.n_employees,
            "leader_mean": result.leader_mean,
            "employee_mean": result.employee_mean,
            "gap": result.gap,
            "gap_ci": list(result.gap_ci) if testable and result.gap_ci else None,
            "cliffs_delta": result.cliffs_delta,
            "effect_size": result.effect_size,
            "test": result.test if testable else None,
            "employee_favorable_pct": desc.favorable_pct,
            "employee_unfavorable_pct": desc.unfavorable_pct,
            # With one or two leaders the span would give away individual ratings.
            "leader_span": result.leader_span if result.n_leaders >= MIN_LEADERS_FOR_SPAN else None,
            "classification": None,
            "severity": None,
            "tags": [],
        }
        self.tests.add(entry, result.p_value if testable else None)
        entry["_span"] = result.leader_span  # for the classification only, removed after
        return entry

    def classify(self, entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            if entry["classification"] == "suppressed":
                continue
            result = stats.classify(
                n_leaders=entry["n_leaders"],
                n_employees=entry["n_employees"],
                employee_mean=entry["employee_mean"],
                gap=entry["gap"],
                gap_ci_low=entry["gap_ci"][0] if entry["gap_ci"] else None,
                cliffs_delta=entry["cliffs_delta"],
                q_value=entry["q_value"],
                leader_span=entry.pop("_span"),
            )
            entry["classification"] = result.classification
            entry["severity"] = result.severity
            # Like the span itself, the split tag would describe one or two people.
            entry["tags"] = [
                tag
                for tag in result.tags
                if tag != "leadership_split" or entry["n_leaders"] >= MIN_LEADERS_FOR_SPAN
            ]

    def self_deception(self, entries: list[dict[str, Any]]) -> dict[str, Any]:
        company = [
            e
            for e in entries
            if e["segment"] == "all"
            and e["classification"] not in ("suppressed", "insufficient_data")
        ]
        trend = []
        for index, info in enumerate(self.inp.rounds):
            if index == self.current:
                value = stats.self_deception_index([e["cliffs_delta"] for e in company])
                counted = len(company)
            else:
                value, counted = self._past_index(index)
            trend.append({"wave": info.label, "value": value, "n_values": counted})
        return {
            "value": trend[-1]["value"],
            "n_values": len(company),
            "values": [e["value"] for e in company],
            "definition": SDI_DEFINITION,
            "trend": trend,
        }

    def _past_index(self, index: int) -> tuple[float | None, int]:
        groups = self.inp.groups
        lived = groups["lived"].rows(groups["lived"].round_index == index)
        leaders = groups["leadership"].rows(groups["leadership"].round_index == index)
        deltas = []
        for value in self.values:
            emp = _finite(self.scorer.scores(lived, self.scorer.items(value, "employee")))
            lead = _finite(self.scorer.scores(leaders, self.scorer.items(value, "leader")))
            if lead.size and emp.size >= max(self.k, stats.MIN_EMPLOYEES):
                deltas.append(stats.cliffs_delta(lead, emp))
        return stats.self_deception_index(deltas), len(deltas)

    def calibration(self) -> tuple[list[dict[str, Any]], float | None]:
        entries, errors = [], []
        for value in self.values:
            items = self.scorer.items(value, "leader_prediction")
            predictions = np.full(self.leaders.size, np.nan)
            if items and self.leaders.size:
                cols = [q.column for q in items]
                block = self.leaders.numbers[:, cols]
                answered = ~np.isnan(block)
                counts = answered.sum(axis=1)
                sums = np.where(answered, block, 0).sum(axis=1)
                predictions[counts > 0] = sums[counts > 0] / counts[counts > 0]
            predictions = _finite(predictions)
            emp = _finite(self.employee_scores[value])
            entry: dict[str, Any] = {"value": value, "n_leaders": int(predictions.size)}
            # The actual share is the company cell's: shown exactly when that cell is.
            shown = self.plan[f"stated/{value}/all"]
            if not shown or predictions.size == 0:
                entry |= {
                    "n_employees": None,
                    "mean_prediction": None,
                    "actual_favorable_pct": None,
                    "error": None,
                    "suppressed": not shown,
                }
            else:
                actual = stats.describe(emp).favorable_pct
                result = stats.calibration(predictions, actual)
                entry |= {
                    "n_employees": int(emp.size),
                    "mean_prediction": result.mean_prediction,
                    "actual_favorable_pct": result.actual,
                    "error": result.error,
                    "suppressed": False,
                }
                errors.append(result.error)
            entries.append(entry)
        return entries, stats.calibration_mae(errors)

    def profile_agreement(self) -> dict[str, Any]:
        leader_means, employee_means, used = [], [], []
        for value in self.values:
            lead = self.leader_scores[value]
            emp = _finite(self.employee_scores[value])
            if lead.size and self.plan[f"stated/{value}/all"]:
                leader_means.append(float(lead.mean()))
                employee_means.append(float(emp.mean()))
                used.append(value)
        result = stats.profile_agreement(leader_means, employee_means)
        entry = {"values": used, "n_values": result.n_values, "rho": result.rho}
        self.tests.add(entry, result.p_value)
        return entry

    def leavers_vs_stayers(self) -> list[dict[str, Any]]:
        if self.pool is None:
            return []
        labels = [self.inp.rounds[i].label for i in self.pool.rounds]
        roots = self.children.get(None, [])
        entries = []
        for value in self.values:
            x, e, x_top, e_top = self._pool_sides(value)
            x_ok, e_ok = ~np.isnan(x), ~np.isnan(e)
            segments = [("all", x_ok, e_ok)] + [
                (
                    f"department:{self.inp.departments[r][0]}",
                    x_ok & (x_top == r),
                    e_ok & (e_top == r),
                )
                for r in roots
            ]
            for segment, x_mask, e_mask in segments:
                entry: dict[str, Any] = {
                    "value": value,
                    "segment": segment,
                    "period": self.pool.label,
                    "waves": labels,
                    "stayer_waves": [self.inp.rounds[i].label for i in self._stayer_rounds(value)],
                }
                base = f"leavers/{self.pool.label}/{value}/{segment}"
                if not self.plan[f"{base}/exit"]:
                    entry |= {
                        "n_exit": None,
                        "n_lived": None,
                        "exit_mean": None,
                        "lived_mean": None,
                        "cliffs_delta": None,
                        "test": None,
                        "leaver_signal": None,
                        "suppressed": True,
                    }
                    self.tests.add(entry, None)
                else:
                    result = stats.leavers_vs_stayers(
                        x[x_mask], e[e_mask], seed=seed_for("exit", value, segment)
                    )
                    entry |= {
                        "n_exit": result.n_exit,
                        "n_lived": result.n_lived,
                        "exit_mean": result.mean_exit,
                        "lived_mean": result.mean_lived,
                        "cliffs_delta": result.cliffs_delta,
                        "test": result.test,
                        "leaver_signal": None,
                        "suppressed": False,
                    }
                    self.tests.add(entry, result.p_value)
                entries.append(entry)
        return entries

    def promised_vs_found(self) -> list[dict[str, Any]]:
        entries = []
        for value in self.values:
            found_items = self.scorer.items(value, "onboarding_found")
            expected_items = self.scorer.items(value, "onboarding_expected")
            entry: dict[str, Any] = {"value": value, "segment": "all"}
            if found_items and expected_items:
                expected = self.scorer.scores(self.onboarding, expected_items)
                found = self.scorer.scores(self.onboarding, found_items)
                both = ~np.isnan(expected) & ~np.isnan(found)
            else:  # the value has no onboarding pair: nothing to compare
                both = np.zeros(0, dtype=bool)
            if not self.plan[f"promised/{value}"]:
                entry |= {
                    "n": None,
                    "mean_expected": None,
                    "mean_found": None,
                    "mean_difference": None,
                    "rank_biserial": None,
                    "share_worse": None,
                    "share_equal": None,
                    "share_better": None,
                    "credibility_gap": None,
                    "suppressed": bool(found_items and expected_items),
                }
                self.tests.add(entry, None)
            else:
                result = stats.promised_vs_found(expected[both], found[both])
                entry |= {
                    "n": result.n,
                    "mean_expected": result.mean_expected,
                    "mean_found": result.mean_found,
                    "mean_difference": result.mean_difference,
                    "rank_biserial": result.rank_biserial,
                    "share_worse": result.share_worse,
                    "share_equal": result.share_equal,
                    "share_better": result.share_better,
                    "credibility_gap": None,
                    "suppressed": False,
                }
                self.tests.add(entry, result.p_value)
            entries.append(entry)
        return entries

    def trends(self) -> list[dict[str, Any]]:
        entries = []
        lived = self.lived_all
        for value in self.values:
            scores = self.scorer.scores(lived, self.scorer.items(value, "employee"))
            waves, means, per_round = [], [], []
            for index, info in enumerate(self.inp.rounds):
                s = _finite(scores[lived.round_index == index])
                per_round.append(s)
                if self.plan[f"trend/{value}/{info.label}"]:
                    waves.append({"wave": info.label, "n": int(s.size), "mean": float(s.mean())})
                    means.append(float(s.mean()))
                else:
                    waves.append({"wave": info.label, "n": None, "mean": None})
                    means.append(float("nan"))
            entry: dict[str, Any] = {"value": value, "waves": waves}
            present = [m for m in means if not np.isnan(m)]
            result = stats.trend(means) if len(present) >= stats.MIN_WAVES else None
            if result is None:
                entry |= {
                    "n_waves": len(present),
                    "tau": None,
                    "slope": None,
                    "slope_ci": None,
                    "declining": None,
                }
                self.tests.add(entry, None)
            else:
                entry |= {
                    "n_waves": result.n_waves,
                    "tau": result.tau,
                    "slope": result.slope,
                    "slope_ci": [result.slope_low, result.slope_high],
                    "declining": None,
                }
                self.tests.add(entry, result.p_value)
            change: dict[str, Any] | None = None
            if self.current >= 1:
                previous, current = per_round[self.current - 1], per_round[self.current]
                change = {
                    "from": self.inp.rounds[self.current - 1].label,
                    "to": self.inp.rounds[self.current].label,
                }
                labels = [self.inp.rounds[i].label for i in (self.current - 1, self.current)]
                if all(self.plan[f"trend/{value}/{label}"] for label in labels):
                    moved = stats.wave_to_wave(previous, current, seed=seed_for("w2w", value))
                    change |= {
                        "n_previous": moved.n_previous,
                        "n_current": moved.n_current,
                        "change": moved.change,
                        "cliffs_delta": moved.cliffs_delta,
                        "test": moved.test,
                    }
                    self.tests.add(change, moved.p_value)
                else:
                    change |= {
                        "n_previous": None,
                        "n_current": None,
                        "change": None,
                        "cliffs_delta": None,
                        "test": None,
                    }
                    self.tests.add(change, None)
            entry["change"] = change
            entries.append(entry)
        return entries

    def enps(self) -> dict[str, Any]:
        recommend = [q for q in self.inp.questions if q.type == "recommend"]
        empty = {
            "n": None,
            "promoters": None,
            "passives": None,
            "detractors": None,
            "score": None,
            "ci": None,
        }
        if not recommend:
            return {"question": None, **empty, "suppressed": False}
        question = recommend[0]
        answers = _finite(self.scorer.numeric(self.lived, question))
        entry: dict[str, Any] = {"question": question.code}
        if not self.plan["enps"]:
            return entry | empty | {"suppressed": True}
        result = stats.enps(answers)
        return entry | {
            "n": result.n,
            "promoters": result.promoters,
            "passives": result.passives,
            "detractors": result.detractors,
            "score": result.score,
            "ci": [result.ci_low, result.ci_high],
            "suppressed": False,
        }

    def reliability(self) -> list[dict[str, Any]]:
        entries = []
        for value in self.values:
            items = self.scorer.items(value, "employee")
            entry: dict[str, Any] = {"value": value, "n_items": len(items)}
            if len(items) < 2 or self.lived.size == 0:
                entries.append(
                    entry
                    | {
                        "n": None,
                        "alpha": None,
                        "alpha_ci": None,
                        "warning": None,
                        "note": None,
                        "suppressed": False,
                    }
                )
                continue
            cols = [q.column for q in items]
            block = self.lived.numbers[:, cols].copy()
            reverse = np.array([q.reverse for q in items])
            block[:, reverse] = 6 - block[:, reverse]
            complete = block[~np.isnan(block).any(axis=1)]
            if complete.shape[0] < self.k:
                entries.append(
                    entry
                    | {
                        "n": None,
                        "alpha": None,
                        "alpha_ci": None,
                        "warning": None,
                        "note": None,
                        "suppressed": True,
                    }
                )
                continue
            result = stats.cronbach_alpha(complete)
            entries.append(
                entry
                | {
                    "n": result.n,
                    "alpha": result.alpha,
                    "alpha_ci": [result.ci_low, result.ci_high]
                    if result.ci_low is not None
                    else None,
                    "warning": result.warning,
                    "note": result.note,
                    "suppressed": False,
                }
            )
        return entries

    def drivers(self, company: dict[str, dict[str, Any]]) -> tuple[list, list]:
        outcomes = [q for q in self.inp.questions if q.type == "recommend"][:1] + [
            q for q in self.inp.questions if q.outcome == "intent_to_stay"
        ][:1]
        entries: list[dict[str, Any]] = []
        for outcome in outcomes:
            target = self.scorer.numeric(self.lived, outcome)
            for value in self.values:
                scores = self.employee_scores[value]
                both = ~np.isnan(scores) & ~np.isnan(target)
                entry: dict[str, Any] = {
                    "value": value,
                    "outcome": "enps" if outcome.type == "recommend" else "intent_to_stay",
                    "question": outcome.code,
                }
                if int(both.sum()) < self.k:
                    entry |= {"n": None, "rho": None, "suppressed": True}
                    self.tests.add(entry, None)
                else:
                    result = stats.key_driver(scores[both], target[both])
                    entry |= {"n": result.n, "rho": result.rho, "suppressed": False}
                    self.tests.add(entry, result.p_value)
                entries.append(entry)
        primary = entries[0]["outcome"] if entries else None
        priorities = []
        for entry in entries:
            if entry["outcome"] != primary or entry["suppressed"]:
                continue
            cell = company.get(entry["value"])
            has_gap = cell is not None and cell.get("leader_mean") is not None
            if has_gap:
                score = stats.priority(driver_rho=entry["rho"], gap=cell["gap"])
                basis = "gap"
            else:
                unfavorable = cell.get("employee_unfavorable_pct") if cell else None
                share = unfavorable / 100 if unfavorable is not None else None
                score = stats.priority(driver_rho=entry["rho"], share_unfavorable=share)
                basis = "share_unfavorable"
            priorities.append(
                {
                    "value": entry["value"],
                    "priority": score,
                    "basis": basis,
                    "driver_rho": entry["rho"],
                    "gap": cell["gap"] if has_gap else None,
                    "classification": cell["classification"] if cell else None,
                }
            )
        priorities.sort(key=lambda p: (p["basis"] != "gap", -p["priority"], p["value"]))
        for rank, item in enumerate(priorities, 1):
            item["rank"] = rank
        return entries, priorities

    def comments(self) -> dict[str, Any]:
        """The round's comments, when enough people answered: grouped by question, each
        group in a random order that is stored nowhere, and never two comments of one
        response next to each other (their order must not tie them to one author)."""
        need = max(self.k, MIN_EXIT_AND_COMMENTS)
        respondents = self.lived.size
        if respondents < need:
            return {"shown": False, "min_group_size": need, "n_respondents": None, "items": []}
        codes = {q.column: q.code for q in self.inp.questions if q.type == "text"}
        order = [q.column for q in self.inp.questions if q.type == "text"]
        by_question: dict[int, list[tuple[int, str]]] = {}
        for row, column, text in self.lived.texts:
            if column in codes:
                by_question.setdefault(column, []).append((row, mask_personal(text)))
        asked = [c for c in order if c in by_question]
        arranged = arrange_comments([by_question[c] for c in asked])
        return {
            "shown": True,
            "min_group_size": need,
            "n_respondents": respondents,
            "items": [{"question": codes[asked[group]], "text": text} for group, text in arranged],
        }

    def response_counts(self) -> dict[str, int | None]:
        counts = {
            "leadership": self.leaders.size,
            "lived": self.lived.size,
            "onboarding": self.onboarding.size,
            "exit": int((self.inp.groups["exit"].round_index == self.current).sum()),
        }
        # Leadership answers as a group; the other counts follow k like every figure.
        return {
            group: n if group == "leadership" or n >= self.k or n == 0 else None
            for group, n in counts.items()
        }

    def build(self) -> dict[str, Any]:
        self.progress(5, "checking what may be published")
        self.publish()
        stated = self.stated_vs_lived()
        self.progress(60, "calibration")
        calibration, mae = self.calibration()
        agreement = self.profile_agreement()
        self.progress(65, "leavers vs stayers")
        leavers = self.leavers_vs_stayers()
        self.progress(70, "promised vs found")
        promised = self.promised_vs_found()
        self.progress(75, "trends")
        trends = self.trends()
        self.progress(85, "reliability")
        reliability = self.reliability()
        enps = self.enps()
        company = {e["value"]: e for e in stated if e["segment"] == "all"}
        drivers, priorities = self.drivers(company)
        self.progress(92, "corrections")
        n_tests = self.tests.correct()
        self.classify(stated)
        for entry in leavers:
            if not entry["suppressed"]:
                entry["leaver_signal"] = stats.leaver_signal(
                    entry["cliffs_delta"], entry["q_value"]
                )
        for entry in promised:
            if entry["n"] is not None:
                entry["credibility_gap"] = stats.credibility_gap(
                    entry["rank_biserial"], entry["q_value"]
                )
        for entry in trends:
            if entry["tau"] is not None:
                entry["declining"] = stats.declining(entry["tau"], entry["q_value"])
        for item in priorities:
            item["classification"] = company[item["value"]]["classification"]
        self.progress(96, "summary")
        info = self.inp.rounds[self.current]
        return {
            "organization": self.inp.organization_slug,
            "organization_name": self.inp.organization_name,
            "wave": info.label,
            "waves": [r.label for r in self.inp.rounds],
            "method_version": stats.METHOD_VERSION,
            "fingerprint": self.inp.fingerprint,
            "min_group_size": self.k,
            "values": [{"code": c, "name": n} for c, n in self.inp.values],
            "responses": self.response_counts(),
            "self_deception_index": self.self_deception(stated),
            "stated_vs_lived": stated,
            "calibration": calibration,
            "calibration_mae": mae,
            "profile_agreement": agreement,
            "exit_pool": {
                "period": self.pool.label,
                "waves": [self.inp.rounds[i].label for i in self.pool.rounds],
            }
            if self.pool
            else None,
            "leavers_vs_stayers": leavers,
            "promised_vs_found": promised,
            "trends": trends,
            "enps": enps,
            "reliability": reliability,
            "drivers": drivers,
            "priorities": priorities,
            "comments": self.comments(),
            "multiple_comparisons": {"method": "benjamini-hochberg", "n_tests": n_tests},
            # Cells hidden because, next to a report published before (or another cell of
            # this one), they would give away fewer than k people's answers by subtraction.
            "withheld_for_differencing": len({f.suppress for f in self.findings}),
        }


def report_build(
    inp: ReportInput,
    progress: Progress | None = None,
    published: Sequence[tuple[int, Sequence[Spec]]] = (),
) -> tuple[dict[str, Any], list[Spec]]:
    """The report's JSON and the specifications of every cell it publishes."""
    builder = ReportBuilder(inp, progress, published)
    data = builder.build()
    return data, builder.plan.specs
