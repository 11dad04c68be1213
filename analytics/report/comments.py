"""The report's comments: masked, grouped by question, in an order that ties none to another."""

import re
import secrets

from analytics.selectors import QuestionMeta, ResponseSet

from .schema import Comment, Comments, hidden_comments
from .themes import identity

EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
PHONE = re.compile(r"(?<!\w)[+(]?\d[\d\s().\-/]{6,}\d(?!\w)")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$|^\d{1,2}[./]\d{1,2}[./]\d{2,4}$")


def mask_personal(text: str) -> str:
    """Emails and phone numbers in a comment, masked (a date is not a phone number)."""

    def phone(match: re.Match) -> str:
        found = match.group(0)
        digits = sum(c.isdigit() for c in found)
        return found if DATE.match(found.strip()) or digits < 7 else "[phone number]"

    return PHONE.sub(phone, EMAIL.sub("[email]", text))


def round_comments(lived: ResponseSet, questions: list[QuestionMeta], need: int) -> Comments:
    """The round's comments, when at least `need` people answered: grouped by question, each
    group in a random order that is stored nowhere, and never two comments of one response
    next to each other (their order must not tie them to one author)."""
    respondents = lived.size
    if respondents < need:
        return hidden_comments(need)
    codes = {q.column: q.code for q in questions if q.type == "text"}
    order = [q.column for q in questions if q.type == "text"]
    # Identical comments to one question (case and spacing aside) are shown once, with the
    # responses that wrote them: the order then keeps each of those apart from their other
    # comments.
    by_question: dict[int, dict[str, tuple[set[int], str]]] = {}
    for row, column, text in lived.texts:
        if column in codes:
            masked = mask_personal(text)
            same = by_question.setdefault(column, {})
            rows, _first = same.setdefault(identity(masked), (set(), masked))
            rows.add(row)
    asked = [c for c in order if c in by_question]
    arranged = arrange_comments(
        [[(frozenset(rows), text) for rows, text in by_question[c].values()] for c in asked]
    )
    counts = {
        (group, text): len(rows)
        for group, c in enumerate(asked)
        for rows, text in by_question[c].values()
    }
    return Comments(
        shown=True,
        min_group_size=need,
        n_respondents=respondents,
        items=[
            Comment(question=codes[asked[group]], text=text, count=counts[(group, text)])
            for group, text in arranged
        ],
    )


Authors = int | frozenset[int]  # the response row of a comment, or the rows of identical ones


def _apart(a: Authors | None, b: Authors) -> bool:
    """No response wrote both."""
    if a is None:
        return True
    first = a if isinstance(a, frozenset) else frozenset((a,))
    second = b if isinstance(b, frozenset) else frozenset((b,))
    return not first & second


def arrange_comments(groups: list[list[tuple[Authors, str]]]) -> list[tuple[int, str]]:
    """Comments in question groups, shuffled by the operating system's randomness (no seed is
    stored, so the order cannot be undone), with no two of one response next to each other.

    Each group holds (response row, text) of one question, or (the rows of identical comments,
    text), so a response appears at most once in a group; only where two groups meet can one
    response be on both sides. There the first
    comment of the later group is swapped with another of its group, or, in a group of one,
    the groups are put in another order. A comment that no order can keep apart is left out.
    Returns (group index, text) pairs.
    """
    random = secrets.SystemRandom()
    pending = [[(i, row, text) for row, text in group] for i, group in enumerate(groups)]
    for group in pending:
        random.shuffle(group)
    arranged: list[tuple[int, Authors, str]] = []  # (group index, response rows, text)
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


def _next_group(pending: list[list[tuple[int, Authors, str]]], last: Authors | None) -> int | None:
    """The first group (in question order) that can follow a comment of response(s) `last`,
    its first comment swapped for another where needed; None when none can."""
    for position, group in enumerate(pending):
        if _apart(last, group[0][1]):
            return position
        swap = next((j for j in range(1, len(group)) if _apart(last, group[j][1])), None)
        if swap is not None:
            group[0], group[swap] = group[swap], group[0]
            return position
    return None
