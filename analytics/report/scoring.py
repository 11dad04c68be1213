"""Value scores of a set of responses, the report's family of tests, and the seed of each cell."""

import zlib
from typing import Any

import numpy as np

from analytics import stats
from analytics.selectors import QuestionMeta, ResponseSet


def seed_for(*parts: object) -> int:
    """A fixed seed per cell, so every figure is reproducible whatever the order of work."""
    return zlib.crc32("|".join(map(str, parts)).encode())


def finite(a: np.ndarray) -> np.ndarray:
    return a[~np.isnan(a)]


class TestRegistry:
    """Every p-value of the report, for one Benjamini–Hochberg correction at the end."""

    def __init__(self) -> None:
        self.entries: list[Any] = []

    def add(self, entry: Any, p: float | None) -> None:
        """Record an entry's p-value (None: not tested); its q-value is set by `correct`."""
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
        # One pass per distinct set of asked items (a survey's version), not per respondent:
        # each row's set as the bits of one integer (a value has far fewer than 63 items).
        sets = asked.astype(np.int64) @ (np.int64(1) << np.arange(len(items), dtype=np.int64))
        for key in np.unique(sets):
            rows = sets == key
            chosen = asked[np.argmax(rows)]
            if not chosen.any():
                continue
            out[rows] = stats.value_scores(rs.numbers[np.ix_(rows, cols[chosen])], reverse[chosen])
        return out

    def numeric(self, rs: ResponseSet, question: QuestionMeta) -> np.ndarray:
        return rs.numbers[:, question.column]
