"""The report's figures that carry no test: response counts, the self-deception index,
calibration, eNPS, reliability and the priority list."""

import numpy as np

from analytics import stats

from .inputs import Inputs
from .plan import Plan
from .schema import (
    ALL,
    Calibration,
    Driver,
    Enps,
    GapCell,
    IndexPoint,
    Priority,
    Reliability,
    Responses,
    SelfDeceptionIndex,
    calibration_without_figures,
    enps_without_figures,
    reliability_without_figures,
)
from .scoring import finite

SDI_DEFINITION = (
    "100 × the mean, over values with enough data, of max(0, Cliff's delta of leaders' "
    "ratings vs employees' experience) at company level. 0 means leadership rates no value "
    "above what employees live; 100 means every leader rates every value above every employee."
)


def self_deception(inputs: Inputs, entries: list[GapCell]) -> SelfDeceptionIndex:
    company = [
        e
        for e in entries
        if e["segment"] == ALL and e["classification"] not in ("suppressed", "insufficient_data")
    ]
    trend = []
    for index, info in enumerate(inputs.inp.rounds):
        if index == inputs.current:
            value = stats.self_deception_index([e["cliffs_delta"] for e in company])
            counted = len(company)
        else:
            value, counted = _past_index(inputs, index)
        trend.append(IndexPoint(wave=info.label, value=value, n_values=counted))
    return SelfDeceptionIndex(
        value=trend[-1]["value"],
        n_values=len(company),
        values=[e["value"] for e in company],
        definition=SDI_DEFINITION,
        trend=trend,
    )


def _past_index(inputs: Inputs, index: int) -> tuple[float | None, int]:
    groups, scorer = inputs.inp.groups, inputs.scorer
    lived = groups["lived"].rows(groups["lived"].round_index == index)
    leaders = groups["leadership"].rows(groups["leadership"].round_index == index)
    deltas = []
    for value in inputs.values:
        emp = finite(scorer.scores(lived, scorer.items(value, "employee")))
        lead = finite(scorer.scores(leaders, scorer.items(value, "leader")))
        if lead.size and emp.size >= max(inputs.k, stats.MIN_EMPLOYEES):
            deltas.append(stats.cliffs_delta(lead, emp))
    return stats.self_deception_index(deltas), len(deltas)


def calibration(inputs: Inputs, plan: Plan) -> tuple[list[Calibration], float | None]:
    entries, errors = [], []
    for value in inputs.values:
        items = inputs.scorer.items(value, "leader_prediction")
        predictions = np.full(inputs.leaders.size, np.nan)
        if items and inputs.leaders.size:
            cols = [q.column for q in items]
            block = inputs.leaders.numbers[:, cols]
            answered = ~np.isnan(block)
            counts = answered.sum(axis=1)
            sums = np.where(answered, block, 0).sum(axis=1)
            predictions[counts > 0] = sums[counts > 0] / counts[counts > 0]
        predictions = finite(predictions)
        emp = finite(inputs.employee_scores[value])
        # The actual share is the company cell's: shown exactly when that cell is.
        shown = plan[f"stated/{value}/{ALL}"]
        if not shown or predictions.size == 0:
            entries.append(
                calibration_without_figures(value, int(predictions.size), suppressed=not shown)
            )
            continue
        actual = stats.describe(emp).favorable_pct
        result = stats.calibration(predictions, actual)
        entries.append(
            Calibration(
                value=value,
                n_leaders=int(predictions.size),
                n_employees=int(emp.size),
                mean_prediction=result.mean_prediction,
                actual_favorable_pct=result.actual,
                error=result.error,
                suppressed=False,
            )
        )
        errors.append(result.error)
    return entries, stats.calibration_mae(errors)


def enps(inputs: Inputs, plan: Plan) -> Enps:
    question = inputs.recommend
    if question is None:
        return enps_without_figures(None, suppressed=False)
    if not plan["enps"]:
        return enps_without_figures(question.code, suppressed=True)
    answers = finite(inputs.scorer.numeric(inputs.lived, question))
    result = stats.enps(answers)
    return Enps(
        question=question.code,
        n=result.n,
        promoters=result.promoters,
        passives=result.passives,
        detractors=result.detractors,
        score=result.score,
        ci=[result.ci_low, result.ci_high],
        suppressed=False,
    )


def reliability(inputs: Inputs) -> list[Reliability]:
    entries = []
    for value in inputs.values:
        items = inputs.scorer.items(value, "employee")
        if len(items) < 2 or inputs.lived.size == 0:
            entries.append(reliability_without_figures(value, len(items), suppressed=False))
            continue
        cols = [q.column for q in items]
        block = inputs.lived.numbers[:, cols].copy()
        reverse = np.array([q.reverse for q in items])
        block[:, reverse] = 6 - block[:, reverse]
        complete = block[~np.isnan(block).any(axis=1)]
        if complete.shape[0] < inputs.k:
            entries.append(reliability_without_figures(value, len(items), suppressed=True))
            continue
        result = stats.cronbach_alpha(complete)
        entries.append(
            Reliability(
                value=value,
                n_items=len(items),
                n=result.n,
                alpha=result.alpha,
                alpha_ci=[result.ci_low, result.ci_high] if result.ci_low is not None else None,
                warning=result.warning,
                note=result.note,
                suppressed=False,
            )
        )
    return entries


def priorities(drivers: list[Driver], company: dict[str, GapCell]) -> list[Priority]:
    """The values to read first: driver strength of the first outcome times the gap (or
    the share unfavorable where leaders gave no rating), ranked. Reads the company cells
    after their classification."""
    primary = drivers[0]["outcome"] if drivers else None
    found = []
    for entry in drivers:
        if entry["outcome"] != primary or entry["suppressed"]:
            continue
        cell = company[entry["value"]]
        if cell["leader_mean"] is not None:
            score = stats.priority(driver_rho=entry["rho"], gap=cell["gap"])
            basis, gap = "gap", cell["gap"]
        else:
            unfavorable = cell["employee_unfavorable_pct"]
            share = unfavorable / 100 if unfavorable is not None else None
            score = stats.priority(driver_rho=entry["rho"], share_unfavorable=share)
            basis, gap = "share_unfavorable", None
        found.append(
            Priority(
                value=entry["value"],
                priority=score,
                basis=basis,
                driver_rho=entry["rho"],
                gap=gap,
                classification=cell["classification"],
                rank=0,
            )
        )
    found.sort(key=lambda p: (p["basis"] != "gap", -p["priority"], p["value"]))
    for rank, item in enumerate(found, 1):
        item["rank"] = rank
    return found


def response_counts(inputs: Inputs) -> Responses:
    exits = inputs.inp.groups["exit"]

    def shown(n: int) -> int | None:
        return n if n >= inputs.k or n == 0 else None

    # Leadership answers as a group; the other counts follow k like every figure.
    return Responses(
        leadership=inputs.leaders.size,
        lived=shown(inputs.lived.size),
        onboarding=shown(inputs.onboarding.size),
        exit=shown(int((exits.round_index == inputs.current).sum())),
    )
