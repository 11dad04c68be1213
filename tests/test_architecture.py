"""The code's shape, checked: dependencies run one way (core <- surveys <- analytics, with the
project package on top), no import hides inside a function, nothing is left half-importable,
and no block of more than 10 lines is repeated across the apps' modules."""

import ast
import hashlib
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ("core", "surveys", "analytics", "culturesurvey")
# Which project packages each may import. The project package composes the apps (URLs, the
# demo, the organization export), so it sits on top.
ALLOWED = {
    "core": {"core"},
    "surveys": {"core", "surveys"},
    "analytics": {"core", "surveys", "analytics"},
    "culturesurvey": set(PROJECT),
}
# gunicorn reads its configuration file before the product is importable from it.
LATE_IMPORTS_ALLOWED = {"culturesurvey/gunicorn.conf.py"}


def modules() -> list[Path]:
    return sorted(
        path
        for package in PROJECT
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    )


def dotted(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The absolute names an import statement reads."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level == 0:
        return [node.module or ""]
    package = dotted(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - (node.level - 1)]
    return [".".join([*base, node.module] if node.module else base)]


def imports_of(path: Path) -> list[tuple[str, int, bool]]:
    """(imported name, line, whether the import sits inside a function) for every import."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []

    def visit(node: ast.AST, in_function: bool, in_ready: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                late = in_function and not in_ready
                found.extend((name, child.lineno, late) for name in imported(path, child))
            is_function = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            visit(
                child,
                in_function or is_function,
                in_ready or (is_function and child.name == "ready"),
            )

    visit(tree, False, False)
    return found


def package_of(name: str) -> str | None:
    top = name.split(".")[0]
    return top if top in PROJECT else None


def test_every_app_imports_only_the_layers_below_it():
    wrong = []
    for path in modules():
        layer = path.relative_to(ROOT).parts[0]
        for name, line, _late in imports_of(path):
            target = package_of(name)
            if target and target not in ALLOWED[layer]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert wrong == []


def test_no_import_of_the_product_hides_inside_a_function():
    hidden = []
    for path in modules():
        relative = str(path.relative_to(ROOT))
        if relative in LATE_IMPORTS_ALLOWED:
            continue
        for name, line, late in imports_of(path):
            if late and package_of(name):
                hidden.append(f"{relative}:{line} imports {name} inside a function")
    assert hidden == []


def test_the_app_graph_has_no_cycle():
    graph = defaultdict(set)
    for path in modules():
        source = path.relative_to(ROOT).parts[0]
        for name, _line, _late in imports_of(path):
            target = package_of(name)
            if target and target != source:
                graph[source].add(target)

    def reaches(start: str, goal: str, seen: frozenset = frozenset()) -> bool:
        return any(
            step == goal or (step not in seen and reaches(step, goal, seen | {step}))
            for step in graph[start]
        )

    assert [app for app in PROJECT if reaches(app, app)] == []


def module_graph() -> dict[str, set[str]]:
    """Which product modules each module imports when it is loaded (imports at module level;
    `from package import name` counts the submodule when `name` is one)."""
    known = {dotted(path) for path in modules()}
    graph: dict[str, set[str]] = defaultdict(set)
    for path in modules():
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for name in imported(path, node):
                targets = {name}
                if isinstance(node, ast.ImportFrom):
                    targets |= {f"{name}.{alias.name}" for alias in node.names}
                graph[dotted(path)] |= {t for t in targets if t in known} - {dotted(path)}
    return graph


def test_no_module_imports_itself_back_through_others():
    graph = module_graph()
    cycles = []

    def walk(module: str, trail: list[str]) -> None:
        for target in sorted(graph[module]):
            if target == trail[0]:
                cycles.append(" -> ".join([*trail, target]))
            elif target not in trail and target > trail[0]:  # each cycle once, from its least
                walk(target, [*trail, target])

    for module in sorted(graph):
        walk(module, [module])
    assert cycles == []


def test_every_module_imports_in_a_fresh_interpreter():
    names = [
        dotted(path)
        for path in modules()
        if str(path.relative_to(ROOT)) not in LATE_IMPORTS_ALLOWED
    ]
    script = (
        "import importlib, os, sys\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'culturesurvey.settings')\n"
        "import django\n"
        "django.setup()\n"
        "for name in sys.argv[1:]:\n"
        "    importlib.import_module(name)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *names],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]


WINDOW = 11  # "more than 10 lines"


def normalized_lines(path: Path) -> list[tuple[int, str]]:
    """Code lines without blanks, comments and import statements (two modules importing the
    same names repeat nothing), stripped of indentation."""
    source = path.read_text()
    imports = {
        line
        for node in ast.walk(ast.parse(source))
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for line in range(node.lineno, node.end_lineno + 1)
    }
    lines = []
    for number, line in enumerate(source.splitlines(), start=1):
        text = line.strip()
        if text and not text.startswith("#") and number not in imports:
            lines.append((number, text))
    return lines


def repeated_blocks(paths: list[Path]) -> list[str]:
    seen: dict[str, tuple[Path, int]] = {}
    repeats = []
    for path in paths:
        lines = normalized_lines(path)
        for start in range(len(lines) - WINDOW + 1):
            window = lines[start : start + WINDOW]
            digest = hashlib.sha256("\n".join(text for _n, text in window).encode()).hexdigest()
            if digest in seen and seen[digest][0] != path:
                first, line = seen[digest]
                repeats.append(
                    f"{path.relative_to(ROOT)}:{window[0][0]} repeats "
                    f"{first.relative_to(ROOT)}:{line}"
                )
            seen.setdefault(digest, (path, window[0][0]))
    return repeats


def test_no_block_of_more_than_ten_lines_is_repeated_across_modules():
    assert repeated_blocks(modules()) == []


def test_the_repeat_check_finds_a_copied_block(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    block = "\n".join(f"value_{n} = compute({n})" for n in range(WINDOW))
    (tmp_path / "a.py").write_text(f"import x\n{block}\n")
    (tmp_path / "b.py").write_text(f"# copied\n\n{block}\nother = 1\n")
    (tmp_path / "c.py").write_text("\n".join(block.splitlines()[:-1]) + "\n")  # 10 lines: fine

    repeats = repeated_blocks([tmp_path / "a.py", tmp_path / "b.py", tmp_path / "c.py"])

    assert repeats == ["b.py:3 repeats a.py:2"]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from surveys.models import Wave\n", [("surveys.models", 1, False)]),
        ("def f():\n    from analytics import engine\n", [("analytics", 2, True)]),
        (
            "class C:\n    def ready(self):\n        from .logging import mask\n",
            [("core.logging", 3, False)],
        ),
    ],
)
def test_the_import_reader_resolves_relative_and_late_imports(tmp_path, source, expected):
    path = ROOT / "core" / "_probe.py"
    try:
        path.write_text(source)
        assert imports_of(path) == expected
    finally:
        path.unlink()
