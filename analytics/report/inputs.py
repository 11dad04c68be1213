"""What a report is computed from, prepared once: the round's respondent groups, their value
scores, the department tree and the segments of every breakdown."""

import numpy as np

from analytics.publication import Universe
from analytics.selectors import ReportInput, ResponseSet

from .schema import DEPARTMENT, Department, department_segment, segment_department
from .scoring import Scorer, finite

DIMENSIONS = ("department", "tenure_band", "location", "level", "language")
TENURE_ORDER = ["lt_6m", "6_12m", "1_2y", "2_5y", "5y_plus"]
MIN_EXIT_AND_COMMENTS = 10  # comments and exit cuts need max(k, 10)


class DepartmentTree:
    """The organization's departments: children by name, subtrees, depth-first order."""

    def __init__(self, departments: dict[int, tuple[str, int | None]]) -> None:
        self.departments = departments
        self.children: dict[int | None, list[int]] = {}
        for pk, _department in sorted(departments.items(), key=lambda d: d[1][0]):
            self.children.setdefault(self.parent(pk), []).append(pk)

    def name(self, pk: int) -> str:
        return self.departments[pk][0]

    def parent(self, pk: int) -> int | None:
        parent = self.departments[pk][1]
        return parent if parent in self.departments else None

    @property
    def roots(self) -> list[int]:
        return self.children.get(None, [])

    def subtree(self, department: int) -> set[int]:
        found, stack = set(), [department]
        while stack:
            node = stack.pop()
            if node not in found:
                found.add(node)
                stack.extend(self.children.get(node, []))
        return found

    def in_order(self) -> list[int]:
        """Depth first, siblings by name: the order of the report's department cells."""
        ordered: list[int] = []

        def visit(parent: int | None) -> None:
            for pk in self.children.get(parent, []):
                ordered.append(pk)
                visit(pk)

        visit(None)
        return ordered

    def top_level(self, departments: np.ndarray) -> np.ndarray:
        """Each row's top-level department (-1 for none)."""
        top = {}
        for pk in self.departments:
            node = pk
            while self.parent(node) is not None:
                node = self.departments[node][1]
            top[pk] = node
        return np.array([top.get(int(d), -1) for d in departments], dtype=int)

    def as_report(self) -> list[Department]:
        return [
            Department(id=pk, name=self.name(pk), parent=self.parent(pk)) for pk in self.in_order()
        ]


class Inputs:
    """The report's round and its history, scored once for every figure and for the plan."""

    def __init__(self, inp: ReportInput) -> None:
        self.inp = inp
        self.k = inp.min_group_size
        self.need = max(self.k, MIN_EXIT_AND_COMMENTS)
        self.scorer = Scorer(inp.questions)
        self.current = inp.current
        self.round_id = inp.rounds[self.current].id
        groups = inp.groups
        self.lived_all = groups["lived"]
        self.lived = self.lived_all.rows(self.lived_all.round_index == self.current)
        self.leaders = groups["leadership"].rows(groups["leadership"].round_index == self.current)
        self.onboarding_now = groups["onboarding"].round_index == self.current
        self.onboarding = groups["onboarding"].rows(self.onboarding_now)
        self.values = [code for code, _name in inp.values]
        # Employee and leader scores per value for the report's round.
        self.employee_scores = {
            v: self.scorer.scores(self.lived, self.scorer.items(v, "employee")) for v in self.values
        }
        self.leader_scores = {
            v: finite(self.scorer.scores(self.leaders, self.scorer.items(v, "leader")))
            for v in self.values
        }
        self.tree = DepartmentTree(inp.departments)
        self.universe = Universe(inp, self.scorer)
        self._categories: dict[str, list[str]] = {}
        self.recommend = next((q for q in inp.questions if q.type == "recommend"), None)

    def round_label(self, index: int) -> str:
        return self.inp.rounds[index].label

    # --- segments ---------------------------------------------------------------------------

    def segment_masks(self, rs: ResponseSet) -> list[tuple[str, str, np.ndarray]]:
        """(dimension, segment key, row mask) for every cell of every dimension."""
        cells = [
            (
                DEPARTMENT,
                department_segment(pk),
                np.isin(rs.department, list(self.tree.subtree(pk))),
            )
            for pk in self.tree.in_order()
        ]
        for dimension in DIMENSIONS[1:]:
            column = getattr(rs, dimension)
            for category in self.categories(dimension):
                cells.append((dimension, f"{dimension}:{category}", column == category))
        return cells

    def where(self, segment: str) -> list | None:
        """A segment as a specification stores it: departments by id, as they are now."""
        if segment == "all":
            return None
        department = segment_department(segment)
        if department is not None:
            return [DEPARTMENT, sorted(self.tree.subtree(department))]
        dimension, _, category = segment.partition(":")
        return [dimension, category]

    def seed_segment(self, segment: str) -> str:
        """How a segment enters its cell's seed: a department by its name, as the seeds of
        method 1.1 were drawn, so every permutation p-value is the one it always was."""
        department = segment_department(segment)
        return segment if department is None else f"{DEPARTMENT}:{self.tree.name(department)}"

    def categories(self, dimension: str) -> list[str]:
        """The round's categories of a dimension, found once (a pass over every row)."""
        if dimension not in self._categories:
            found = {c for c in set(getattr(self.lived, dimension).tolist()) if c}
            if dimension == "tenure_band":
                self._categories[dimension] = [b for b in TENURE_ORDER if b in found]
            else:
                self._categories[dimension] = sorted(found)
        return self._categories[dimension]
