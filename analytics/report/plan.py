"""Which cells a report publishes: k and complementary suppression, then the differencing
auditor against every report published before, until it finds nothing. Every published cell is
kept with what it stands for (`publication.py`), for the audits of later reports."""

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from analytics.auditor import Finding, audit
from analytics.pools import Pool, closed_pools, period_of
from analytics.publication import RANK_POOL, RANK_ROUND, RANK_SEGMENT, Spec, signature, spec
from analytics.selectors import ResponseSet
from core.confidentiality import Decision, hidden_key, tree_visibility, visible_cells

from .inputs import DIMENSIONS, Inputs
from .schema import ALL, department_segment

MAX_AUDIT_PASSES = 50
Published = Sequence[tuple[int, Sequence[Spec]]]


@dataclass
class Plan:
    """Which cells a report publishes, each with what it stands for."""

    shown: dict[str, bool] = field(default_factory=dict)
    specs: list[Spec] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def decide(self, key: str, shown: bool, item: Spec | None = None) -> bool:
        self.shown[key] = shown
        if shown and item is not None:
            self.specs.append(item)
        return shown

    def __getitem__(self, key: str) -> bool:
        return self.shown.get(key, False)


class Planner:
    def __init__(self, inputs: Inputs, published: Published = ()) -> None:
        """`published`: (round id, cell specifications) of every report already published
        for the organization, which this one is audited against."""
        self.inputs = inputs
        self.k = inputs.k
        self.published = [(round_id, list(specs)) for round_id, specs in published]
        self.pool = self._due_pool()

    def publish(self) -> Plan:
        """Decide every cell to show: the rules of k and complementary suppression, then the
        differencing auditor over this report and every earlier one, until it finds nothing.

        A cell published before with the very same specification stands for the same responses
        (its rounds are frozen), so it is audited once, as the earlier cell; earlier cells are
        looked at only where their rounds meet a cell this report adds."""
        universe = self.inputs.universe
        earlier = [
            (f"{index}:", item)
            for index, (_round_id, specs) in enumerate(self.published)
            for item in specs
        ]
        seen = {signature(item) for _prefix, item in earlier}
        forced: set[str] = set()
        findings: list[Finding] = []
        for _attempt in range(MAX_AUDIT_PASSES):
            plan = self._plan(forced)
            fresh = [item for item in plan.specs if signature(item) not in seen]
            rounds = {r for item in fresh for r in item["rounds"]}
            old = [
                cell
                for prefix, item in earlier
                if rounds.intersection(item["rounds"])
                for cell in universe.cells([item], new=False, prefix=prefix)
            ]
            new = universe.cells(fresh, new=True)
            found = [
                f
                for f in audit([*old, *new], live=universe.live, k=self.k)
                if f.suppress not in forced
            ]
            if not found:
                break
            findings.extend(found)
            forced |= {f.suppress for f in found}
        else:  # never seen: every pass hides at least one more cell, and cells are few
            raise RuntimeError("the differencing audit did not settle")
        for finding in findings:
            plan.reasons[finding.suppress] = finding.reason
        plan.findings = findings
        return plan

    def _plan(self, forced: set[str]) -> Plan:
        inputs = self.inputs
        plan = Plan()
        lived_needs = {v: ["score", v] for v in inputs.values}
        masks = inputs.segment_masks(inputs.lived)
        for value in inputs.values:
            present = ~np.isnan(inputs.employee_scores[value])
            prefix = f"stated/{value}/"
            shown_all = self._whole(
                plan,
                forced,
                prefix + ALL,
                n=int(present.sum()),
                measure=f"lived:{value}",
                group="lived",
                round_id=inputs.round_id,
                needs=lived_needs[value],
            )
            decisions = self.visibility(
                inputs.lived,
                present,
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
                        rounds=[inputs.round_id],
                        where=inputs.where(segment),
                        needs=lived_needs[value],
                        rank=RANK_SEGMENT,
                    ),
                )
            # Every round's point of the value's trend.
            scores = inputs.universe.needs("lived", ("score", value))
            for index, info in enumerate(inputs.inp.rounds):
                self._whole(
                    plan,
                    forced,
                    f"trend/{value}/{info.label}",
                    n=int((scores & (inputs.lived_all.round_index == index)).sum()),
                    measure=f"lived:{value}",
                    group="lived",
                    round_id=info.id,
                    needs=lived_needs[value],
                    family="round",
                )
            self._plan_leavers(plan, value, forced)
            both = inputs.universe.needs("onboarding", ("both", value))
            self._whole(
                plan,
                forced,
                f"promised/{value}",
                n=int(both[inputs.onboarding_now].sum()),
                measure=f"onboarding:{value}",
                group="onboarding",
                round_id=inputs.round_id,
                needs=["both", value],
            )
        question = inputs.recommend
        if question is not None:
            answers = inputs.scorer.numeric(inputs.lived, question)
            self._whole(
                plan,
                forced,
                "enps",
                n=int(np.count_nonzero(~np.isnan(answers))),
                measure=f"enps:{question.id}",
                group="lived",
                round_id=inputs.round_id,
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

    def visibility(
        self,
        rs: ResponseSet,
        present: np.ndarray,
        *,
        forced: set[str] = frozenset(),
        parent_shown: bool = True,
    ) -> dict[str, Decision]:
        """Decisions for every segment cell, given which rows count (e.g. have a score).
        Segments in `forced` are hidden (the auditor found them), and their siblings follow."""
        inputs, tree = self.inputs, self.inputs.tree
        decisions: dict[str, Decision] = {}
        total = int(present.sum())
        # Counted once per department id, then summed up the tree: one pass over the rows.
        ids, counts = np.unique(rs.department[present], return_counts=True)
        per_id = dict(zip(ids.tolist(), counts.tolist(), strict=True))
        direct_n: dict[int | None, int] = {pk: per_id.get(pk, 0) for pk in tree.departments}
        direct_n[None] = total - sum(direct_n.values())
        node_n = {pk: sum(direct_n[d] for d in tree.subtree(pk)) for pk in tree.departments}
        for pk, decision in tree_visibility(
            total_n=total,
            node_n=node_n,
            direct_n=direct_n,
            children=tree.children,
            k=self.k,
            forced={pk for pk in tree.departments if department_segment(pk) in forced},
            root_shown=parent_shown,
        ).items():
            decisions[department_segment(pk)] = decision
        for dimension in DIMENSIONS[1:]:
            column = getattr(rs, dimension)[present]
            categories = inputs.categories(dimension)
            cells = {c: int((column == c).sum()) for c in categories}
            unknown = total - sum(cells.values())
            if unknown:
                cells[hidden_key("unknown")] = unknown
            for category, decision in visible_cells(
                parent_n=total,
                cells=cells,
                k=self.k,
                parent_shown=parent_shown,
                forced={c for c in categories if f"{dimension}:{c}" in forced},
            ).items():
                if category in categories:
                    decisions[f"{dimension}:{category}"] = decision
        return decisions

    # --- exit pools --------------------------------------------------------------------------

    def _due_pool(self) -> Pool | None:
        """The newest closed exit pool that no report of an earlier round has shown."""
        inputs = self.inputs
        rounds = inputs.inp.rounds
        exits = inputs.inp.groups["exit"]
        pools = closed_pools(
            periods=[period_of(r.starts_on, r.label) for r in rounds],
            exits=[int((exits.round_index == i).sum()) for i in range(len(rounds))],
            current=inputs.current,
            need=inputs.need,
        )
        if not pools:
            return None
        newest = pools[-1]
        ids = {rounds[i].id for i in newest.rounds}
        for round_id, specs in self.published:
            if round_id == inputs.round_id:
                continue  # this round's own earlier report (a recomputation) may show it again
            if any(item["group"] == "exit" and ids & set(item["rounds"]) for item in specs):
                return None  # shown before, or sharing leavers with a pool that was
        return newest

    def stayer_rounds(self, value: str) -> list[int]:
        """The pool's rounds whose own lived n for the value is 0 or at least k: a round
        with fewer would be the difference between the stayers side and the trend points."""
        inputs = self.inputs
        scores = inputs.universe.needs("lived", ("score", value))
        kept = []
        for index in self.pool.rounds if self.pool else ():
            n = int((scores & (inputs.lived_all.round_index == index)).sum())
            if n == 0 or n >= self.k:
                kept.append(index)
        return kept

    def pool_sides(self, value: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Exit and stayers scores of the due pool for a value, with each row's top-level
        department."""
        inputs = self.inputs
        exits_all = inputs.inp.groups["exit"]
        exits = exits_all.rows(np.isin(exits_all.round_index, self.pool.rounds))
        stayers = inputs.lived_all.rows(
            np.isin(inputs.lived_all.round_index, self.stayer_rounds(value))
        )
        items = inputs.scorer.items(value, "employee")
        return (
            inputs.scorer.scores(exits, items),
            inputs.scorer.scores(stayers, items),
            inputs.tree.top_level(exits.department),
            inputs.tree.top_level(stayers.department),
        )

    def pool_key(self, value: str, segment: str) -> str:
        return f"leavers/{self.pool.label}/{value}/{segment}"

    def _plan_leavers(self, plan: Plan, value: str, forced: set[str]) -> None:
        if self.pool is None:
            return
        inputs = self.inputs
        x, e, x_top, e_top = self.pool_sides(value)
        x_ok, e_ok = ~np.isnan(x), ~np.isnan(e)
        roots = inputs.tree.roots
        exit_decisions = visible_cells(
            parent_n=int(x_ok.sum()),
            cells={str(r): int((x_ok & (x_top == r)).sum()) for r in roots},
            k=inputs.need,
        )
        lived_decisions = visible_cells(
            parent_n=int(e_ok.sum()),
            cells={str(r): int((e_ok & (e_top == r)).sum()) for r in roots},
            k=self.k,
        )
        ids = [inputs.inp.rounds[i].id for i in self.pool.rounds]
        stayer_ids = [inputs.inp.rounds[i].id for i in self.stayer_rounds(value)]
        whole = int(x_ok.sum()) >= inputs.need and int(e_ok.sum()) >= self.k
        segments = [(ALL, whole)] + [
            (
                department_segment(root),
                whole and exit_decisions[str(root)].shown and lived_decisions[str(root)].shown,
            )
            for root in roots
        ]
        for segment, shown in segments:
            base = self.pool_key(value, segment)
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
                        where=inputs.where(segment),
                        needs=["score", value],
                        rank=RANK_POOL,
                    ),
                )
