"""Tests of analytics.report.charts: server-rendered SVG (no database).

Every chart is parsed with ElementTree. Expected positions are derived from the chart's own axis
tick labels (the x of the "1" and "5" ticks), never from the module's layout constants, and
contrast is computed here from the WCAG 2 formula.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from analytics.report.charts import (
    calibration_chart,
    gap_chart,
    heat_colour,
    sparkline,
    trend_chart,
)
from analytics.report.schema import (
    Calibration,
    GapCell,
    calibration_without_figures,
    suppressed_cell,
)

SVG = "{http://www.w3.org/2000/svg}"
INK, WHITE = "#1c2430", "#ffffff"
DANGER, OK, WARN, SOFT_INK = "#a3261b", "#1d6b35", "#8a5a00", "#4a5566"

NAMES = {
    "open_communication": "Open communication",
    "customer_focus": "Customer focus",
    "recognition": "Recognition",
    "platform": "Platform",
    "tiny": "Tiny team",
    "weak": "Work-life balance",
}


def cell(value: str, **kw) -> GapCell:
    """A stated_vs_lived entry of the report (segment "all")."""
    base = {
        "value": value,
        "segment": "all",
        "n_leaders": 4,
        "n_employees": 124,
        "leader_mean": 4.0,
        "employee_mean": 3.0,
        "gap": 1.0,
        "gap_ci": [0.9, 1.1],
        "cliffs_delta": 0.5,
        "effect_size": "large",
        "test": "one_sample_t",
        "employee_favorable_pct": 20.0,
        "employee_unfavorable_pct": 5.0,
        "leader_span": 1.0,
        "classification": "middling",
        "severity": None,
        "tags": [],
        "p_value": 0.01,
        "q_value": 0.02,
    }
    return GapCell(**base | kw)


SUPPRESSED = suppressed_cell("platform", "all")


def gap_entries() -> list[dict]:
    return [
        cell(
            "open_communication",
            leader_mean=5.0,
            employee_mean=2.75,
            gap=2.25,
            gap_ci=[2.1, 2.4],
            classification="blind_spot",
            severity="critical",
        ),
        cell(
            "customer_focus",
            n_employees=125,
            leader_mean=3.25,
            employee_mean=4.13,
            gap=-0.88,
            gap_ci=[-0.96, -0.79],
            classification="hidden_strength",
        ),
        cell(
            "recognition",
            n_employees=123,
            leader_mean=3.5,
            employee_mean=3.46,
            gap=0.04,
            gap_ci=[-0.05, 0.13],
            classification="middling",
            tags=["watch", "leadership_split"],
        ),
        cell(
            "weak",
            n_leaders=1,
            employee_mean=2.5,
            leader_mean=2.8,
            gap=0.3,
            gap_ci=[0.2, 0.4],
            classification="shared_weakness",
        ),
        dict(SUPPRESSED),
        cell(
            "tiny",
            n_employees=7,
            gap_ci=None,
            test=None,
            p_value=None,
            q_value=None,
            classification="insufficient_data",
            tags=["watch"],
        ),
    ]


CALIBRATION = [
    Calibration(
        value="open_communication",
        n_leaders=4,
        n_employees=124,
        mean_prediction=80.0,
        actual_favorable_pct=3.225806451612903,
        error=76.7741935483871,
        suppressed=False,
    ),
    Calibration(
        value="customer_focus",
        n_leaders=4,
        n_employees=125,
        mean_prediction=47.5,
        actual_favorable_pct=71.2,
        error=-23.700000000000003,
        suppressed=False,
    ),
    calibration_without_figures("platform", 4, suppressed=True),
    Calibration(
        value="recognition",
        n_leaders=0,
        n_employees=123,
        mean_prediction=None,
        actual_favorable_pct=22.764227642276424,
        error=None,
        suppressed=False,
    ),
]

TREND = [
    {"wave": "2026-05", "value": 2.707936507936508, "n": 105},
    {"wave": "2026-06", "value": 2.7291666666666665, "n": 120},
    {"wave": "2026-07", "value": None, "n": None},
    {"wave": "2026-08", "value": 2.774242424242424, "n": 110},
    {"wave": "2026-09", "value": 2.7873831775700935, "n": 107},
    {"wave": "2026-10", "value": 2.746639784946237, "n": 124},
]


def all_charts() -> dict[str, str]:
    return {
        "gap": gap_chart(gap_entries(), NAMES),
        "calibration": calibration_chart(CALIBRATION, NAMES),
        "trend": trend_chart(TREND, y_min=1, y_max=5, label="Open communication over rounds"),
        "sdi": trend_chart(
            [
                {"wave": "2026-05", "value": 36.6, "n": None},
                {"wave": "2026-06", "value": 35.5, "n": None},
            ],
            y_min=0,
            y_max=100,
            label="Self-deception index",
            y_format="{:.0f}",
        ),
        "spark": sparkline([2.7, 2.8, None, 2.9, 3.1], y_min=1, y_max=5),
    }


# --------------------------------------------------------------------------------------------
# Helpers


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 (our own output, not untrusted input)


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def rows(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if "row" in (g.get("class") or "").split()]


def row_named(root: ET.Element, name: str) -> ET.Element:
    for g in rows(root):
        if name in texts(g):
            return g
    raise AssertionError(f"no row for {name!r}")


def tick_x(root: ET.Element, label: str) -> float:
    xs = [float(t.get("x")) for t in root.iter(f"{SVG}text") if t.text == label]
    assert len(xs) == 1, (label, xs)
    return xs[0]


def diamond_x(path: ET.Element) -> float:
    # The diamond is drawn from its top vertex: "M<cx> <cy - r>L…"
    return float(re.match(r"M([-\d.]+) ", path.get("d")).group(1))


def markers(g: ET.Element) -> list[ET.Element]:
    return [e for e in g.iter() if e.tag in (f"{SVG}circle", f"{SVG}path", f"{SVG}rect")]


def luminance(colour: str) -> float:
    h = colour.lstrip("#")
    out = []
    for i in (0, 2, 4):
        c = int(h[i : i + 2], 16) / 255
        out.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    return 0.2126 * out[0] + 0.7152 * out[1] + 0.0722 * out[2]


def wcag_contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


# --------------------------------------------------------------------------------------------
# Every chart


@pytest.mark.parametrize("kind", ["gap", "calibration", "trend", "sdi", "spark"])
def test_chart_is_standalone_accessible_svg(kind):
    svg = all_charts()[kind]
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("version") == "1.1"
    width, height = float(root.get("width")), float(root.get("height"))
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    assert width > 0
    assert height > 0
    assert root.get("font-family") == "system-ui, sans-serif"
    # aria-labelledby names the <title> and the <desc>, which are the first children.
    title, desc = root[0], root[1]
    assert title.tag == f"{SVG}title"
    assert desc.tag == f"{SVG}desc"
    assert root.get("aria-labelledby").split() == [title.get("id"), desc.get("id")]
    assert title.text.strip()
    assert desc.text.strip().endswith(".")
    # No script, no external reference, no foreign font.
    assert "<script" not in svg
    assert "href" not in svg
    assert "url(" not in svg
    assert "@import" not in svg


def test_large_charts_scale_down_on_a_phone():
    for kind in ("gap", "calibration", "trend"):
        root = parse(all_charts()[kind])
        assert root.get("style") == "max-width:100%"  # height:auto comes from the page's CSS


def _replaced_boxes(box, found):
    if type(box).__name__.endswith("ReplacedBox"):
        found.append((box.width, box.height))
    for child in getattr(box, "children", None) or []:
        _replaced_boxes(child, found)
    return found


@pytest.mark.parametrize("css", ["", "svg { max-width: 100%; height: auto; }"])
def test_weasyprint_keeps_the_proportions_in_a_narrow_column(css):
    import weasyprint

    svg = all_charts()["gap"]
    root = parse(svg)
    ratio = float(root.get("height")) / float(root.get("width"))
    html = f"<style>{css}</style><div style='width: 400px'>{svg}</div>"
    page = weasyprint.HTML(string=html).render().pages[0]
    ((width, height),) = _replaced_boxes(page._page_box, [])
    assert width == pytest.approx(400)
    assert height == pytest.approx(400 * ratio, rel=0.01)


@pytest.mark.parametrize("kind", ["gap", "calibration", "trend", "sdi"])
def test_every_text_colour_has_contrast_on_white(kind):
    root = parse(all_charts()[kind])
    fills = {t.get("fill") for t in root.iter(f"{SVG}text")}
    assert fills
    for fill in fills:
        assert wcag_contrast(fill, WHITE) >= 4.5, fill


def test_charts_are_deterministic_and_ids_differ_between_charts():
    first, second = all_charts(), all_charts()
    assert first == second
    ids = [parse(svg)[0].get("id") for svg in first.values()]
    assert len(set(ids)) == len(ids)


# --------------------------------------------------------------------------------------------
# gap_chart


def test_gap_chart_marker_positions_on_the_1_to_5_axis():
    root = parse(gap_chart(gap_entries(), NAMES))
    x1, x5 = tick_x(root, "1"), tick_x(root, "5")
    row = row_named(root, "Open communication")
    leader = row.find(f".//{SVG}path[@class='leader-mean']")
    employee = row.find(f".//{SVG}circle[@class='employee-mean']")
    assert diamond_x(leader) == pytest.approx(x5, abs=0.01)  # leader_mean 5: right end
    assert float(employee.get("cx")) == pytest.approx(x1 + (2.75 - 1) / 4 * (x5 - x1), abs=0.01)
    # The gap line joins the two markers.
    line = row.find(f".//{SVG}line[@class='gap-line']")
    assert float(line.get("x1")) == pytest.approx(float(employee.get("cx")), abs=0.01)
    assert float(line.get("x2")) == pytest.approx(x5, abs=0.01)
    # The 95% band: from employee_mean + ci[0] (4.85) to employee_mean + ci[1] (5.15, clipped).
    band = row.find(f".//{SVG}rect[@class='gap-ci']")
    left = float(band.get("x"))
    assert left == pytest.approx(x1 + (4.85 - 1) / 4 * (x5 - x1), abs=0.01)
    assert left + float(band.get("width")) == pytest.approx(x5, abs=0.01)


def test_gap_chart_band_for_a_negative_gap_sits_left_of_employees():
    root = parse(gap_chart(gap_entries(), NAMES))
    x1, x5 = tick_x(root, "1"), tick_x(root, "5")
    row = row_named(root, "Customer focus")
    band = row.find(f".//{SVG}rect[@class='gap-ci']")

    def at(score):
        return x1 + (score - 1) / 4 * (x5 - x1)

    assert float(band.get("x")) == pytest.approx(at(4.13 - 0.96), abs=0.01)
    assert float(band.get("x")) + float(band.get("width")) == pytest.approx(
        at(4.13 - 0.79), abs=0.01
    )
    leader = row.find(f".//{SVG}path[@class='leader-mean']")
    assert diamond_x(leader) == pytest.approx(at(3.25), abs=0.01)


def test_gap_chart_labels_class_severity_n_and_tags():
    root = parse(gap_chart(gap_entries(), NAMES))
    blind = row_named(root, "Open communication")
    assert "Blind spot (critical)" in texts(blind)
    assert "n = 124 · 4 leaders" in texts(blind)
    assert "gap +2.3" in texts(blind)  # 2.25 rounds half up
    assert "Hidden strength" in texts(row_named(root, "Customer focus"))
    assert "gap −0.9" in texts(row_named(root, "Customer focus"))
    assert "gap 0.0 · watch · leadership split" in texts(row_named(root, "Recognition"))
    weak = row_named(root, "Work-life balance")
    assert "Shared weakness" in texts(weak)
    assert "n = 124 · 1 leader" in texts(weak)


def test_gap_chart_colour_follows_class_but_class_is_also_written():
    root = parse(gap_chart(gap_entries(), NAMES))
    expected = {
        "Blind spot (critical)": DANGER,
        "Hidden strength": OK,
        "Shared weakness": WARN,
        "Middling": SOFT_INK,
    }
    for label, colour in expected.items():
        (text,) = [t for t in root.iter(f"{SVG}text") if t.text == label]
        assert text.get("fill") == colour
    blind = row_named(root, "Open communication")
    assert blind.find(f".//{SVG}path[@class='leader-mean']").get("fill") == DANGER
    # Shapes carry who is who: a circle for employees, a diamond (path) for leaders.
    assert blind.find(f".//{SVG}circle[@class='employee-mean']") is not None


def test_gap_chart_suppressed_and_insufficient_rows_have_no_markers():
    root = parse(gap_chart(gap_entries(), NAMES))
    hidden = row_named(root, "Platform")
    assert "fewer than k responses" in texts(hidden)
    assert markers(hidden) == []
    assert not any(t.startswith("n = ") for t in texts(hidden))
    tiny = row_named(root, "Tiny team")
    assert "not enough data" in texts(tiny)
    assert "n = 7 · 4 leaders" in texts(tiny)
    assert markers(tiny) == []
    desc = root[1].text
    assert "Platform hidden (fewer than k responses)" in desc
    assert "not enough data for Tiny team" in desc


def test_gap_chart_says_k_when_given():
    root = parse(gap_chart([dict(SUPPRESSED)], NAMES, k=5))
    assert "fewer than 5 responses" in texts(root)


def test_gap_chart_desc_summarises_the_flags():
    desc = parse(gap_chart(gap_entries(), NAMES))[1].text
    assert desc.startswith("Leaders’ and employees’ mean ratings of 6 values on a 1 to 5 scale")
    assert "1 blind spot (Open communication)" in desc
    assert "1 hidden strength (Customer focus)" in desc


def test_gap_chart_row_tooltip_rounds_means_half_up():
    root = parse(gap_chart(gap_entries(), NAMES))
    tip = row_named(root, "Open communication").find(f"{SVG}title").text
    assert tip.startswith("Open communication: employees 2.8, leaders 5.0, gap +2.3")
    assert "95% interval +2.1 to +2.4" in tip


def test_gap_chart_escapes_user_text():
    names = {"open_communication": "<script>&"}
    svg = gap_chart(
        [cell("open_communication", classification="blind_spot", severity="high")], names
    )
    assert "&lt;script&gt;&amp;" in svg
    assert "<script" not in svg
    root = parse(svg)
    assert "<script>&" in texts(root)
    assert not list(root.iter("script"))
    assert not list(root.iter(f"{SVG}script"))
    assert "<script>&" in root[1].text  # the desc, unescaped by the parser


def test_gap_chart_truncates_long_names_but_keeps_them_in_the_tooltip():
    name = "A value with a remarkably long name indeed"
    root = parse(gap_chart([cell("open_communication")], {"open_communication": name}))
    (row,) = rows(root)
    shown = texts(row)[0]
    assert shown.endswith("…")
    assert len(shown) < len(name)
    assert row.find(f"{SVG}title").text.startswith(name)


def test_gap_chart_for_a_segment_and_without_entries():
    entries = [cell("open_communication", segment="department:7")]
    assert (
        "(Department: Sales)" in parse(gap_chart(entries, NAMES, departments={7: "Sales"}))[0].text
    )
    empty = parse(gap_chart([], NAMES))
    assert rows(empty) == []


# --------------------------------------------------------------------------------------------
# trend_chart and sparkline


def test_trend_chart_none_breaks_the_line():
    root = parse(trend_chart(TREND, y_min=1, y_max=5, label="Open communication"))
    lines = [p for p in root.iter(f"{SVG}path") if p.get("class") == "trend-line"]
    assert len(lines) == 2
    assert lines[0].get("d").count("L") == 1  # 2026-05 to 2026-06
    assert lines[1].get("d").count("L") == 2  # 2026-08 to 2026-10
    points = [c for c in root.iter(f"{SVG}circle") if c.get("class") == "point"]
    assert len(points) == 5
    missing = [c for c in root.iter(f"{SVG}circle") if c.get("class") == "point-missing"]
    assert len(missing) == 1
    assert missing[0].get("fill") == WHITE  # an open marker


def test_trend_chart_names_the_missing_round_in_title_and_desc():
    root = parse(trend_chart(TREND, y_min=1, y_max=5, label="Open communication"))
    tips = [g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g")]
    assert "2026-07: fewer than k responses, no figure" in tips
    assert "2026-10: 2.7 (n = 124)" in tips
    desc = root[1].text
    assert "no figure for 2026-07 (fewer than k responses)" in desc
    assert desc.startswith("Open communication: 2.7 in 2026-10 (n = 124), from 2.7 in 2026-05")


def test_trend_chart_positions_and_last_label():
    root = parse(trend_chart(TREND, y_min=1, y_max=5, label="x"))
    y1, y5 = (float(t.get("y")) - 4 for t in root.iter(f"{SVG}text") if t.text in ("1", "5"))
    points = [c for c in root.iter(f"{SVG}circle") if c.get("class") == "point"]
    xs = [float(c.get("cx")) for c in points]
    assert xs == sorted(xs)
    last = points[-1]
    expected_y = y1 + (2.746639784946237 - 1) / 4 * (y5 - y1)
    assert float(last.get("cy")) == pytest.approx(expected_y, abs=0.01)
    labels = texts(root)
    assert "2.7" in labels
    assert "n = 124" in labels
    for wave in ("2026-05", "2026-07", "2026-10"):
        assert wave in labels


def test_trend_chart_index_format_and_ticks():
    root = parse(
        trend_chart(
            [
                {"wave": "2026-05", "value": 36.58889, "n": None},
                {"wave": "2026-06", "value": 35.5, "n": None},
            ],
            y_min=0,
            y_max=100,
            label="Self-deception index",
            y_format="{:.0f}",
        )
    )
    labels = texts(root)
    assert "36" in labels  # 35.5 rounds half up
    for tick in ("0", "25", "50", "75", "100"):
        assert tick in labels
    assert "n = " not in " ".join(labels)


def test_trend_chart_hidden_last_round_and_all_hidden():
    pts = [dict(p) for p in TREND]
    pts[-1] = {"wave": "2026-10", "value": None, "n": None}
    root = parse(trend_chart(pts, y_min=1, y_max=5, label="x", k=5))
    assert "fewer than 5" in texts(root)
    assert "2.8" in texts(root)  # the last round with a figure, 2026-09
    none = parse(
        trend_chart([{"wave": "2026-05", "value": None, "n": None}], y_min=1, y_max=5, label="x")
    )
    assert [p for p in none.iter(f"{SVG}path") if p.get("class") == "trend-line"] == []
    assert "no figure" in none[1].text


def test_trend_chart_thins_round_labels_but_keeps_the_last():
    pts = [{"wave": f"r{i:02d}", "value": 3.0, "n": 50} for i in range(24)]
    labels = texts(parse(trend_chart(pts, y_min=1, y_max=5, label="x")))
    waves = [t for t in labels if t.startswith("r")]
    assert "r23" in waves
    assert len(waves) <= 8


def test_sparkline_is_tiny_and_breaks_at_none():
    root = parse(sparkline([2.7, 2.8, None, 2.9, 3.1], y_min=1, y_max=5))
    assert (root.get("width"), root.get("height")) == ("80", "20")
    lines = [p for p in root.iter(f"{SVG}path") if p.get("class") == "trend-line"]
    assert len(lines) == 2
    dot = root.find(f"{SVG}circle")
    assert float(dot.get("cx")) > float(lines[1].get("d")[1:].split()[0])
    assert root[1].text == "From 2.7 to 3.1 over 5 rounds, 1 without a figure."
    # Higher values are drawn higher (smaller y).
    y_first = float(lines[0].get("d").split()[1].split("L")[0])
    assert float(dot.get("cy")) < y_first


def test_sparkline_edge_cases():
    assert parse(sparkline([], y_min=1, y_max=5))[1].text == "No figure in 0 rounds."
    one = parse(sparkline([None, 4.0], y_min=1, y_max=5))
    assert one.find(f"{SVG}circle") is not None
    assert parse(sparkline([3.0, 3.0], y_min=3, y_max=3)) is not None  # flat scale, no crash


# --------------------------------------------------------------------------------------------
# calibration_chart


def test_calibration_chart_dumbbell_positions_and_labels():
    root = parse(calibration_chart(CALIBRATION, NAMES))
    x0, x100 = tick_x(root, "0%"), tick_x(root, "100%")
    row = row_named(root, "Open communication")
    pred = row.find(f".//{SVG}path[@class='prediction']")
    actual = row.find(f".//{SVG}circle[@class='actual']")
    assert diamond_x(pred) == pytest.approx(x0 + 0.80 * (x100 - x0), abs=0.01)
    assert float(actual.get("cx")) == pytest.approx(
        x0 + 0.03225806451612903 * (x100 - x0), abs=0.01
    )
    labels = texts(row)
    assert "+77 pts overconfident" in labels
    assert "predicted 80% · actual 3%" in labels
    assert "n = 124 · 4 leaders" in labels
    under = texts(row_named(root, "Customer focus"))
    assert "−24 pts underconfident" in under
    assert "predicted 48% · actual 71%" in under  # 47.5 rounds half up


def test_calibration_chart_suppressed_and_missing_prediction():
    root = parse(calibration_chart(CALIBRATION, NAMES))
    hidden = row_named(root, "Platform")
    assert "fewer than k responses" in texts(hidden)
    assert markers(hidden) == []
    nopred = row_named(root, "Recognition")
    assert "no prediction" in texts(nopred)
    assert "no leader ratings" in " ".join(texts(nopred))
    assert nopred.find(f".//{SVG}path[@class='prediction']") is None
    desc = root[1].text
    assert "leaders overestimated Open communication" in desc
    assert "underestimated Customer focus" in desc
    assert "Platform hidden (fewer than k responses)" in desc


def test_calibration_chart_escapes_names():
    svg = calibration_chart(CALIBRATION[:1], {"open_communication": '<b>"R&D"</b>'})
    root = parse(svg)
    assert '<b>"R&D"</b>' in texts(root)
    assert "<b>" not in svg


# --------------------------------------------------------------------------------------------
# heat_colour


GAPS = [round(-3 + i * 0.05, 2) for i in range(121)]


def rgb(colour: str) -> tuple[int, int, int]:
    h = colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


@pytest.mark.parametrize(
    "classification",
    [
        "blind_spot",
        "hidden_strength",
        "middling",
        "aligned_strength",
        "shared_weakness",
        "insufficient_data",
        "suppressed",
    ],
)
def test_heat_colour_text_contrast(classification):
    for gap in [*GAPS, None]:
        background, text = heat_colour(gap, classification)
        assert re.fullmatch(r"#[0-9a-f]{6}", background)
        assert wcag_contrast(background, text) >= 4.5, (gap, background, text)


def test_heat_colour_direction():
    for gap in GAPS:
        r, g, b = rgb(heat_colour(gap, "middling")[0])
        if gap >= 0.25:
            assert r > g, gap  # leaders above employees: warm
        elif gap <= -0.25:
            assert g > r, gap  # leaders below: green
        else:
            assert min(r, g, b) >= 0xF0, gap  # near white


def test_heat_colour_darkens_with_the_size_of_the_gap():
    for sign in (1, -1):
        lums = [luminance(heat_colour(sign * i * 0.05, "middling")[0]) for i in range(61)]
        assert lums == sorted(lums, reverse=True)
    assert heat_colour(2.0, "blind_spot") != heat_colour(0.6, "blind_spot")


def test_heat_colour_suppressed_is_light_grey_with_ink():
    for args in ((None, "suppressed"), (1.2, "suppressed"), (None, "middling")):
        background, text = heat_colour(*args)
        r, g, b = rgb(background)
        assert text == INK
        assert max(r, g, b) - min(r, g, b) <= 12  # grey, no hue
        assert luminance(background) > 0.8


# --------------------------------------------------------------------------------------------
# The reader's language


@pytest.mark.parametrize("language", ["de", "fr", "es"])
def test_every_chart_speaks_the_readers_language(language):
    """Axis headings, legends, readings and the descriptions a screen reader reads are the
    catalogue's words; the figures stay as they are."""
    english = all_charts()
    with translation.override(language):
        translated = all_charts()
        words = {
            phrase: translation.gettext(phrase)
            for phrase in ["Value", "Reading", "Employees’ mean", "Calibration error"]
        }
    assert all(words[p] != p for p in words)  # the catalogue has them
    gap, calibration = parse(translated["gap"]), parse(translated["calibration"])
    assert {words["Value"], words["Reading"], words["Employees’ mean"]} <= set(texts(gap))
    assert {words["Value"], words["Calibration error"]} <= set(texts(calibration))
    assert "Reading" not in texts(gap)
    for kind in english:
        # Another language, the same figures: every number drawn is drawn in both.
        numbers = re.compile(r"[−+-]?\d+(?:\.\d+)?")
        assert numbers.findall(" ".join(texts(parse(english[kind])))) == numbers.findall(
            " ".join(texts(parse(translated[kind])))
        ), kind
        assert parse(english[kind]).find(f"{SVG}desc").text != parse(translated[kind]).find(
            f"{SVG}desc"
        ).text, kind
