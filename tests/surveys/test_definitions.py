import contextlib
import json
import resource
import signal
import tracemalloc

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from surveys.errors import DefinitionError
from surveys.models import CompanyValue, Department, Organization, Question
from surveys.services.definitions import (
    organization_export_definition,
    organization_load_definition,
)
from tests.conftest import ACME_FILE

pytestmark = pytest.mark.django_db


def acme_data() -> dict:
    return yaml.safe_load(ACME_FILE.read_text())


def test_it_loads_the_documented_example():
    org = organization_load_definition(content=ACME_FILE.read_bytes())

    assert (org.slug, org.name, org.min_group_size) == ("acme", "Acme", 5)
    platform = Department.objects.get(organization=org, name="Platform")
    assert platform.parent.name == "Engineering"
    value = CompanyValue.objects.get(organization=org, code="open_door")
    assert value.claim == "Anyone can raise a concern with any leader."
    od2 = Question.objects.get(organization=org, code="od2")
    assert od2.reverse is True
    assert od2.value == value
    odp = Question.objects.get(organization=org, code="odp")
    assert (odp.perspective, odp.type) == ("leader_prediction", "percent")
    odf = Question.objects.get(organization=org, code="odf")
    assert odf.pairs_with.code == "odx"
    enps = Question.objects.get(organization=org, code="enps")
    assert (enps.type, enps.value) == ("recommend", None)
    assert Question.objects.get(organization=org, code="comment").type == "text"


def test_it_accepts_json():
    org = organization_load_definition(content=json.dumps(acme_data()))
    assert org.questions.count() == 8


def test_it_updates_on_a_second_load_without_duplicating():
    organization_load_definition(content=ACME_FILE.read_bytes())
    data = acme_data()
    data["organization"]["name"] = "Acme Corporation"
    data["values"][0]["questions"][0]["text"] = "Reworded."
    data["departments"].append({"name": "Support"})

    org = organization_load_definition(data=data)

    assert org.name == "Acme Corporation"
    assert Organization.objects.filter(slug="acme").count() == 1
    assert org.questions.count() == 8
    assert org.questions.get(code="od1").text == "Reworded."
    assert org.departments.count() == 4


def test_the_exported_definition_loads_back_unchanged():
    org = organization_load_definition(content=ACME_FILE.read_bytes())
    exported = organization_export_definition(organization=org)

    organization_load_definition(data=exported)

    assert organization_export_definition(organization=org) == exported
    assert exported["values"][0]["questions"][1]["reverse"] is True


@pytest.mark.parametrize(
    ("change", "key", "problem"),
    [
        (
            lambda d: d["values"][0]["questions"][2].update(perspective="boss"),
            "values[0].questions[2].perspective",
            "valid choice",
        ),
        (
            lambda d: d["organization"].update(min_group_size=2),
            "organization.min_group_size",
            "greater than or equal to 3",
        ),
        (
            lambda d: d["departments"][1].update(parent="Nowhere"),
            "departments[1].parent",
            'unknown department "Nowhere"',
        ),
        (
            lambda d: d["values"][0]["questions"][5].update(pairs_with="od1"),
            "values[0].questions[5].pairs_with",
            "not an onboarding_expected item",
        ),
        (
            lambda d: d["questions"].append({"code": "od1", "text": "Again"}),
            "questions[2].code",
            '"od1" appears twice',
        ),
        (
            lambda d: d["values"][0]["questions"][0].update(colour="blue"),
            "values[0].questions[0].colour",
            "unknown key",
        ),
        (
            lambda d: d["organization"].update(timezone="Mars/Olympus"),
            "organization.timezone",
            "not a known time zone",
        ),
        (
            lambda d: d["values"][0]["questions"][3].update(type="likert"),
            "values[0].questions[3].type",
            "prediction item must be a percent",
        ),
        (
            lambda d: d["questions"].append({"code": "x", "type": "choice", "text": "Pick"}),
            "questions[2].choices",
            "2 or more",
        ),
        (lambda d: d.pop("organization"), "organization", "required"),
    ],
)
def test_a_bad_file_names_the_key_and_changes_nothing(change, key, problem):
    organization_load_definition(content=ACME_FILE.read_bytes())
    before = organization_export_definition(organization=Organization.objects.get(slug="acme"))
    data = acme_data()
    data["organization"]["name"] = "Renamed"  # would change, if anything were written
    change(data)

    with pytest.raises(DefinitionError) as caught:
        organization_load_definition(data=data)

    assert any(k == key and problem in p for k, p in caught.value.errors), caught.value.errors
    after = organization_export_definition(organization=Organization.objects.get(slug="acme"))
    assert after == before


def test_a_yaml_syntax_error_names_the_line():
    with pytest.raises(DefinitionError) as caught:
        organization_load_definition(content="organization: {slug: acme\nvalues: [\n")
    assert caught.value.errors[0][0].startswith("line ")
    assert not Organization.objects.exists()


def test_a_department_cycle_is_refused():
    data = acme_data()
    data["departments"] = [{"name": "A", "parent": "B"}, {"name": "B", "parent": "A"}]
    with pytest.raises(DefinitionError, match="cycle"):
        organization_load_definition(data=data)
    assert not Organization.objects.exists()


def test_a_question_sent_in_a_survey_keeps_its_meaning(open_wave):
    """From the wave that asks it, answered or not: a lock that turned on with the first
    answer would tell HR that someone answered."""
    data = acme_data()
    data["values"][0]["questions"][0]["reverse"] = True

    with pytest.raises(DefinitionError) as caught:
        organization_load_definition(data=data)

    assert caught.value.errors == [
        (
            "values[0].questions[0].reverse",
            '"od1" has gone out in a survey; its reverse cannot change (add a new question '
            "instead)",
        )
    ]
    assert Question.objects.get(code="od1").reverse is False


def test_a_question_not_yet_sent_may_change_its_meaning(acme):
    data = acme_data()
    data["values"][0]["questions"][0]["reverse"] = True

    organization_load_definition(data=data)

    assert Question.objects.get(code="od1").reverse is True


def test_an_hr_admin_upload_cannot_touch_another_organization(acme, globex):
    data = acme_data()
    data["organization"]["slug"] = "globex"
    with pytest.raises(DefinitionError, match='must be "acme"'):
        organization_load_definition(data=data, organization=acme)
    assert Organization.objects.get(slug="globex").name == "Globex"


def test_the_command_loads_a_file(capsys):
    call_command("load_org", str(ACME_FILE))
    assert "Loaded acme: 3 departments, 1 values, 8 questions." in capsys.readouterr().out
    assert Organization.objects.filter(slug="acme").exists()


def test_the_command_reports_errors_and_changes_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    data = acme_data()
    data["values"][0]["questions"][0]["type"] = "stars"
    bad.write_text(yaml.safe_dump(data))

    with pytest.raises(CommandError) as caught:
        call_command("load_org", str(bad))

    assert "values[0].questions[0].type" in str(caught.value)
    assert "nothing changed" in str(caught.value)
    assert not Organization.objects.exists()


# --- YAML bombs: anchors and aliases are refused before anything is built -------------------

ANCHORS_REFUSED = "anchors and aliases (&, *) are not supported in an organization file"


def _billion_laughs() -> bytes:
    """The classic: nine lists of nine references to the list before, 9^9 "lol"s."""
    lines = ["organization: {slug: acme, name: Acme}", "departments:"]
    lines.append('  - &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]')
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"  - &{name} [{', '.join([f'*{previous}'] * 9)}]")
    return "\n".join(lines).encode()


def _merge_key_laughs() -> bytes:
    """The same through merge keys, which PyYAML copies: 9^9 keys in a file of 500 bytes."""
    lines = ["organization: {slug: acme, name: Acme}", "departments: []"]
    lines.append("a: &a {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9}")
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} {{<<: [{', '.join([f'*{previous}'] * 9)}]}}")
    return "\n".join(lines).encode()


BOMBS = [_billion_laughs(), _merge_key_laughs()]


@contextlib.contextmanager
def bounded(*, megabytes: int = 8, seconds: int = 10):
    """Fails the test if the block allocates more than `megabytes` (traced by tracemalloc) or
    runs longer than `seconds`; the address space is capped too, so a bomb that gets through
    ends in a MemoryError instead of taking the machine."""

    def too_slow(signum, frame):
        raise TimeoutError(f"took longer than {seconds} s")

    with open("/proc/self/status") as status:
        vm = next(int(line.split()[1]) for line in status if line.startswith("VmSize:"))
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = (vm + 512 * 1024) * 1024
    previous = signal.signal(signal.SIGALRM, too_slow)
    tracemalloc.start()
    resource.setrlimit(
        resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard)
    )
    signal.alarm(seconds)
    try:
        yield
        peak = tracemalloc.get_traced_memory()[1]
        assert peak < megabytes * 2**20, f"peak {peak / 2**20:.1f} MB"
    finally:
        signal.alarm(0)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        tracemalloc.stop()
        signal.signal(signal.SIGALRM, previous)


def _everything(slug: str = "acme") -> tuple:
    org = Organization.objects.filter(slug=slug).values_list("name", "min_group_size").first()
    return (
        org,
        list(Department.objects.values_list("pk", "name", "parent_id").order_by("pk")),
        list(CompanyValue.objects.values_list("pk", "code", "name").order_by("pk")),
        list(Question.objects.values_list("pk", "code", "text").order_by("pk")),
    )


def test_the_billion_laughs_bombs_are_sizeable_small_files():
    assert all(len(bomb) < 600 for bomb in BOMBS)


@pytest.mark.parametrize("bomb", BOMBS, ids=["aliases", "merge_keys"])
def test_a_yaml_bomb_uploaded_on_the_values_page_is_refused_at_once(alice, acme, bomb):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.utils.html import escape

    client = Client()
    client.force_login(alice)
    assert client.get("/o/acme/values/").status_code == 200  # imports and caches outside the bound
    before = _everything()

    with bounded():
        response = client.post("/o/acme/values/", {"file": SimpleUploadedFile("acme.yaml", bomb)})

    assert response.status_code == 400
    body = response.content.decode()
    assert escape(ANCHORS_REFUSED) in body
    assert "line 3" in body
    assert _everything() == before


@pytest.mark.parametrize("bomb", BOMBS, ids=["aliases", "merge_keys"])
def test_a_yaml_bomb_given_to_load_org_is_refused_at_once(acme, bomb, tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_bytes(bomb)
    before = _everything()

    with bounded(), pytest.raises(CommandError) as refused:
        call_command("load_org", str(path))

    assert ANCHORS_REFUSED in str(refused.value)
    assert "line 3" in str(refused.value)
    assert _everything() == before


@pytest.mark.parametrize("bomb", BOMBS, ids=["aliases", "merge_keys"])
def test_the_organization_file_api_takes_json_only_so_a_yaml_bomb_is_refused(alice, acme, bomb):
    from tests.api.support import ACME, session

    before = _everything()

    with bounded():
        response = session(alice).generic(
            "PUT", f"{ACME}/definition/", bomb, content_type="application/yaml"
        )

    assert response.status_code == 415
    assert _everything() == before


@pytest.mark.parametrize("bomb", BOMBS, ids=["aliases", "merge_keys"])
def test_the_loader_refuses_anchors_before_building_anything(bomb):
    with bounded(), pytest.raises(DefinitionError) as refused:
        organization_load_definition(content=bomb)

    [(where, problem)] = refused.value.errors
    assert where.startswith("line 3, column ")
    assert problem == ANCHORS_REFUSED
    assert not Organization.objects.exists()


def test_a_downloaded_definition_never_holds_anchors_and_loads_back(acme):
    from surveys.services.definitions import definition_dump

    data = organization_export_definition(organization=acme)
    shared = ["a", "b"]
    data["questions"].append(
        {"code": "c1", "text": "Pick one", "type": "choice", "choices": shared}
    )
    data["questions"].append(
        {"code": "c2", "text": "Pick again", "type": "choice", "choices": shared}
    )

    dumped = definition_dump(data=data)

    assert "&" not in dumped
    assert "*id" not in dumped
    organization_load_definition(content=dumped)
    assert Question.objects.get(organization=acme, code="c2").choices == ["a", "b"]
