"""Reports name departments by id: renaming a department after its report is published changes
neither the stored figures nor who sees which cells, on the page, in the exports or through the
API. Snapshots stored before (departments named in their segments) read as they did.

petra is a leader scoped to Engineering (and Platform below it), sam a leader scoped to Sales.
The nastiest rename gives Sales the name Platform had: a report scoped by names would then show
Platform's figures to sam.
"""

import csv
import io
import json

import pytest
from django.core.cache import cache
from django.test import Client

from analytics.models import ReportSnapshot
from analytics.report.check import problems
from analytics.selectors import report_data
from analytics.services import snapshot_compute
from surveys.models import Department, Role, Round
from surveys.services.responses import responses_import
from tests.analytics.test_engine import employees_answers, history
from tests.api.support import ACME, BASE, session
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sam(acme):
    user = UserFactory(username="sam")
    sales = acme.departments.get(name="Sales")
    MembershipFactory(user=user, organization=acme, role=Role.LEADER, department=sales)
    return user


@pytest.fixture
def snapshot(acme) -> ReportSnapshot:
    responses_import(organization=acme, content=history(employees_answers()))
    return snapshot_compute(organization=acme, round_=Round.objects.get(label="2026-09"))[0]


def reading(user) -> dict:
    """What a reader gets of the round's report: the API's cells, the page and the CSV."""
    report = session(user).get(f"{ACME}/reports/2026-09/").json()
    client = Client()
    client.force_login(user)
    page = client.get("/o/acme/report/2026-09/").content.decode()
    exported = client.get("/o/acme/report/2026-09/export.csv").content.decode("utf-8-sig")
    return {
        "cells": report["stated_vs_lived"] + report["leavers_vs_stayers"],
        "departments": report["departments"],
        "page": page[page.index('<section id="overview"') : page.index('<section id="actions"')],
        "csv": [r for r in csv.DictReader(io.StringIO(exported)) if r["view"] != "report"],
    }


def rename(hr, old: str, new: str) -> None:
    department = Department.objects.get(organization__slug="acme", name=old)
    response = session(hr).patch(
        f"{BASE}/acme/departments/{department.pk}/", {"name": new}, format="json"
    )
    assert response.status_code == 200, response.content


def segments(cells: list[dict]) -> set[str]:
    return {c["segment"] for c in cells}


def ids(*names: str) -> set[str]:
    found = Department.objects.filter(organization__slug="acme", name__in=names)
    return {f"department:{pk}" for pk in found.values_list("pk", flat=True)}


def test_a_rename_after_publication_changes_no_readers_cells(alice, petra, sam, snapshot):
    # given the published report as each scoped leader reads it
    before = {user: reading(user) for user in (petra, sam)}
    stored = json.dumps(ReportSnapshot.objects.get().data)
    assert segments(before[petra]["cells"]) == {"all"} | ids("Engineering", "Platform")
    assert segments(before[sam]["cells"]) == {"all"} | ids("Sales")

    # when HR renames Platform, then gives Sales the name Platform had
    rename(alice, "Platform", "Infrastructure")
    rename(alice, "Sales", "Platform")

    # then the stored report is unchanged, and each leader sees exactly the same cells,
    # page and export as before (the report names departments as it was computed)
    assert json.dumps(ReportSnapshot.objects.get().data) == stored
    for user in (petra, sam):
        assert reading(user) == before[user]


def legacy(snapshot: ReportSnapshot) -> None:
    """Store the snapshot as reports were stored before segments were keyed by department id:
    departments named in segments and cells, none of the keys added since."""
    data = json.loads(json.dumps(snapshot.data))
    names = {f"department:{d['id']}": f"department:{d['name']}" for d in data.pop("departments")}
    del data["withheld_for_differencing"], data["exit_pool"]
    for entry in data["stated_vs_lived"] + data["leavers_vs_stayers"]:
        entry["segment"] = names.get(entry["segment"], entry["segment"])
        entry.pop("period", None), entry.pop("stayer_waves", None)
    cells = snapshot.cells
    for cell in cells:
        prefix, _, segment = cell["key"].rpartition("/")
        cell["key"] = f"{prefix}/{names.get(segment, segment)}"
    ReportSnapshot.objects.filter(pk=snapshot.pk).update(data=data, cells=cells)
    cache.clear()


def test_a_snapshot_stored_before_ids_reads_as_it_did(alice, leo, petra, sam, snapshot):
    # given what each reader sees of a report keyed by id
    readers = (leo, petra, sam)
    keyed = {user: reading(user) for user in readers}

    # when the same report is one stored before segments were keyed by id
    legacy(snapshot)

    # then it reads as a report of today's schema, and every reader gets the same cells, page
    # and export
    assert problems(report_data(snapshot=ReportSnapshot.objects.get())) == []
    for user in readers:
        assert reading(user) == keyed[user]

    # and after a rename, every cell with figures stays with its department; a withheld one
    # (no figure, and no stored cell saying what it stood for) is found by its name today
    rename(alice, "Platform", "Infrastructure")
    rename(alice, "Sales", "Platform")
    cache.clear()
    for user in readers:
        shown = [c for c in reading(user)["cells"] if c.get("n_employees") is not None]
        assert shown == [c for c in keyed[user]["cells"] if c.get("n_employees") is not None]
    assert "department:Platform" not in segments(reading(sam)["cells"])
    assert "department:Platform" not in segments(reading(petra)["cells"])
