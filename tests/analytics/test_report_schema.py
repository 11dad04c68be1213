"""The report is a typed contract (analytics/report/schema.py): real reports follow it key by
key (analytics/report/check.py), and docs/report-schema.md documents exactly its fields, with
their types."""

import re
import typing
from pathlib import Path

import pytest
from django.core.management import call_command

from analytics.report import schema
from analytics.report.check import describe, fields, is_record, problems
from analytics.report.schema import Report
from analytics.selectors import department_scope, report_scope
from analytics.services import AnalysisRefused, NothingToReport, snapshot_compute
from surveys.models import Membership, Organization, Round
from surveys.services.responses import responses_import
from tests.analytics.test_engine import employees_answers, history

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PAGE = ROOT / "docs" / "report-schema.md"


def publish_every_round(org: Organization) -> list[dict]:
    """Each round's report, published in order as the analysis jobs would."""
    reports = []
    for round_ in Round.objects.filter(organization=org).order_by("sequence"):
        try:
            reports.append(snapshot_compute(organization=org, round_=round_)[0].data)
        except (NothingToReport, AnalysisRefused):  # no answers, or a wave still open
            continue
    return reports


@pytest.mark.django_db
def test_every_report_of_the_demo_follows_the_schema_exactly():
    # given the demo organization: six months of every survey, leavers, new hires, comments
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    org = Organization.objects.get(slug="northwind")

    # when each of its rounds is reported, and read by a leader scoped to a department
    reports = publish_every_round(org)
    scoped = Membership.objects.filter(organization=org, department__isnull=False).first()
    scope = department_scope(reach=scoped)

    # then every report holds every key of the schema, typed as declared, and nothing else
    assert len(reports) == 6
    for data in reports:
        assert problems(data) == [], data["wave"]
        assert problems(report_scope(data=data, scope=scope)) == [], data["wave"]
    latest = reports[-1]
    # ...and the latest shows every kind of entry with its figures.
    assert latest["exit_pool"] is not None
    assert any(not e["suppressed"] for e in latest["leavers_vs_stayers"])
    assert any(e["n"] is not None for e in latest["promised_vs_found"])
    assert any(e["tau"] is not None and e["change"] for e in latest["trends"])
    assert latest["comments"]["items"]
    assert latest["priorities"]
    assert {d["id"] for d in latest["departments"]} == {
        int(e["segment"].split(":")[1])
        for e in latest["stated_vs_lived"]
        if e["segment"].startswith("department:")
    }


@pytest.mark.django_db
def test_a_small_report_with_withheld_cells_follows_the_schema_exactly(acme):
    responses_import(organization=acme, content=history(employees_answers()))

    (data,) = publish_every_round(acme)

    assert any(e["classification"] == "suppressed" for e in data["stated_vs_lived"])
    assert problems(data) == []


def test_problems_names_what_is_missing_extra_or_of_another_type():
    cell = schema.suppressed_cell("open_door", "all")
    assert problems(cell, schema.GapCell) == []
    del cell["tags"]
    cell["extra"] = 1
    cell["n_employees"] = "12"
    cell["gap_ci"] = [1.0]
    found = problems(cell, schema.GapCell)
    assert "no 'tags'" in " ".join(found)
    assert "'extra' is not in the schema" in " ".join(found)
    assert any("n_employees" in p for p in found)
    assert any("gap_ci" in p and "pair" in p for p in found)


# --- docs/report-schema.md ----------------------------------------------------------------------


def documented() -> dict[str, dict[str, str]]:
    """Per section (### heading, or "top-level keys"), the fields its tables document, with
    their type as written."""
    sections: dict[str, dict[str, str]] = {}
    current = None
    columns: list[str] = []
    for line in SCHEMA_PAGE.read_text().splitlines():
        if line.startswith("## 3."):
            current = "top-level keys"
        elif line.startswith("### "):
            current = line[4:].strip()
        elif line.startswith("## "):
            current = None
        if not line.startswith("|") or current is None:
            columns = [] if not line.startswith("|") else columns
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if not columns:
            columns = cells
            continue
        if len(columns) > 1 and columns[1] == "type" and cells[0].startswith("`"):
            sections.setdefault(current, {})[cells[0].strip("`")] = cells[1]
    return sections


def declared(kind, prefix: str = "") -> dict[str, str]:
    """A part's fields, nested parts by path (`trend[].wave`, `change.from`), with their types
    as the page writes them."""
    found = {}
    for name, hint in fields(kind).items():
        found[prefix + name] = describe(hint)
        inner = _record_of(hint)
        if inner is not None:
            many = typing.get_origin(_without_none(hint)) is list
            found |= declared(inner, f"{prefix}{name}{'[].' if many else '.'}")
    return found


def _without_none(hint):
    options = [o for o in typing.get_args(hint) if o is not type(None)]
    return options[0] if typing.get_origin(hint) in (typing.Union, type(int | None)) else hint


def _record_of(hint):
    hint = _without_none(hint)
    if typing.get_origin(hint) is list:
        hint = typing.get_args(hint)[0]
    return hint if is_record(hint) else None


def test_the_schema_page_documents_every_field_with_its_type_and_no_other():
    pages = documented()
    top = fields(Report)

    # The top-level table names every key of a report, typed as declared.
    assert pages["top-level keys"] == {key: describe(hint) for key, hint in top.items()}
    # Each key's section documents its part: every field and no other.
    problems_found = []
    for section, rows in pages.items():
        if section == "top-level keys":
            continue
        keys = [k.strip(" `") for k in section.split(",")]
        if all(k in top for k in keys) and not any(_record_of(top[k]) for k in keys):
            expected = {k: describe(top[k]) for k in rows}  # plain top-level keys
            missing = [k for k in rows if k not in top]
        else:
            (key,) = keys
            expected = declared(_record_of(top[key]))
            missing = sorted(set(expected) - set(rows))
        extra = sorted(set(rows) - set(expected))
        wrong = {
            k: (rows[k], expected[k]) for k in rows if k in expected and rows[k] != expected[k]
        }
        if missing or extra or wrong:
            problems_found.append((section, missing, extra, wrong))
    assert problems_found == []
    # Every part that is an object has its own section.
    sections = {k.strip(" `") for s in pages for k in s.split(",")}
    parts = {key for key, hint in top.items() if _record_of(hint)}
    assert parts <= sections, parts - sections


def test_the_page_parser_finds_the_tables():
    pages = documented()
    assert pages["stated_vs_lived"]["gap_ci"] == "array [low, high] or null"
    assert pages["self_deception_index"]["trend[].wave"] == "string"
    assert re.fullmatch(r"\w+", next(iter(pages["enps"])))
