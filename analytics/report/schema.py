"""The gap report as a typed contract: every part of a report snapshot, field by field.

A snapshot is stored as JSON (`ReportSnapshot.data`) and served as it is by the API, so each part
is a TypedDict: a plain dict at run time, with its keys and types declared here. The builder
(`build.py`) makes every part through these types and the constructors below, the view-model,
charts and exports read them, and `check.problems()` checks a report against them (the tests
run it on real reports; docs/report-schema.md is checked against these declarations too).

Segments are keyed by what does not change when people rename things: `all`,
`department:<id>` (the department and its whole subtree; `departments` gives the names), and
`tenure_band:<code>`, `location:<text>`, `level:<text>` for the attributes kept with responses.
"""

from collections.abc import Mapping
from typing import Annotated, Any, Literal, NotRequired, TypedDict

ALL = "all"
DEPARTMENT = "department"


class _Pair:
    """Marks a list that always holds two numbers: [low, high]."""


PAIR = _Pair()
Pair = Annotated[list[float], PAIR]

ClassificationName = Literal[
    "blind_spot",
    "hidden_strength",
    "aligned_strength",
    "shared_weakness",
    "middling",
    "insufficient_data",
    "suppressed",
]
Severity = Literal["critical", "high", "moderate"]
Tag = Literal["watch", "leadership_split"]
EffectSize = Literal["negligible", "small", "medium", "large"]
RankTest = Literal["mann_whitney_asymptotic", "mann_whitney_permutation"]
GapTest = Literal["one_sample_t", "mann_whitney_asymptotic", "mann_whitney_permutation"]
Outcome = Literal["enps", "intent_to_stay"]
Basis = Literal["gap", "share_unfavorable"]


class Department(TypedDict):
    id: int
    name: str
    parent: int | None


class Value(TypedDict):
    code: str
    name: str


class Responses(TypedDict):
    leadership: int
    lived: int | None
    onboarding: int | None
    exit: int | None


class IndexPoint(TypedDict):
    wave: str
    value: float | None
    n_values: int


class SelfDeceptionIndex(TypedDict):
    value: float | None
    n_values: int
    values: list[str]
    definition: str
    trend: list[IndexPoint]


class GapCell(TypedDict):
    value: str
    segment: str
    n_leaders: int | None
    n_employees: int | None
    leader_mean: float | None
    employee_mean: float | None
    gap: float | None
    gap_ci: Pair | None
    cliffs_delta: float | None
    effect_size: EffectSize | None
    test: GapTest | None
    employee_favorable_pct: float | None
    employee_unfavorable_pct: float | None
    leader_span: float | None
    classification: ClassificationName
    severity: Severity | None
    tags: list[Tag]
    p_value: float | None
    q_value: float | None


class Calibration(TypedDict):
    value: str
    n_leaders: int
    n_employees: int | None
    mean_prediction: float | None
    actual_favorable_pct: float | None
    error: float | None
    suppressed: bool


class ProfileAgreement(TypedDict):
    values: list[str]
    n_values: int
    rho: float | None
    p_value: float | None
    q_value: float | None


class ExitPool(TypedDict):
    period: str
    waves: list[str]


class LeaversCell(TypedDict):
    value: str
    segment: str
    period: str
    waves: list[str]
    stayer_waves: list[str]
    n_exit: int | None
    n_lived: int | None
    exit_mean: float | None
    lived_mean: float | None
    cliffs_delta: float | None
    test: RankTest | None
    leaver_signal: bool | None
    suppressed: bool
    p_value: float | None
    q_value: float | None


class PromisedCell(TypedDict):
    value: str
    segment: str
    n: int | None
    mean_expected: float | None
    mean_found: float | None
    mean_difference: float | None
    rank_biserial: float | None
    share_worse: float | None
    share_equal: float | None
    share_better: float | None
    credibility_gap: bool | None
    suppressed: bool
    p_value: float | None
    q_value: float | None


class TrendPoint(TypedDict):
    wave: str
    n: int | None
    mean: float | None


# `from` is a Python keyword, hence the functional form.
TrendChange = TypedDict(
    "TrendChange",
    {
        "from": str,
        "to": str,
        "n_previous": int | None,
        "n_current": int | None,
        "change": float | None,
        "cliffs_delta": float | None,
        "test": RankTest | None,
        "p_value": float | None,
        "q_value": float | None,
    },
)


class Trend(TypedDict):
    value: str
    waves: list[TrendPoint]
    n_waves: int
    tau: float | None
    slope: float | None
    slope_ci: Pair | None
    declining: bool | None
    p_value: float | None
    q_value: float | None
    change: TrendChange | None


class Enps(TypedDict):
    question: str | None
    n: int | None
    promoters: int | None
    passives: int | None
    detractors: int | None
    score: float | None
    ci: Pair | None
    suppressed: bool


class Reliability(TypedDict):
    value: str
    n_items: int
    n: int | None
    alpha: float | None
    alpha_ci: Pair | None
    warning: Literal["low"] | None
    note: Literal["redundant"] | None
    suppressed: bool


class Driver(TypedDict):
    value: str
    outcome: Outcome
    question: str
    n: int | None
    rho: float | None
    suppressed: bool
    p_value: float | None
    q_value: float | None


class Priority(TypedDict):
    value: str
    priority: float
    basis: Basis
    driver_rho: float | None
    gap: float | None
    classification: ClassificationName
    rank: int


class Comment(TypedDict):
    question: str
    text: str
    # How many respondents wrote exactly this (case and spacing aside); absent in snapshots
    # stored before identical comments were shown once, where each item is one comment.
    count: NotRequired[int]


class Comments(TypedDict):
    shown: bool
    min_group_size: int
    n_respondents: int | None
    items: list[Comment]


class ThemePhrase(TypedDict):
    phrase: str
    respondents: int


class Leaning(TypedDict):
    positive: int
    negative: int
    neither: int
    unrated: int


class Quote(TypedDict):
    text: str
    count: int


class ValueThemes(TypedDict):
    value: str
    segment: str
    shown: bool
    n_respondents: int | None
    n_commenters: int | None
    n_comments: int | None
    themes: list[ThemePhrase]
    leaning: Leaning | None
    quotes: list[Quote]


class CommentThemes(TypedDict):
    min_group_size: int
    min_commenters: int
    min_phrase_respondents: int
    match_threshold: float
    languages: list[str]
    values: list[ValueThemes]


class MultipleComparisons(TypedDict):
    method: Literal["benjamini-hochberg"]
    n_tests: int


class Scope(TypedDict):
    departments: list[str]


class Report(TypedDict):
    organization: str
    organization_name: str
    wave: str
    waves: list[str]
    method_version: str
    fingerprint: str
    min_group_size: int
    departments: list[Department]
    values: list[Value]
    responses: Responses
    self_deception_index: SelfDeceptionIndex
    stated_vs_lived: list[GapCell]
    calibration: list[Calibration]
    calibration_mae: float | None
    profile_agreement: ProfileAgreement
    exit_pool: ExitPool | None
    leavers_vs_stayers: list[LeaversCell]
    promised_vs_found: list[PromisedCell]
    trends: list[Trend]
    enps: Enps
    reliability: list[Reliability]
    drivers: list[Driver]
    priorities: list[Priority]
    comments: Comments
    # What the comments say about each value; absent in snapshots stored before themes were.
    themes: NotRequired[CommentThemes]
    multiple_comparisons: MultipleComparisons
    withheld_for_differencing: int
    # Only in a copy limited to a department-scoped reader (selectors.report_scope).
    scope: NotRequired[Scope]


# --- Segments ------------------------------------------------------------------------------------


def department_segment(department_id: int) -> str:
    return f"{DEPARTMENT}:{department_id}"


def segment_dimension(segment: str) -> str:
    """ "all", "department", "tenure_band", "location" or "level"."""
    return segment.partition(":")[0]


def segment_department(segment: str) -> int | None:
    """The department id of a department segment, else None (also for a segment of a snapshot
    stored before segments were keyed by id, which names the department instead)."""
    dimension, _, key = segment.partition(":")
    if dimension != DEPARTMENT or not key.isdigit():
        return None
    return int(key)


def department_names(report: Mapping[str, Any]) -> dict[int, str]:
    return {d["id"]: d["name"] for d in report.get("departments", ())}


# --- Constructors: the shapes of what a report withholds or cannot compute ------------------------


def suppressed_cell(value: str, segment: str) -> GapCell:
    """A stated vs lived cell that is not shown: no figure at all."""
    return GapCell(
        value=value,
        segment=segment,
        n_leaders=None,
        n_employees=None,
        leader_mean=None,
        employee_mean=None,
        gap=None,
        gap_ci=None,
        cliffs_delta=None,
        effect_size=None,
        test=None,
        p_value=None,
        q_value=None,
        employee_favorable_pct=None,
        employee_unfavorable_pct=None,
        leader_span=None,
        classification="suppressed",
        severity=None,
        tags=[],
    )


def calibration_without_figures(value: str, n_leaders: int, *, suppressed: bool) -> Calibration:
    """Withheld (the company cell is), or no leader gave a prediction."""
    return Calibration(
        value=value,
        n_leaders=n_leaders,
        n_employees=None,
        mean_prediction=None,
        actual_favorable_pct=None,
        error=None,
        suppressed=suppressed,
    )


def suppressed_leavers(
    value: str, segment: str, *, period: str, waves: list[str], stayer_waves: list[str]
) -> LeaversCell:
    return LeaversCell(
        value=value,
        segment=segment,
        period=period,
        waves=waves,
        stayer_waves=stayer_waves,
        n_exit=None,
        n_lived=None,
        exit_mean=None,
        lived_mean=None,
        cliffs_delta=None,
        test=None,
        leaver_signal=None,
        suppressed=True,
        p_value=None,
        q_value=None,
    )


def promised_without_figures(value: str, *, suppressed: bool) -> PromisedCell:
    """Withheld (fewer than k new hires), or the value has no onboarding pair."""
    return PromisedCell(
        value=value,
        segment=ALL,
        n=None,
        mean_expected=None,
        mean_found=None,
        mean_difference=None,
        rank_biserial=None,
        share_worse=None,
        share_equal=None,
        share_better=None,
        credibility_gap=None,
        suppressed=suppressed,
        p_value=None,
        q_value=None,
    )


def hidden_trend_point(wave: str) -> TrendPoint:
    return TrendPoint(wave=wave, n=None, mean=None)


def untested_trend(value: str, waves: list[TrendPoint], n_waves: int) -> Trend:
    """Fewer than 5 rounds with a mean: no trend test."""
    return Trend(
        value=value,
        waves=waves,
        n_waves=n_waves,
        tau=None,
        slope=None,
        slope_ci=None,
        declining=None,
        p_value=None,
        q_value=None,
        change=None,
    )


def hidden_change(previous: str, current: str) -> TrendChange:
    return TrendChange(
        {
            "from": previous,
            "to": current,
            "n_previous": None,
            "n_current": None,
            "change": None,
            "cliffs_delta": None,
            "test": None,
            "p_value": None,
            "q_value": None,
        }
    )


def enps_without_figures(question: str | None, *, suppressed: bool) -> Enps:
    """No recommend question (`question` None), or fewer than k answers to it."""
    return Enps(
        question=question,
        n=None,
        promoters=None,
        passives=None,
        detractors=None,
        score=None,
        ci=None,
        suppressed=suppressed,
    )


def reliability_without_figures(value: str, n_items: int, *, suppressed: bool) -> Reliability:
    """Fewer than k complete answers, or nothing to compute (under 2 items, no responses)."""
    return Reliability(
        value=value,
        n_items=n_items,
        n=None,
        alpha=None,
        alpha_ci=None,
        warning=None,
        note=None,
        suppressed=suppressed,
    )


def suppressed_driver(value: str, outcome: Outcome, question: str) -> Driver:
    return Driver(
        value=value,
        outcome=outcome,
        question=question,
        n=None,
        rho=None,
        suppressed=True,
        p_value=None,
        q_value=None,
    )


def hidden_comments(min_group_size: int) -> Comments:
    return Comments(shown=False, min_group_size=min_group_size, n_respondents=None, items=[])


def hidden_themes(value: str, segment: str) -> ValueThemes:
    """Too few respondents or commenters, or withheld against differencing: nothing at all."""
    return ValueThemes(
        value=value,
        segment=segment,
        shown=False,
        n_respondents=None,
        n_commenters=None,
        n_comments=None,
        themes=[],
        leaning=None,
        quotes=[],
    )
