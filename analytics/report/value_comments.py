"""What the comments say about each value, per segment, as a report stores it (`themes`).

A comment belongs to a value when its question does (a value's comment box); a comment to a
general question is matched to a value by its words (`themes.match_values`). Per value and
segment the report shows recurring phrases, the leaning of the comments and a few quotes, only
where the rules of comments hold and nothing can be worked out by subtraction:

- at least max(k, 10) lived respondents in the segment, and at least k of them wrote a comment
  on the value;
- a segment other than the whole company only where the report publishes that value's figures
  for the segment (k, complementary suppression and the differencing auditor against every
  earlier report have passed it);
- the differencing auditor over the commenters of every shown segment of the value: where one
  segment's commenters contain another's, the difference holds 0 or at least k commenters, and
  a family of segments (the departments under one department) never leaves 1 to k-1 commenters
  when taken from what contains them. A failing segment is withheld and the check runs again.
"""

import numpy as np

from analytics.auditor import AuditCell, audit

from . import themes as th
from .comments import mask_personal
from .inputs import Inputs
from .plan import Plan
from .schema import (
    ALL,
    CommentThemes,
    Leaning,
    Quote,
    ThemePhrase,
    ValueThemes,
    hidden_themes,
    segment_dimension,
)

MAX_AUDIT_PASSES = 50


def comments_by_value(inputs: Inputs) -> dict[str, list[tuple[int, str]]]:
    """Each value's comments of the report's round: (response row, masked text)."""
    inp = inputs.inp
    questions = {q.column: q for q in inp.questions if q.type == "text"}
    values = [code for code, _name in inp.values]
    found: dict[str, list[tuple[int, str]]] = {code: [] for code in values}
    general: list[tuple[int, str]] = []
    for row, column, text in inputs.lived.texts:
        question = questions.get(column)
        if question is None or not text.strip():
            continue
        masked = mask_personal(text)
        if question.value in found:
            found[question.value].append((row, masked))
        else:
            general.append((row, masked))
    # One profile per value and language it is written in: a comment is matched to the value
    # whose words, in any language, are nearest to its own.
    profiles = [
        th.ValueProfile(
            code=code,
            name=own_name or name,
            claim=claim,
            description=description,
            items=tuple(items),
        )
        for code, name in inp.values
        for own_name, claim, description, items in inp.value_texts.get(code) or [(name, "", "", [])]
    ]
    matched = th.match_values([text for _row, text in general], profiles)
    for (row, text), value in zip(general, matched, strict=True):
        if value is not None:
            found[value].append((row, text))
    return found


def comment_themes(inputs: Inputs, plan: Plan) -> CommentThemes:
    k, need = inputs.k, inputs.need
    lived = inputs.lived
    segments = [(ALL, np.ones(lived.size, dtype=bool))] + [
        (segment, mask) for _dimension, segment, mask in inputs.segment_masks(lived)
    ]
    entries: list[ValueThemes] = []
    for value, comments in comments_by_value(inputs).items():
        # Each distinct comment is read once for every segment it is shown in.
        prepared = th.prepare(comments)
        wrote = np.zeros(lived.size, dtype=bool)
        wrote[prepared.respondents] = True
        candidates: dict[str, np.ndarray] = {}
        for segment, mask in segments:
            if segment != ALL and not plan[f"stated/{value}/{segment}"]:
                continue
            if int(mask.sum()) >= need and int((mask & wrote).sum()) >= k:
                candidates[segment] = mask
        shown = _audited(value, candidates, wrote, k)
        for segment, mask in segments:
            if segment not in shown:
                if segment == ALL:
                    entries.append(hidden_themes(value, ALL))
                continue
            entries.append(_entry(value, segment, int(mask.sum()), prepared, mask))
    return CommentThemes(
        min_group_size=need,
        min_commenters=k,
        min_phrase_respondents=th.MIN_PHRASE_RESPONDENTS,
        match_threshold=th.MATCH_THRESHOLD,
        languages=[language for language in th.LANGUAGES if th.lexicon(language)],
        values=entries,
    )


def _audited(value: str, candidates: dict[str, np.ndarray], wrote: np.ndarray, k: int) -> set:
    """The candidate segments that survive the differencing auditor over their commenters."""
    shown = dict(candidates)
    live = np.ones(wrote.size, dtype=bool)
    for _attempt in range(MAX_AUDIT_PASSES):
        cells = [
            AuditCell(
                key=segment,
                measure=f"themes/{value}",
                family=segment_dimension(segment),
                mask=mask & wrote,
                new=True,
                # The whole company's themes go last: segments are withheld first.
                rank=1 if segment == ALL else 0,
            )
            for segment, mask in shown.items()
        ]
        findings = audit(cells, live=live, k=k)
        if not findings:
            break
        for finding in findings:
            shown.pop(finding.suppress, None)
    return set(shown)


def _entry(
    value: str, segment: str, respondents: int, prepared: th.Prepared, mask: np.ndarray
) -> ValueThemes:
    chosen = prepared.respondent_mask(mask)
    summary = th.summarise_prepared(prepared, chosen)
    return ValueThemes(
        value=value,
        segment=segment,
        shown=True,
        n_respondents=respondents,
        n_commenters=int(chosen.sum()),
        n_comments=int(chosen[prepared.comment_respondent].sum()),
        themes=[ThemePhrase(phrase=t.phrase, respondents=t.respondents) for t in summary.themes],
        leaning=Leaning(
            positive=summary.positive,
            negative=summary.negative,
            neither=summary.neither,
            unrated=summary.unrated,
        ),
        quotes=[Quote(text=text, count=count) for text, count in summary.quotes],
    )
