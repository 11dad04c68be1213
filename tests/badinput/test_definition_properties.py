"""Property tests: the organization file loader.

Whatever arrives (bytes, text, YAML with odd tags, JSON, any nested structure), loading either
creates or updates the organization as the file says, or raises DefinitionError naming the
key of every problem, with the database unchanged. A valid definition survives the trip
through the database: loading it and exporting it gives the same definition back.
"""

import json

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from surveys.errors import DefinitionError
from surveys.models import CompanyValue, Department, Organization, Question
from surveys.services.definitions import (
    organization_export_definition,
    organization_load_definition,
)
from tests.badinput.support import assert_storable, rolled_back, snapshot
from tests.conftest import ACME_FILE

pytestmark = pytest.mark.django_db

PROFILE = settings.get_profile("badinput")
FUZZ = settings(PROFILE, max_examples=40)
ROUND_TRIP = settings(PROFILE, max_examples=25)

ACME = yaml.safe_load(ACME_FILE.read_text())


def assert_explained(exc: DefinitionError) -> None:
    assert exc.errors, "a rejection says why"
    for path, problem in exc.errors:
        assert isinstance(path, str)
        assert path
        assert isinstance(problem, str)
        assert problem


def load_or_reject(**kwargs) -> Organization | None:
    """Loads a definition; on a DefinitionError checks it explains itself and changed
    nothing. Returns the organization, or None when the file was rejected."""
    before = snapshot()
    try:
        organization = organization_load_definition(**kwargs)
    except DefinitionError as exc:
        assert_explained(exc)
        assert snapshot() == before
        return None
    for model in (Organization, Department, CompanyValue, Question):
        for row in model.objects.all():
            assert_storable(row)
    # What was stored can always be exported, and the export loads back as itself.
    exported = organization_export_definition(organization=organization)
    organization_load_definition(data=exported)
    assert organization_export_definition(organization=organization) == exported
    return organization


# --- Random input -------------------------------------------------------------------------

# Pieces of YAML that reach PyYAML's constructors: tags, anchors, dates, numbers.
YAML_PIECES = (
    "organization:",
    " {slug: acme, name: Acme}",
    "\n",
    "  ",
    "- ",
    ": ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "&a ",
    "*a",
    "!!timestamp ",
    "!!int ",
    "!!float ",
    "!!binary ",
    "!!set ",
    "!!omap ",
    "!!python/object:os.system ",
    "? ",
    "2001-02-30",
    "2026-13-01",
    "0x",
    "0o9",
    "1e400",
    "9" * 4400,
    ".nan",
    "~",
    "'",
    '"',
    "\\ud800",
    "\ud800",
    "\x00",
    "\t",
    "%YAML 1.1\n",
    "---\n",
    "...\n",
)
yaml_text = st.lists(st.sampled_from(YAML_PIECES) | st.text(max_size=4), max_size=25).map("".join)

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**63)
    | st.floats()
    | st.text(max_size=10)
    | st.dates()
)
nested = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(("organization", "departments", "values", "questions", "slug", "name"))
            | st.text(max_size=5)
            | st.integers()
            | st.booleans()
            | st.none(),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@FUZZ
@given(content=st.binary(max_size=300) | st.text(max_size=300) | yaml_text)
@example(content="2001-02-30")  # PyYAML raises ValueError, not YAMLError, for this date
@example(content="a: !!timestamp 2026-13-01")
@example(content="a: !!int 0xZZ")
@example(content="x: " + "1" * 5000)  # over Python's limit for int() of a string
@example(content="[" * 5000 + "]" * 5000)  # deeper than the recursion limit
@example(content="{1: a, b: c}")  # keys that cannot be sorted together
@example(content="organization: {slug: acme, name: A, min_group_size: 100000000000000000000}")
@example(content="organization: {slug: acme, name: A, min_group_size: 70000}")  # > smallint
@example(content="organization: {slug: acme, name: A}\n!!python/object:os.system : x")
def test_loading_any_text_or_bytes_loads_or_changes_nothing(db, content):
    with rolled_back():
        load_or_reject(content=content)


@FUZZ
@given(data=nested, as_text=st.sampled_from((None, "yaml", "json")))
@example(data={"organization": {"slug": "a", "name": "A"}, 1: "x", "b": "y"}, as_text=None)
@example(data={"organization": {"slug": "a", "name": "A", "min_group_size": 2**70}}, as_text=None)
def test_loading_any_structure_loads_or_changes_nothing(db, data, as_text):
    with rolled_back():
        if as_text == "yaml":
            load_or_reject(content=yaml.safe_dump(data, sort_keys=False))
        elif as_text == "json":
            load_or_reject(content=json.dumps(data, default=str).encode())
        else:
            load_or_reject(data=data)


def paths(data, prefix=()):
    """Every key path in a nested structure, the root included."""
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from paths(value, (*prefix, index))


ACME_PATHS = list(paths(ACME))


def mutated(data, path, action, junk):
    """A deep copy of data with one change at path."""
    data = json.loads(json.dumps(data))
    if not path:
        return junk
    *parents, last = path
    holder = data
    for key in parents:
        holder = holder[key]
    if action == "replace":
        holder[last] = junk
    elif action == "delete":
        del holder[last]
    elif isinstance(holder[last], dict):
        holder[last]["surplus"] = junk
    elif isinstance(holder[last], list):
        holder[last].append(junk)
    else:
        holder[last] = [holder[last], junk]
    return data


@FUZZ
@given(
    path=st.sampled_from(ACME_PATHS),
    action=st.sampled_from(("replace", "delete", "add")),
    junk=nested
    | st.sampled_from(
        (
            "",
            " ",
            "x" * 201,
            "Engineering",
            "od1",
            "odx",
            "boss",
            "choice",
            "percent",
            "leader_prediction",
            "onboarding_found",
            "Mars/Olympus",
            "Europe/Berlin",
            "yes",
            2,
            32768,
            -1,
            "a\x00b",
        )
    ),
    into_acme=st.booleans(),
)
@example(
    path=("departments", 0),
    action="replace",
    junk={"name": "Engineering", "parent": "Platform"},
    into_acme=True,
)  # Platform already sits under Engineering: a cycle through the stored tree
@example(path=("values", 0, "questions", 1, "reverse"), action="replace", junk=[1], into_acme=False)
def test_loading_a_damaged_definition_loads_or_changes_nothing(acme, path, action, junk, into_acme):
    data = mutated(ACME, path, action, junk)
    with rolled_back():
        if not into_acme and isinstance(data, dict) and isinstance(data.get("organization"), dict):
            data["organization"]["slug"] = "fresh"
        load_or_reject(data=data, organization=acme if into_acme else None)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("organization: {slug: zoe, name: Zoë}".encode("utf-16"), "is not UTF-8 text"),
        ("organization: {slug: zoe, name: Zoë}".encode("latin-1"), "is not UTF-8 text"),
        (b"organization: {slug: zoe, name: \xff}", "is not UTF-8 text"),
        (b"organization: {slug: zoe, name: \x00}", "not valid YAML or JSON"),
        (b"", "must be a mapping"),
    ],
)
def test_wrong_encodings_get_a_clear_error(db, content, problem):
    before = snapshot()

    with pytest.raises(DefinitionError, match=problem):
        organization_load_definition(content=content)

    assert snapshot() == before


def test_json_with_escaped_emoji_loads(db):
    """json.dumps writes an emoji as a surrogate pair of escapes, which PyYAML read as two
    lone surrogates: every such file was rejected."""
    content = json.dumps({"organization": {"slug": "rocket", "name": "Acme 🚀"}})

    organization = organization_load_definition(content=content.encode())

    assert "\\ud83d" in content
    assert organization.name == "Acme 🚀"


def test_a_byte_order_mark_is_fine(db):
    organization = organization_load_definition(
        content="\ufefforganization: {slug: zoe, name: Zoë}".encode()
    )

    assert organization.name == "Zoë"


# --- Valid definitions round-trip ---------------------------------------------------------

code = st.from_regex(r"[a-z0-9_-]{1,50}", fullmatch=True)
# DRF trims surrounding whitespace and refuses NUL and lone surrogates; so must the file.
words = (
    st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=40)
    .map(str.strip)
    .filter(bool)
)


@st.composite
def questions(draw, codes: set[str], *, in_value: bool):
    """Questions with codes not in codes (which it extends)."""
    found = []
    for _ in range(draw(st.integers(0, 4))):
        question_code = draw(code.filter(lambda c: c not in codes))
        codes.add(question_code)
        question = {"code": question_code, "text": draw(words)}
        if in_value:
            perspective = draw(
                st.sampled_from(
                    ("employee", "leader", "leader_prediction", "onboarding_expected", None)
                )
            )
            if perspective == "leader_prediction":
                question["type"] = "percent"
            elif perspective == "onboarding_expected":
                question["type"] = draw(st.sampled_from(("likert", "recommend", "percent")))
            if perspective:
                question["perspective"] = perspective
        else:
            kind = draw(st.sampled_from(("likert", "recommend", "percent", "text", "choice")))
            if kind != "likert" or draw(st.booleans()):
                question["type"] = kind
            if kind == "choice":
                question["choices"] = draw(
                    st.lists(words.map(lambda s: s[:200]), min_size=2, max_size=4)
                )
            if draw(st.booleans()):
                question["outcome"] = "intent_to_stay"
        if question.get("type", "likert") == "likert" and draw(st.booleans()):
            question["reverse"] = True
        found.append(question)
        if question.get("perspective") == "onboarding_expected" and draw(st.booleans()):
            twin = draw(code.filter(lambda c: c not in codes))
            codes.add(twin)
            found.append(
                {
                    "code": twin,
                    "text": draw(words),
                    "perspective": "onboarding_found",
                    "pairs_with": question_code,
                }
            )
    return found


@st.composite
def definitions(draw):
    departments = []
    for name in draw(st.lists(words.map(lambda s: s[:200].strip()), max_size=6, unique=True)):
        department = {"name": name}
        if departments and draw(st.booleans()):
            department["parent"] = draw(st.sampled_from(departments))["name"]
        departments.append(department)
    codes: set[str] = set()
    values = []
    for value_code in draw(st.lists(code, max_size=4, unique=True)):
        value = {"code": value_code, "name": draw(words.map(lambda s: s[:200].strip()))}
        for key in ("claim", "description"):
            if draw(st.booleans()):
                value[key] = draw(words)
        value["questions"] = draw(questions(codes, in_value=True))
        values.append(value)
    return {
        "organization": {
            "slug": draw(st.from_regex(r"[a-z0-9-]{1,50}", fullmatch=True)),
            "name": draw(words.map(lambda s: s[:200].strip())),
            "min_group_size": draw(st.integers(3, 32767)),
            "timezone": draw(st.sampled_from(("UTC", "Europe/Berlin", "America/Sao_Paulo"))),
            "language": draw(st.sampled_from(("en", "de", "fr", "es"))),
        },
        "departments": departments,
        "values": values,
        "questions": draw(questions(codes, in_value=False)),
    }


def normalized(definition):
    """The definition with every default spelled out and departments as a mapping."""
    defaults = {
        "type": "likert",
        "perspective": "employee",
        "reverse": False,
        "choices": [],
        "outcome": "",
    }

    def question(q):
        return {**defaults, "pairs_with": None, **q}

    return {
        "organization": definition["organization"],
        "departments": {d["name"]: d.get("parent") for d in definition["departments"]},
        "values": [
            {
                "claim": "",
                "description": "",
                **v,
                "questions": [question(q) for q in v["questions"]],
            }
            for v in definition["values"]
        ],
        "questions": [question(q) for q in definition["questions"]],
    }


@ROUND_TRIP
@given(definition=definitions(), fmt=st.sampled_from(("data", "yaml", "json")))
def test_a_valid_definition_loads_and_exports_unchanged(db, definition, fmt):
    with rolled_back():
        if fmt == "yaml":
            organization = load_or_reject(content=yaml.safe_dump(definition, allow_unicode=True))
        elif fmt == "json":
            organization = load_or_reject(content=json.dumps(definition).encode())
        else:
            organization = load_or_reject(data=definition)

        assert organization is not None
        exported = organization_export_definition(organization=organization)
        assert normalized(exported) == normalized(definition)


@ROUND_TRIP
@given(
    departments=st.lists(
        st.fixed_dictionaries(
            {"name": st.sampled_from(("Engineering", "Platform", "Sales", "Ops", "HR"))},
            optional={"parent": st.sampled_from(("Engineering", "Platform", "Sales", "Ops"))},
        ),
        max_size=4,
    )
)
def test_reorganizing_departments_never_makes_a_cycle(acme, departments):
    """Engineering > Platform is stored; a later file may move departments around."""
    definition = {"organization": {"slug": "acme", "name": "Acme"}, "departments": departments}
    with rolled_back():
        if load_or_reject(data=definition, organization=acme) is None:
            return
        parents = dict(Department.objects.filter(organization=acme).values_list("pk", "parent"))
        for start in parents:
            seen, node = set(), start
            while node is not None:
                assert node not in seen, "the department tree has a cycle"
                seen.add(node)
                node = parents[node]


def test_it_reports_a_cycle_through_a_stored_department(acme):
    before = snapshot()

    with pytest.raises(DefinitionError, match="makes a cycle"):
        organization_load_definition(
            data={
                "organization": {"slug": "acme", "name": "Acme"},
                "departments": [{"name": "Engineering", "parent": "Platform"}],
            }
        )

    assert snapshot() == before
