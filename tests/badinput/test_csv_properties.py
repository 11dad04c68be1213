"""Property tests: the two CSV importers (roster, history) never crash and never half-import.

Whatever bytes or text arrive, an import either stores exactly what the file says or raises
ImportRejected, listing row errors, with the database unchanged.
"""

import csv
import datetime as dt
import io

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from surveys.errors import ImportRejected, RowError
from surveys.models import Answer, Employee, SurveyResponse, TenureBand
from surveys.services import csvfiles
from surveys.services.csvfiles import read_csv
from surveys.services.responses import responses_import
from surveys.services.roster import ROSTER_COLUMNS, roster_import, roster_upsert
from tests.badinput.support import assert_storable, rolled_back, snapshot

pytestmark = pytest.mark.django_db

PROFILE = settings.get_profile("badinput")
FUZZ = settings(PROFILE, max_examples=40)
ROUND_TRIP = settings(PROFILE, max_examples=25)

DEPARTMENTS = ("Engineering", "Platform", "Sales")
QUESTION_COLUMNS = ("od1", "od2", "odl", "odp", "odx", "odf", "enps", "comment")
# validate_email accepts up to 320 characters; the email column holds 254.
LONG_EMAIL = "a" * 64 + "@" + ".".join(["b" * 63] * 3) + ".example"
HISTORY_FIXED = ("kind", "wave", "department", "tenure_band", "location", "level")

# Text as spreadsheets hold it, and as attackers send it: separators, quotes, line breaks,
# NUL, non-Latin scripts, emoji; but no lone surrogates (bytes never decode to them).
awkward_char = st.sampled_from(",;\t\"'\n\r \x00\ufeff\u2028é€") | st.characters(
    exclude_categories=("Cs",)
)
cell = st.text(awkward_char, max_size=12)
header_name = st.sampled_from(
    (*ROSTER_COLUMNS, *HISTORY_FIXED, *QUESTION_COLUMNS, "EMAIL", " Name ", "", "junk")
) | st.text(awkward_char, max_size=8)


def encode(text: str, encoding: str) -> bytes | str:
    """The file as a person's tool would save it."""
    if encoding == "str":
        return text
    return text.encode(encoding, errors="replace")


encodings = st.sampled_from(("utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "str"))


@st.composite
def csv_tables(draw, header=header_name) -> bytes | str:
    """A table with a random header and ragged rows, written as a CSV writer would or
    joined naively (unbalanced quotes and all)."""
    columns = draw(st.lists(header, max_size=8))
    rows = draw(st.lists(st.lists(cell, max_size=10), max_size=6))
    delimiter = draw(st.sampled_from(",;\t"))
    if draw(st.booleans()):
        buffer = io.StringIO()
        ending = draw(st.sampled_from(("\n", "\r\n", "\r")))
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator=ending)
        writer.writerows([columns, *rows])
        text = buffer.getvalue()
    else:
        text = "\n".join(delimiter.join(line) for line in [columns, *rows])
    return encode(text, draw(encodings))


def assert_rejected_cleanly(exc: ImportRejected) -> None:
    assert exc.errors, "a rejection says why"
    assert all(isinstance(error, RowError) and error.message for error in exc.errors)
    assert "nothing imported" in str(exc)


# --- Reading CSV --------------------------------------------------------------------------


@FUZZ
@given(content=st.binary(max_size=600) | csv_tables())
@example(content=b"\xff\xfeh\x00i\x00")  # UTF-16 with its BOM
@example(content=b"email\n\x81\x8d\x8f\x90\x9d@x.example\n")  # neither UTF-8 nor cp1252
@example(content="email\nana@x.example\n" + "a" * 5000 + "\x00")  # NUL past the first 4 KB
def test_reading_any_content_gives_a_table_or_a_clear_rejection(content):
    try:
        table = read_csv(content, required=("email",))
    except ImportRejected as exc:
        assert_rejected_cleanly(exc)
        return
    assert "email" in table.header
    assert table.encoding in ("utf-8", "utf-8-sig", "cp1252")
    assert table.rows
    for line, cells in table.rows:
        assert line >= 2
        assert list(cells) == table.header
        assert "\x00" not in "".join(cells.values())


@pytest.mark.parametrize(
    ("content", "encoding", "name"),
    [
        ("\ufeffemail,name\nzoe@x.example,Zoë\n".encode(), "utf-8-sig", "Zoë"),
        ("email,name\nzoe@x.example,Zoë\n".encode(), "utf-8-sig", "Zoë"),
        ("email,name\nzoe@x.example,Zoë €\n".encode("cp1252"), "cp1252", "Zoë €"),
        ("email;name\nzoe@x.example;Zoë\n".encode("latin-1"), "cp1252", "Zoë"),
    ],
)
def test_it_reads_the_encodings_spreadsheets_write(content, encoding, name):
    table = read_csv(content, required=("email",))

    assert table.encoding == encoding
    assert table.rows == [(2, {"email": "zoe@x.example", "name": name})]


@pytest.mark.parametrize(
    ("content", "cells"),
    [
        ("email,name\npat@x.example,''\n", {"email": "pat@x.example", "name": "''"}),
        (
            "email;name;level\npat@x.example;'Pat';'Senior'\n",
            {"email": "pat@x.example", "name": "'Pat'", "level": "'Senior'"},
        ),
        (
            'email,name\npat@x.example, "Doe, Pat"\n',
            {"email": "pat@x.example", "name": "Doe, Pat"},
        ),
    ],
)
def test_cells_that_look_quoted_keep_their_quotes(content, cells):
    """csv.Sniffer took the apostrophe for the quote character and dropped it (or, with a
    delimiter inside, rejected a valid file)."""
    assert read_csv(content, required=("email",)).rows == [(2, cells)]


NOT_TEXT = "this is not a CSV text file"  # UTF-16 and UTF-32 hold NUL bytes
NOT_UTF8 = "the file is neither UTF-8 nor Windows-1252 text; save it as CSV UTF-8"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("email,name\nzoe@x.example,Zoë\n".encode("utf-16"), NOT_TEXT),
        ("email,name\nzoe@x.example,Zoë\n".encode("utf-16-le"), NOT_TEXT),
        ("email,name\nzoe@x.example,Zoë\n".encode("utf-32"), NOT_TEXT),
        (b"email,name\nzoe@x.example,\x81\x9d\n", NOT_UTF8),
    ],
    ids=["utf-16", "utf-16-no-bom", "utf-32", "invalid-utf-8-and-cp1252"],
)
def test_other_encodings_get_a_clear_error(acme, content, message):
    before = snapshot()

    with pytest.raises(ImportRejected) as caught:
        roster_import(organization=acme, content=content)

    assert caught.value.errors == [RowError(0, "", message)]
    assert snapshot() == before


def test_a_file_over_the_size_limit_is_rejected_before_it_is_read(acme):
    header = b"email,name\n"
    content = header + b"someone@acme.example,Some One\n" * (csvfiles.MAX_CSV_BYTES // 30 + 1)
    assert len(content) > csvfiles.MAX_CSV_BYTES
    before = snapshot()

    with pytest.raises(ImportRejected, match="larger than 50 MB"):
        roster_import(organization=acme, content=content)
    with pytest.raises(ImportRejected, match="larger than 50 MB"):
        responses_import(organization=acme, content=content)
    assert snapshot() == before


def test_text_over_the_size_limit_is_rejected_too(acme, monkeypatch):
    monkeypatch.setattr(csvfiles, "MAX_CSV_BYTES", 1000)

    with pytest.raises(ImportRejected, match="larger than"):
        roster_import(organization=acme, content="email\n" + "a@acme.example\n" * 100)


# --- Roster import ------------------------------------------------------------------------


@FUZZ
@given(content=st.binary(max_size=400) | csv_tables())
@example(content="email,name\nana@acme.example,Ana\x00\n")
@example(content="email,name\nana@acme.example,\ud800\n")  # text a caller built badly
def test_a_roster_import_of_anything_imports_or_changes_nothing(staff, content):
    acme = staff[0].organization
    with rolled_back():
        before = snapshot()
        try:
            result = roster_import(organization=acme, content=content)
        except ImportRejected as exc:
            assert_rejected_cleanly(exc)
            assert snapshot() == before
            return
        rows = read_csv(content, required=("email",)).rows
        assert result.total == len(rows)
        for _line, cells in rows:
            employee = Employee.objects.get(organization=acme, email=cells["email"].lower())
            assert_storable(employee)
            if "name" in cells:
                assert employee.name == cells["name"]


@FUZZ
@given(
    people=st.lists(
        st.dictionaries(
            st.sampled_from((*ROSTER_COLUMNS, "EMAIL", "id", "")),
            st.none() | cell | st.integers() | st.dates().map(str) | st.emails(),
            max_size=8,
        ),
        max_size=5,
    )
)
@example(people=[{"email": "ana@acme.example", "name": "Ana\x00"}])  # PostgreSQL refuses NUL
@example(people=[{"email": "ana@acme.example", "level": "\udcff"}])
@example(people=[{"email": LONG_EMAIL}])  # valid, but longer than the column
def test_a_roster_push_of_anything_imports_or_changes_nothing(staff, people):
    acme = staff[0].organization
    with rolled_back():
        before = snapshot()
        try:
            result = roster_upsert(organization=acme, people=people)
        except ImportRejected as exc:
            assert_rejected_cleanly(exc)
            assert snapshot() == before
            return
        assert result.total == len(people)
        for employee in Employee.objects.filter(organization=acme):
            assert_storable(employee)


def test_an_email_longer_than_the_column_is_a_row_error(acme):
    before = snapshot()

    with pytest.raises(ImportRejected, match="longer than 254 characters"):
        roster_import(organization=acme, content=f"email\n{LONG_EMAIL}\n")

    assert snapshot() == before


# Valid rosters, to check that what is accepted is stored exactly, and only once.

local_part = st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,63}", fullmatch=True).filter(
    lambda s: ".." not in s and not s.endswith(".")
)
domain = st.lists(
    st.from_regex(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", fullmatch=True), min_size=1, max_size=5
).map(lambda labels: ".".join([*labels, "example"]))
email = st.builds(lambda local, host: f"{local}@{host}", local_part, domain)
text_value = st.text(
    st.characters(exclude_categories=("Cs", "Cc")) | st.sampled_from(",;\"'\t"), max_size=30
).map(str.strip)
# Cells a spreadsheet quotes, or that look quoted: 'Pat', "Pat", Doe, Pat
text_value = text_value | st.tuples(st.sampled_from("'\""), text_value).map(
    lambda pair: f"{pair[0]}{pair[1]}{pair[0]}"
)


@st.composite
def rosters(draw):
    emails = draw(st.lists(email, min_size=1, max_size=12, unique_by=str.lower))
    columns = draw(
        st.lists(
            st.sampled_from(("name", "department", "start_date", "location", "level")),
            unique=True,
        )
    )
    with_leaving = draw(st.booleans())
    people = []
    for address in emails:
        person = {"email": address}
        if "name" in columns:
            person["name"] = draw(text_value.map(lambda s: s[:200]))
        if "department" in columns:
            person["department"] = draw(st.sampled_from(("", *DEPARTMENTS, "platform", "SALES")))
        start = draw(st.none() | st.dates(dt.date(1950, 1, 1), dt.date(2030, 12, 31)))
        if "start_date" in columns:
            person["start_date"] = start.isoformat() if start else ""
        if with_leaving:
            leaving = draw(st.none() | st.dates(start or dt.date(1950, 1, 1), dt.date(2031, 1, 1)))
            person["leaving_date"] = leaving.isoformat() if leaving else ""
        for column in ("location", "level"):
            if column in columns:
                person[column] = draw(text_value.map(lambda s: s[:100].strip()))
        people.append(person)
    header = ["email", *columns, *(["leaving_date"] if with_leaving else [])]
    shown = [draw(st.sampled_from((name, name.upper(), f" {name} "))) for name in header]
    delimiter = draw(st.sampled_from(",;\t"))
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, delimiter=delimiter, lineterminator=draw(st.sampled_from(("\n", "\r\n")))
    )
    writer.writerow(shown)
    for person in people:
        row = [person.get(name, "") for name in header]
        row[0] = draw(st.sampled_from((row[0], row[0].upper())))
        writer.writerow(row)
    text = buffer.getvalue()
    encoding = draw(st.sampled_from(("utf-8", "utf-8-sig", "cp1252", "str")))
    try:
        content = encode_strict(text, encoding)
    except UnicodeEncodeError:
        content = text.encode("utf-8")
    return people, content


def encode_strict(text: str, encoding: str) -> bytes | str:
    return text if encoding == "str" else text.encode(encoding)


def assert_roster_stored(acme, people) -> None:
    for person in people:
        employee = Employee.objects.select_related("department").get(
            organization=acme, email=person["email"]
        )
        assert_storable(employee)
        if "name" in person:
            assert employee.name == person["name"]
        if "department" in person:
            stored = employee.department.name.casefold() if employee.department else ""
            assert stored == person["department"].casefold()
        for column in ("start_date", "leaving_date"):
            if column in person:
                value = getattr(employee, column)
                assert (value.isoformat() if value else "") == person[column]
        for column in ("location", "level"):
            if column in person:
                assert getattr(employee, column) == person[column]


@ROUND_TRIP
@given(roster=rosters())
def test_a_valid_roster_imports_exactly_and_reimports_with_no_change(acme, roster):
    people, content = roster
    with rolled_back():
        before = snapshot()
        preview = roster_import(organization=acme, content=content, dry_run=True)
        assert snapshot() == before
        assert (preview.created, preview.updated, preview.unchanged) == (len(people), 0, 0)

        first = roster_import(organization=acme, content=content)

        assert (first.created, first.updated, first.unchanged) == (len(people), 0, 0)
        assert_roster_stored(acme, people)
        stored = snapshot()
        again = roster_import(organization=acme, content=content)
        assert (again.created, again.updated, again.unchanged) == (0, 0, len(people))
        pushed = roster_upsert(organization=acme, people=people)
        assert (pushed.created, pushed.updated, pushed.unchanged) == (0, 0, len(people))
        assert snapshot() == stored


@ROUND_TRIP
@given(
    roster=rosters(),
    bad_row=st.integers(0, 11),
    problem=st.sampled_from(("email", "department", "start_date", "name", "duplicate")),
)
def test_one_bad_row_rejects_the_whole_file(acme, roster, bad_row, problem):
    people, _content = roster
    people = [dict(p) for p in people]
    victim = people[bad_row % len(people)]
    if problem == "email":
        victim["email"] = "not-an-email"
    elif problem == "department":
        victim["department"] = "Marketing"
    elif problem == "start_date":
        victim["start_date"] = "01/02/2024"
    elif problem == "name":
        victim["name"] = "x" * 201
    else:
        people.append(dict(people[0]))
    with rolled_back():
        before = snapshot()

        with pytest.raises(ImportRejected) as caught:
            roster_upsert(organization=acme, people=people)

        assert_rejected_cleanly(caught.value)
        assert snapshot() == before


# --- History import -----------------------------------------------------------------------

history_cell = (
    st.sampled_from(
        (
            "",
            "pulse",
            "exit",
            "leadership",
            "onboarding",
            "Pulse",
            "2026-05",
            "Engineering",
            "sales",
            "lt_6m",
            "2 to 5 years",
            "1",
            "5",
            "10",
            "100",
            "0",
            "-1",
            "3.0",
            "1_0",
            "x" * 5001,
            "９",
        )
    )
    | cell
)


@st.composite
def history_tables(draw) -> bytes | str:
    columns = draw(
        st.lists(st.sampled_from((*HISTORY_FIXED, *QUESTION_COLUMNS, "KIND", "junk")), max_size=9)
    )
    if draw(st.booleans()):
        columns = ["kind", "wave", *columns]
    rows = draw(st.lists(st.lists(history_cell, max_size=len(columns) + 1), max_size=5))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([columns, *rows])
    return encode(buffer.getvalue(), draw(encodings))


@FUZZ
@given(content=st.binary(max_size=300) | csv_tables() | history_tables())
@example(content="kind,wave,comment\npulse,2026-05,\ud800\n")
@example(content="kind,wave,comment\npulse,2026-05," + "x" * 5000 + "\x00\n")
def test_a_history_import_of_anything_imports_or_changes_nothing(acme, content):
    with rolled_back():
        before = snapshot()
        try:
            result = responses_import(organization=acme, content=content)
        except ImportRejected as exc:
            assert_rejected_cleanly(exc)
            assert snapshot() == before
            return
        rows = read_csv(content, required=("kind", "wave")).rows
        assert result.responses == len(rows)
        assert SurveyResponse.objects.count() == len(before["SurveyResponse"]) + len(rows)
        for answer in Answer.objects.all():
            assert_storable(answer)


RANGES = {"enps": (0, 10), "odp": (0, 100)}  # the rest are likert items
KIND_QUESTIONS = {
    # the questions of acme.yaml each kind of survey may ask
    "pulse": ("od1", "od2", "enps", "comment"),
    "engagement": ("od1", "od2", "enps", "comment"),
    "exit": ("od1", "od2", "enps", "comment"),
    "onboarding": ("odx", "odf", "comment"),
    "leadership": ("odl", "odp"),
}


@st.composite
def histories(draw):
    """Valid history: (rows as dicts, CSV content)."""
    labels = draw(  # a round's label is a slug: it is part of report addresses
        st.lists(
            st.from_regex(r"[A-Za-z0-9_-]{1,50}", fullmatch=True),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    rows = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(tuple(KIND_QUESTIONS)))
        row = {
            "kind": draw(st.sampled_from((kind, kind.upper()))),
            "wave": draw(st.sampled_from(labels)),
        }
        if kind != "leadership":
            row["department"] = draw(st.sampled_from(("", *DEPARTMENTS)))
            row["tenure_band"] = draw(st.sampled_from(("", *TenureBand.values)))
            row["location"] = draw(text_value.map(lambda s: s[:100].strip()))
        codes = draw(st.lists(st.sampled_from(KIND_QUESTIONS[kind]), min_size=1, unique=True))
        for code in codes:
            if code == "comment":
                row[code] = draw(text_value.filter(bool))
            else:
                low, high = RANGES.get(code, (1, 5))
                row[code] = str(draw(st.integers(low, high)))
        rows.append(row)
    header = ["kind", "wave", "department", "tenure_band", "location", *QUESTION_COLUMNS]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, header, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return rows, buffer.getvalue().encode(draw(st.sampled_from(("utf-8", "utf-8-sig"))))


@ROUND_TRIP
@given(history=histories())
def test_valid_history_imports_exactly_once(acme, history):
    rows, content = history
    with rolled_back():
        result = responses_import(organization=acme, content=content)

        assert result.responses == len(rows)
        expected = sorted(
            (row["kind"].lower(), row["wave"], code, row[code])
            for row in rows
            for code in QUESTION_COLUMNS
            if row.get(code)
        )
        stored = sorted(
            (
                a.response.wave.campaign.kind,
                a.response.wave.round.label,
                a.question.code,
                a.text or str(a.number),
            )
            for a in Answer.objects.select_related(
                "response__wave__campaign", "response__wave__round", "question"
            )
        )
        assert stored == expected
        imported = snapshot()
        with pytest.raises(ImportRejected, match="already been imported"):
            responses_import(organization=acme, content=content)
        assert snapshot() == imported
