"""The threat model names the test behind each line: every one it names must exist."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = re.compile(r"`((?:tests/[\w/]+\.py)?(?:::test_\w+)?|tests/[\w/]+/)(?:\[[^\]]*\])?`")


def named_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def references(text: str) -> list[tuple[str, str | None]]:
    """(file or folder, test name or None), a `::test` alone meaning the file named before."""
    found, last = [], None
    for match in REFERENCE.finditer(text):
        ref = match.group(1)
        if not ref:
            continue
        path, _, test = ref.partition("::")
        path = path or last
        last = path if path.endswith(".py") else last
        found.append((path, test or None))
    return found


def test_every_test_the_threat_model_names_exists():
    found = references((ROOT / "docs" / "security.md").read_text())

    assert len(found) > 40
    missing = []
    for path, test in found:
        target = ROOT / path
        if not target.exists():
            missing.append(path)
        elif test and test not in named_tests(target):
            missing.append(f"{path}::{test}")
    assert missing == []


def test_a_missing_test_would_be_found():
    text = (
        "`tests/test_docs.py::test_nothing_by_this_name` and `::test_a_missing_test_would_be_found`"
    )

    found = references(text)

    assert found == [
        ("tests/test_docs.py", "test_nothing_by_this_name"),
        ("tests/test_docs.py", "test_a_missing_test_would_be_found"),
    ]
    assert "test_nothing_by_this_name" not in named_tests(ROOT / "tests" / "test_docs.py")
