"""axe-core (the npm package, see package.json) run on a Playwright page: WCAG 2.1 A and AA
rules, and a failure that names every serious or critical violation."""

from pathlib import Path

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")


def axe_run(page) -> dict:
    """axe's full result for the page as it stands. The page's context must bypass the
    Content-Security-Policy (`bypass_csp=True`): axe is injected as an inline script."""
    if not AXE_JS.exists():
        raise AssertionError(f"{AXE_JS} is missing: `make test` installs it (npm ci)")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_21_AA
    )


def axe_blocking(page) -> list[dict]:
    """The serious and critical violations on the page."""
    return [v for v in axe_run(page)["violations"] if v["impact"] in BLOCKING]


def axe_describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    {target}: {node['failureSummary'].splitlines()[-1].strip()}")
    return "\n".join(lines)


def assert_accessible(page) -> None:
    """Fails listing each serious or critical WCAG 2.1 A/AA violation axe finds on the page."""
    violations = axe_blocking(page)
    assert not violations, f"axe on {page.url}:\n{axe_describe(violations)}"
