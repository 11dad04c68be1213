"""Builds a gap report (ANALYSIS.md, every view) from a `ReportInput`.

No database access: the selectors load the arrays, this module turns them into the report, part
by part as `schema.py` declares them. Every figure passes the confidentiality rules on the way:
`plan.py` decides which cells are shown (k, complementary suppression, then the differencing
auditor against every report published before), and a cell that is not shown carries no figure.
The report's schema is documented in docs/report-schema.md.
"""

from collections.abc import Callable, Sequence

import numpy as np

from analytics import stats
from analytics.publication import Spec
from analytics.selectors import ReportInput

from . import figures
from .comments import round_comments
from .inputs import Inputs
from .plan import Plan, Planner
from .schema import (
    ALL,
    Driver,
    ExitPool,
    GapCell,
    LeaversCell,
    MultipleComparisons,
    ProfileAgreement,
    PromisedCell,
    Report,
    Trend,
    TrendChange,
    TrendPoint,
    Value,
    department_segment,
    hidden_change,
    hidden_trend_point,
    promised_without_figures,
    suppressed_cell,
    suppressed_driver,
    suppressed_leavers,
    untested_trend,
)
from .scoring import TestRegistry, finite, seed_for
from .value_comments import comment_themes

MIN_LEADERS_FOR_SPAN = 3
PROMISED_FIGURES = (
    "n",
    "mean_expected",
    "mean_found",
    "mean_difference",
    "rank_biserial",
    "share_worse",
    "share_equal",
    "share_better",
)

Progress = Callable[[int, str], None]


class ReportBuilder:
    def __init__(
        self,
        inp: ReportInput,
        progress: Progress | None = None,
        published: Sequence[tuple[int, Sequence[Spec]]] = (),
    ) -> None:
        """`published`: (round id, cell specifications) of every report already published
        for the organization, which this one is audited against."""
        self.inputs = Inputs(inp)
        self.inp = inp
        self.k = self.inputs.k
        self.values = self.inputs.values
        self.progress = progress or (lambda percent, stage: None)
        self.tests = TestRegistry()
        self.planner = Planner(self.inputs, published)
        self.plan = Plan()
        # Leaders' span per (value, segment): the classification reads it even where the cell
        # withholds it.
        self.spans: dict[tuple[str, str], float | None] = {}

    # --- stated vs lived ----------------------------------------------------------------------

    def stated_vs_lived(self) -> list[GapCell]:
        inputs = self.inputs
        entries = []
        masks = inputs.segment_masks(inputs.lived)
        for index, value in enumerate(self.values):
            self.progress(
                10 + int(50 * index / max(1, len(self.values))), f"stated vs lived: {value}"
            )
            scores = inputs.employee_scores[value]
            present = ~np.isnan(scores)
            entries.append(self._gap_cell(value, ALL, scores[present]))
            for _dimension, segment, mask in masks:
                entries.append(self._gap_cell(value, segment, scores[mask & present]))
        return entries

    def _gap_cell(self, value: str, segment: str, emp: np.ndarray) -> GapCell:
        if not self.plan[f"stated/{value}/{segment}"]:
            return suppressed_cell(value, segment)
        lead = self.inputs.leader_scores[value]
        seed = seed_for(value, self.inputs.seed_segment(segment))
        result = stats.stated_vs_lived(lead, emp, seed=seed)
        desc = stats.describe(emp)
        testable = result.n_leaders > 0 and result.n_employees >= stats.MIN_EMPLOYEES
        entry = GapCell(
            value=value,
            segment=segment,
            n_leaders=result.n_leaders,
            n_employees=result.n_employees,
            leader_mean=result.leader_mean,
            employee_mean=result.employee_mean,
            gap=result.gap,
            gap_ci=list(result.gap_ci) if testable and result.gap_ci else None,
            cliffs_delta=result.cliffs_delta,
            effect_size=result.effect_size,
            test=result.test if testable else None,
            employee_favorable_pct=desc.favorable_pct,
            employee_unfavorable_pct=desc.unfavorable_pct,
            # With one or two leaders the span would give away individual ratings.
            leader_span=result.leader_span if result.n_leaders >= MIN_LEADERS_FOR_SPAN else None,
            classification="insufficient_data",  # until classify(), after the correction
            severity=None,
            tags=[],
            p_value=None,
            q_value=None,
        )
        self.tests.add(entry, result.p_value if testable else None)
        self.spans[(value, segment)] = result.leader_span
        return entry

    def classify(self, entries: list[GapCell]) -> None:
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
                leader_span=self.spans[(entry["value"], entry["segment"])],
            )
            entry["classification"] = result.classification
            entry["severity"] = result.severity
            # Like the span itself, the split tag would describe one or two people.
            entry["tags"] = [
                tag
                for tag in result.tags
                if tag != "leadership_split" or entry["n_leaders"] >= MIN_LEADERS_FOR_SPAN
            ]

    # --- the figures that are tested (the others: figures.py) ----------------------------------

    def profile_agreement(self) -> ProfileAgreement:
        leader_means, employee_means, used = [], [], []
        for value in self.values:
            lead = self.inputs.leader_scores[value]
            emp = finite(self.inputs.employee_scores[value])
            if lead.size and self.plan[f"stated/{value}/{ALL}"]:
                leader_means.append(float(lead.mean()))
                employee_means.append(float(emp.mean()))
                used.append(value)
        result = stats.profile_agreement(leader_means, employee_means)
        entry = ProfileAgreement(
            values=used, n_values=result.n_values, rho=result.rho, p_value=None, q_value=None
        )
        self.tests.add(entry, result.p_value)
        return entry

    def leavers_vs_stayers(self) -> list[LeaversCell]:
        planner, inputs = self.planner, self.inputs
        pool = planner.pool
        if pool is None:
            return []
        labels = [inputs.round_label(i) for i in pool.rounds]
        entries = []
        for value in self.values:
            x, e, x_top, e_top = planner.pool_sides(value)
            x_ok, e_ok = ~np.isnan(x), ~np.isnan(e)
            segments = [(ALL, x_ok, e_ok)] + [
                (department_segment(r), x_ok & (x_top == r), e_ok & (e_top == r))
                for r in inputs.tree.roots
            ]
            stayers = [inputs.round_label(i) for i in planner.stayer_rounds(value)]
            for segment, x_mask, e_mask in segments:
                entry = suppressed_leavers(
                    value, segment, period=pool.label, waves=labels, stayer_waves=stayers
                )
                entries.append(entry)
                if not self.plan[f"{planner.pool_key(value, segment)}/exit"]:
                    self.tests.add(entry, None)
                    continue
                seed = seed_for("exit", value, inputs.seed_segment(segment))
                result = stats.leavers_vs_stayers(x[x_mask], e[e_mask], seed=seed)
                # The leaver signal is decided on q, after the correction.
                entry.update(
                    n_exit=result.n_exit,
                    n_lived=result.n_lived,
                    exit_mean=result.mean_exit,
                    lived_mean=result.mean_lived,
                    cliffs_delta=result.cliffs_delta,
                    test=result.test,
                    suppressed=False,
                )
                self.tests.add(entry, result.p_value)
        return entries

    def promised_vs_found(self) -> list[PromisedCell]:
        inputs = self.inputs
        scorer, onboarding = inputs.scorer, inputs.onboarding
        entries = []
        for value in self.values:
            found_items = scorer.items(value, "onboarding_found")
            expected_items = scorer.items(value, "onboarding_expected")
            # Without an onboarding pair there is nothing to compare (and nothing withheld).
            paired = bool(found_items and expected_items)
            entry = promised_without_figures(value, suppressed=paired)
            entries.append(entry)
            if not paired or not self.plan[f"promised/{value}"]:
                self.tests.add(entry, None)
                continue
            expected = scorer.scores(onboarding, expected_items)
            found = scorer.scores(onboarding, found_items)
            both = ~np.isnan(expected) & ~np.isnan(found)
            result = stats.promised_vs_found(expected[both], found[both])
            # stats names these figures as the report does; the credibility gap is decided on
            # q, after the correction.
            entry.update({name: getattr(result, name) for name in PROMISED_FIGURES})
            entry["suppressed"] = False
            self.tests.add(entry, result.p_value)
        return entries

    def trends(self) -> list[Trend]:
        inputs = self.inputs
        lived, current = inputs.lived_all, inputs.current
        entries = []
        for value in self.values:
            scores = inputs.scorer.scores(lived, inputs.scorer.items(value, "employee"))
            points, means, per_round = [], [], []
            for index, info in enumerate(self.inp.rounds):
                s = finite(scores[lived.round_index == index])
                per_round.append(s)
                if self.plan[f"trend/{value}/{info.label}"]:
                    points.append(TrendPoint(wave=info.label, n=int(s.size), mean=float(s.mean())))
                    means.append(float(s.mean()))
                else:
                    points.append(hidden_trend_point(info.label))
                    means.append(float("nan"))
            present = [m for m in means if not np.isnan(m)]
            result = stats.trend(means) if len(present) >= stats.MIN_WAVES else None
            entry = untested_trend(value, points, len(present))
            if result is None:
                self.tests.add(entry, None)
            else:
                entry["n_waves"] = result.n_waves
                entry["tau"] = result.tau
                entry["slope"] = result.slope
                entry["slope_ci"] = [result.slope_low, result.slope_high]
                self.tests.add(entry, result.p_value)
            if current >= 1:
                labels = [inputs.round_label(i) for i in (current - 1, current)]
                entry["change"] = self._change(value, labels, per_round[current - 1 :])
            entries.append(entry)
        return entries

    def _change(self, value: str, labels: list[str], samples: list[np.ndarray]) -> TrendChange:
        """The report's round against the previous one, wave to wave."""
        change = hidden_change(*labels)
        if not all(self.plan[f"trend/{value}/{label}"] for label in labels):
            self.tests.add(change, None)
            return change
        previous, current = samples[0], samples[1]
        moved = stats.wave_to_wave(previous, current, seed=seed_for("w2w", value))
        change["n_previous"] = moved.n_previous
        change["n_current"] = moved.n_current
        change["change"] = moved.change
        change["cliffs_delta"] = moved.cliffs_delta
        change["test"] = moved.test
        self.tests.add(change, moved.p_value)
        return change

    def drivers(self) -> list[Driver]:
        inputs = self.inputs
        questions = self.inp.questions
        outcomes = [q for q in questions if q.type == "recommend"][:1] + [
            q for q in questions if q.outcome == "intent_to_stay"
        ][:1]
        entries: list[Driver] = []
        for question in outcomes:
            outcome = "enps" if question.type == "recommend" else "intent_to_stay"
            target = inputs.scorer.numeric(inputs.lived, question)
            for value in self.values:
                scores = inputs.employee_scores[value]
                both = ~np.isnan(scores) & ~np.isnan(target)
                entry = suppressed_driver(value, outcome, question.code)
                entries.append(entry)
                if int(both.sum()) < self.k:
                    self.tests.add(entry, None)
                    continue
                result = stats.key_driver(scores[both], target[both])
                entry.update(n=result.n, rho=result.rho, suppressed=False)
                self.tests.add(entry, result.p_value)
        return entries

    # --- the report ---------------------------------------------------------------------------

    def build(self) -> Report:
        self.progress(5, "checking what may be published")
        self.plan = self.planner.publish()
        stated = self.stated_vs_lived()
        self.progress(60, "calibration")
        calibration, mae = figures.calibration(self.inputs, self.plan)
        agreement = self.profile_agreement()
        self.progress(65, "leavers vs stayers")
        leavers = self.leavers_vs_stayers()
        self.progress(70, "promised vs found")
        promised = self.promised_vs_found()
        self.progress(75, "trends")
        trends = self.trends()
        self.progress(85, "reliability")
        reliability = figures.reliability(self.inputs)
        enps = figures.enps(self.inputs, self.plan)
        drivers = self.drivers()
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
        company = {e["value"]: e for e in stated if e["segment"] == ALL}
        self.progress(96, "summary")
        pool = self.planner.pool
        inp = self.inp
        return Report(
            organization=inp.organization_slug,
            organization_name=inp.organization_name,
            wave=inp.rounds[self.inputs.current].label,
            waves=[r.label for r in inp.rounds],
            method_version=stats.METHOD_VERSION,
            fingerprint=inp.fingerprint,
            min_group_size=self.k,
            departments=self.inputs.tree.as_report(),
            values=[Value(code=c, name=n) for c, n in inp.values],
            responses=figures.response_counts(self.inputs),
            self_deception_index=figures.self_deception(self.inputs, stated),
            stated_vs_lived=stated,
            calibration=calibration,
            calibration_mae=mae,
            profile_agreement=agreement,
            exit_pool=ExitPool(
                period=pool.label, waves=[self.inputs.round_label(i) for i in pool.rounds]
            )
            if pool
            else None,
            leavers_vs_stayers=leavers,
            promised_vs_found=promised,
            trends=trends,
            enps=enps,
            reliability=reliability,
            drivers=drivers,
            priorities=figures.priorities(drivers, company),
            comments=round_comments(self.inputs.lived, inp.questions, self.inputs.need),
            themes=comment_themes(self.inputs, self.plan),
            multiple_comparisons=MultipleComparisons(method="benjamini-hochberg", n_tests=n_tests),
            # Cells hidden because, next to a report published before (or another cell of
            # this one), they would give away fewer than k people's answers by subtraction.
            withheld_for_differencing=len({f.suppress for f in self.plan.findings}),
        )


def report_build(
    inp: ReportInput,
    progress: Progress | None = None,
    published: Sequence[tuple[int, Sequence[Spec]]] = (),
) -> tuple[Report, list[Spec]]:
    """The report and the specifications of every cell it publishes."""
    builder = ReportBuilder(inp, progress, published)
    report = builder.build()
    return report, builder.plan.specs
