"""How a report's figures and labels are shown to people: on the page, in charts, in the PDF and
in the CSV and XLSX exports alike. Nothing else in the product rounds a figure or names a class.

Rounding (ANALYSIS.md, "Confidentiality in the numbers"): means, gaps and other 1–5 scale
figures to 1 decimal; percentages, percentage points, eNPS and the self-deception index to whole
numbers; effect sizes and correlations (Cliff's delta, rank-biserial r, rho, alpha, tau), the
priority score and the trend slope to 2 decimals; p- and q-values to 3 significant figures, or
"<0.001".

One rule: **half up, on the decimal number the snapshot stores**. A stored float is read as the
shortest decimal that gives it back (`repr`: 4.35 is 4.35, not the binary 4.3499999…), and a tie
goes away from zero: 4.25 shows as 4.3, 4.35 as 4.4, 2.5% as 3%, −0.25 as −0.3. A rounded zero
never keeps a minus sign. Displayed negative numbers carry a typographic minus (−); exports keep
numbers as numbers.
"""

import math
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext_lazy, pgettext_lazy

from surveys.models import SegmentAttribute, TenureBand

from .schema import ALL, segment_department, segment_dimension

DASH = "–"  # a missing figure
MINUS = "\u2212"
P_FLOOR = 0.001

# --- Rounding -------------------------------------------------------------------------------------


def _decimal(x: Any) -> Decimal | None:
    """A figure as the decimal the snapshot stores; None for a missing or non-finite one."""
    if x is None or isinstance(x, bool):
        return None
    try:
        value = float(x)
    except (TypeError, ValueError):
        return None
    return Decimal(repr(value)) if math.isfinite(value) else None


def _round(d: Decimal, places: int) -> Decimal:
    rounded = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return rounded if rounded != 0 else abs(rounded)  # never "-0.0"


def round_places(x: Any, places: int) -> float | int | None:
    """`x` rounded half up to `places` decimals (an int for 0 places); None stays None."""
    d = _decimal(x)
    if d is None:
        return None
    rounded = _round(d, places)
    return int(rounded) if places == 0 else float(rounded)


def round_mean(x: Any) -> float | None:
    """Means, gaps, scale figures: 1 decimal."""
    return round_places(x, 1)


def round_pct(x: Any) -> int | None:
    """Percentages, percentage points, eNPS, the self-deception index: whole numbers."""
    return round_places(x, 0)


def round_effect(x: Any) -> float | None:
    """Effect sizes and correlations (delta, r, rho, alpha, tau), priority, slope: 2 decimals."""
    return round_places(x, 2)


def round_p(x: Any) -> float | str | None:
    """p- and q-values: 3 significant figures, or the text "<0.001"."""
    d = _decimal(x)
    if d is None:
        return None
    if d < Decimal(repr(P_FLOOR)):
        return "<0.001"
    rounded = d.quantize(Decimal(1).scaleb(d.adjusted() - 2), rounding=ROUND_HALF_UP)
    return float(rounded)


def round_share(x: Any) -> int | None:
    """A fraction (0–1) as a whole percentage."""
    d = _decimal(x)
    return None if d is None else int(_round(d * 100, 0))


# --- Figures as text ----------------------------------------------------------------------------


def _text(x: Any, places: int, *, signed: bool = False) -> str:
    d = _decimal(x)
    if d is None:
        return DASH
    rounded = _round(d, places)
    text = f"{abs(rounded):.{places}f}"
    if rounded < 0:
        return MINUS + text
    return "+" + text if signed and rounded > 0 else text


def format_mean(x: Any, *, signed: bool = False) -> str:
    """A mean, gap or other scale figure: "2.7", "+2.0", "−0.9" ("–" when missing)."""
    return _text(x, 1, signed=signed)


def format_threshold(x: float) -> str:
    """A threshold of the method as the method writes it: "0.25", "0.5", "1", "1.5"."""
    return f"{x:g}"


def format_pct(x: Any, *, signed: bool = False) -> str:
    """A percentage, percentage points, eNPS or index, as a number: "3", "+77", "−11"."""
    return _text(x, 0, signed=signed)


def format_percent(x: Any) -> str:
    """A percentage with its sign: "3%" ("–" when missing)."""
    text = format_pct(x)
    return text if text == DASH else f"{text}%"


def format_share(x: Any) -> str:
    """A fraction (0–1) as a whole percentage: "90%"."""
    d = _decimal(x)
    return format_percent(None if d is None else d * 100)


def format_effect(x: Any, *, signed: bool = False) -> str:
    """An effect size, correlation, priority or slope: "0.99", "+1.00", "−0.78"."""
    return _text(x, 2, signed=signed)


def format_p(x: Any) -> str:
    """A p- or q-value: 3 significant figures ("0.52") or "<0.001"."""
    value = round_p(x)
    if value is None:
        return DASH
    return value if isinstance(value, str) else f"{value:.3g}"


def format_interval(pair: Sequence[Any] | None, formatter: Callable[..., str], **kw: Any) -> str:
    """An interval: "+1.9 to +2.1" ("–" when missing)."""
    if not pair or len(pair) != 2 or pair[0] is None:
        return DASH
    low, high = formatter(pair[0], **kw), formatter(pair[1], **kw)
    return str(_("%(low)s to %(high)s") % {"low": low, "high": high})


def format_count(n: Any) -> str:
    return DASH if n is None else str(n)


# --- Labels -------------------------------------------------------------------------------------

SUPPRESSED_NOTE = _("fewer than k responses")
# The self-deception index's definition as a report stores it (figures.SDI_DEFINITION, kept in
# English in every snapshot), named here for the catalogue: the view translates the stored text.
SDI_DEFINITION = gettext_noop(
    "100 × the mean, over values with enough data, of max(0, Cliff's delta of leaders' "
    "ratings vs employees' experience) at company level. 0 means leadership rates no value "
    "above what employees live; 100 means every leader rates every value above every employee."
)
NOT_ENOUGH = _("not enough data")
WHOLE_COMPANY = _("Whole company")

CLASS_LABELS = {
    "blind_spot": _("Blind spot"),
    "hidden_strength": _("Hidden strength"),
    "aligned_strength": _("Aligned strength"),
    "shared_weakness": _("Shared weakness"),
    "middling": _("Middling"),
    "insufficient_data": _("Not enough data"),
    "suppressed": _("Fewer than k responses"),
}

# The key findings, in the words the page, the PDF and the XLSX summary share: a name and what
# it means, then the values it applies to.
FINDING_LABELS = {
    "blind_spots": (
        _("Blind spots"),
        _("leaders rate the value clearly above what employees experience"),
    ),
    "hidden_strengths": (
        _("Hidden strengths"),
        _("employees experience the value clearly better than leaders think"),
    ),
    "credibility_gaps": (_("Credibility gaps"), _("new hires found less than hiring promised")),
    "leaver_signals": (
        _("Leaver signals"),
        _("leavers experienced the value clearly worse than those who stay"),
    ),
    "declining": (_("Declining"), _("employees' experience of the value fell over the rounds")),
}

# What a leader can do next about a flagged value: a first step in plain words, not a verdict.
NEXT_STEPS = {
    "blind_spot": _(
        "Leaders believe this value is lived more than employees do. Before deciding what to "
        "change, ask where it breaks down: read the comments on it and hold a short listening "
        "session in the groups with the largest gap, then agree one concrete change and an owner."
    ),
    "hidden_strength": _(
        "Employees live this value better than leaders think. Say so, find out where it works "
        "best, and protect what makes it work before changing anything around it."
    ),
    "shared_weakness": _(
        "Leaders and employees agree this value is weak: no one is deceived, but the value is "
        "not lived. Decide whether it is still a value you stand by; if so, pick one concrete "
        "change with an owner and a date."
    ),
}

CLASS_EXPLANATIONS = {
    "blind_spot": _(
        "Leaders rate this value clearly higher than employees experience it "
        "(a significant, at least medium-sized gap)."
    ),
    "hidden_strength": _(
        "Employees experience this value clearly better than leaders rate it "
        "(a significant, at least medium-sized gap)."
    ),
    "aligned_strength": _(
        "There is no clear gap, and employees experience this value as lived "
        "(employee mean 3.5 or higher)."
    ),
    "shared_weakness": _(
        "There is no clear gap, and employees experience this value as weak "
        "(employee mean below 3.0): not self-deception, but still a problem."
    ),
    "middling": _(
        "There is no clear gap, and employees experience this value as partly lived "
        "(employee mean from 3.0 to below 3.5)."
    ),
    "insufficient_data": _(
        "Too few answers to test the gap (fewer than 10 employees, or no leader rating); "
        "any figures shown are descriptive only."
    ),
    "suppressed": _(
        "Fewer than k people in this group answered, so no figure is shown, "
        "to keep answers anonymous."
    ),
}

# The order of the legend: flags first.
CLASS_ORDER = (
    "blind_spot",
    "hidden_strength",
    "shared_weakness",
    "aligned_strength",
    "middling",
    "insufficient_data",
    "suppressed",
)

SEVERITY_LABELS = {
    "critical": pgettext_lazy("severity", "critical"),
    "high": pgettext_lazy("severity", "high"),
    "moderate": pgettext_lazy("severity", "moderate"),
}

TAG_LABELS = {"watch": _("watch"), "leadership_split": _("leadership split")}

TAG_EXPLANATIONS = {
    "watch": _(
        "A small but noticeable difference between leaders and employees "
        "(not large or certain enough to be a blind spot or hidden strength)."
    ),
    "leadership_split": _(
        "Leaders' own ratings of this value differ by 2 points or more: "
        "the value is not shared inside leadership."
    ),
}

DIMENSION_LABELS = dict(SegmentAttribute.choices)
TENURE_LABELS = dict(TenureBand.choices)
# A language segment by its name in its own language, as the language chooser names it.
LANGUAGE_LABELS = dict(settings.LANGUAGES)

RESPONSE_GROUP_LABELS = {
    "leadership": _("Leadership self-assessment"),
    "lived": _("Employees (pulse and engagement)"),
    "onboarding": _("New hires (onboarding)"),
    "exit": _("Leavers (exit)"),
}

BASIS_LABELS = {"gap": _("gap"), "share_unfavorable": _("share unfavorable")}

OUTCOME_LABELS = {
    "enps": _("employees' willingness to recommend the company (eNPS)"),
    "intent_to_stay": _("intent to stay"),
}


def with_severity(text: str, severity: str | None) -> str:
    """ "Blind spot (critical)", "Open communication (high)"; the text alone without one."""
    return f"{text} ({SEVERITY_LABELS.get(severity, severity)})" if severity else text


def class_label(classification: str | None, severity: str | None = None) -> str:
    """ "Blind spot (critical)", "Hidden strength"."""
    return with_severity(
        str(CLASS_LABELS.get(classification or "", classification or "")), severity
    )


def tag_labels(tags: Sequence[str]) -> list[str]:
    return [str(TAG_LABELS.get(tag, tag)) for tag in tags]


def class_text(classification: str | None, severity: str | None, tags: Sequence[str]) -> str:
    """The class with its severity and tags: "Not enough data · watch"."""
    return " · ".join([class_label(classification, severity), *tag_labels(tags)])


def segment_label(segment: str, departments: Mapping[int, str]) -> str:
    """A segment as people name it: "Whole company", "Sales", "Less than 6 months", "Berlin".

    `departments` names the report's departments by id. A snapshot stored before segments were
    keyed by id names its departments in the segment itself.
    """
    if segment == ALL:
        return str(WHOLE_COMPANY)
    dimension, _sep, key = segment.partition(":")
    department = segment_department(segment)
    if department is not None and department in departments:
        return departments[department]
    if dimension == "tenure_band":
        return str(TENURE_LABELS.get(key, key))
    if dimension == "language":
        return str(LANGUAGE_LABELS.get(key, key))
    return key


def dimension_label(segment: str) -> str:
    dimension = segment_dimension(segment)
    if dimension == ALL:
        return str(WHOLE_COMPANY)
    return str(DIMENSION_LABELS.get(dimension, dimension))


def segment_heading(segment: str, departments: Mapping[int, str]) -> str:
    """ "Department: Sales", "Tenure band: Less than 6 months"; "Whole company"."""
    if segment == ALL:
        return str(WHOLE_COMPANY)
    return f"{dimension_label(segment)}: {segment_label(segment, departments)}"


def segment_text(segment: str, departments: Mapping[int, str]) -> str:
    """A segment for a table of numbers: its key, with a department by name
    ("department:Sales"), as the exports have always named it."""
    department = segment_department(segment)
    if department is None or department not in departments:
        return segment
    return f"{segment_dimension(segment)}:{departments[department]}"


# --- What the comments say about a value ----------------------------------------------------------

LEANING_LABELS = {
    "positive": _("positive"),
    "negative": _("negative"),
    "neither": _("neither"),
}


def times(text: str, count: Any) -> str:
    """A comment written by several respondents word for word: shown once, with ×N."""
    if not isinstance(count, int) or count <= 1:
        return text
    return str(_("%(text)s ×%(count)d")) % {"text": text, "count": count}


def theme_phrases(themes: Sequence[Mapping[str, Any]]) -> str:
    """ "late evenings (12), release (8)": each phrase with the respondents who used it."""
    return ", ".join(
        str(_("%(phrase)s (%(n)d)")) % {"phrase": t["phrase"], "n": t["respondents"]}
        for t in themes
    )


def leaning_text(leaning: Mapping[str, int] | None) -> str:
    """ "mostly negative (70% negative, 20% positive, 10% neither)", over the comments in a
    language with a word list; empty when there are none."""
    if not leaning:
        return ""
    rated = leaning["positive"] + leaning["negative"] + leaning["neither"]
    if rated == 0:
        return ""
    shares = {key: round_pct(100 * leaning[key] / rated) for key in LEANING_LABELS}
    if shares["negative"] >= 50 and leaning["negative"] > leaning["positive"]:
        overall = _("mostly negative")
    elif shares["positive"] >= 50 and leaning["positive"] > leaning["negative"]:
        overall = _("mostly positive")
    else:
        overall = _("mixed")
    parts = ", ".join(
        str(_("%(pct)d%% %(label)s")) % {"pct": shares[key], "label": LEANING_LABELS[key]}
        for key in ("negative", "positive", "neither")
    )
    return f"{overall} ({parts})"


def unrated_note(leaning: Mapping[str, int] | None) -> str:
    n = (leaning or {}).get("unrated", 0)
    if not n:
        return ""
    return str(
        ngettext_lazy(
            "%(n)d comment is in a language the report has no word list for: its leaning is "
            "not rated.",
            "%(n)d comments are in a language the report has no word list for: their leaning "
            "is not rated.",
            n,
        )
    ) % {"n": n}


def voice(
    entry: Mapping[str, Any] | None, *, k: int, need: int, minimum: int
) -> dict[str, Any]:
    """What the comments say about a value, in words: the themes and their leaning, the quotes,
    or why nothing is shown."""
    if entry is None or not entry["shown"]:
        return {
            "shown": False,
            "text": str(
                _(
                    "not shown: it needs at least %(need)d respondents, %(k)d of whom wrote "
                    "about it, and no smaller group worked out by subtraction"
                )
            )
            % {"need": need, "k": k},
            "quotes": [],
        }
    phrases = theme_phrases(entry["themes"])
    lean = leaning_text(entry["leaning"])
    if not phrases:
        phrases = str(_("no phrase recurs among at least %(n)d people")) % {"n": minimum}
    text = f"{phrases}; {lean}" if lean else phrases
    return {
        "shown": True,
        "text": text,
        "commenters": entry["n_commenters"],
        "unrated": unrated_note(entry["leaning"]),
        "quotes": [times(q["text"], q["count"]) for q in entry["quotes"]],
    }


def voice_line(leader_mean: Any, employee_mean: Any, said: str) -> str:
    """ "Leaders rate it 4.6; employees 2.9; what they write about it: …" """
    return str(
        _(
            "Leaders rate it %(leaders)s; employees %(employees)s; "
            "what they write about it: %(said)s"
        )
    ) % {
        "leaders": format_mean(leader_mean),
        "employees": format_mean(employee_mean),
        "said": said,
    }
