import json

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
from surveys.services.responses import response_accept
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


def test_an_answered_question_keeps_its_meaning(open_wave, token_for):
    invitation = open_wave.invitations.first()
    response_accept(token=token_for(invitation), answers={"od1": 4})
    data = acme_data()
    data["values"][0]["questions"][0]["reverse"] = True

    with pytest.raises(DefinitionError) as caught:
        organization_load_definition(data=data)

    assert caught.value.errors == [
        (
            "values[0].questions[0].reverse",
            '"od1" already has answers; its reverse cannot change (add a new question instead)',
        )
    ]
    assert Question.objects.get(code="od1").reverse is False


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
