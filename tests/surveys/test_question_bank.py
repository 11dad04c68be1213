import pytest

from surveys.errors import ServiceError
from surveys.models import CompanyValue, Question
from surveys.services.definitions import definition_validate
from surveys.services.question_bank import question_bank, question_bank_adopt
from tests.factories import QuestionFactory

COMMON = {
    "open_communication",
    "customer_focus",
    "learning_from_mistakes",
    "recognition",
    "empowerment",
    "work_life_balance",
    "integrity",
}


@pytest.mark.django_db
def test_the_bank_is_a_valid_definition_with_every_kind_of_item():
    bank = question_bank()
    definition_validate(data={"organization": {"slug": "bank", "name": "Bank"}, **bank})

    assert {v["code"] for v in bank["values"]} >= COMMON
    for value in bank["values"]:
        perspectives = [q.get("perspective", "employee") for q in value["questions"]]
        assert perspectives.count("employee") >= 3, value["code"]
        assert any(q.get("reverse") for q in value["questions"]), value["code"]
        for wanted in ("leader", "leader_prediction", "onboarding_expected", "onboarding_found"):
            assert wanted in perspectives, (value["code"], wanted)
    general = {q["code"]: q for q in bank["questions"]}
    assert general["enps"]["type"] == "recommend"
    assert any(q.get("outcome") == "intent_to_stay" for q in general.values())
    assert any(code.startswith("exit_") for code in general)


@pytest.mark.django_db
def test_adopting_adds_the_values_and_general_questions_once(acme):
    added = question_bank_adopt(organization=acme, value_codes=["integrity"])
    again = question_bank_adopt(organization=acme, value_codes=["integrity"])

    assert (added, again) == (1, 0)
    integrity = CompanyValue.objects.get(organization=acme, code="integrity")
    assert integrity.questions.filter(perspective="leader").count() == 1
    found = integrity.questions.get(perspective="onboarding_found")
    assert found.pairs_with.perspective == "onboarding_expected"
    assert Question.objects.filter(organization=acme, code="enps").count() == 1
    assert Question.objects.filter(organization=acme, outcome="intent_to_stay").exists()


@pytest.mark.django_db
def test_unknown_values_and_code_clashes_are_refused(acme):
    with pytest.raises(ServiceError, match="Not in the question bank"):
        question_bank_adopt(organization=acme, value_codes=["synergy"])
    code = question_bank()["values"][0]["questions"][0]["code"]
    QuestionFactory(organization=acme, code=code)
    with pytest.raises(ServiceError, match=code):
        question_bank_adopt(organization=acme, value_codes=[question_bank()["values"][0]["code"]])
    assert CompanyValue.objects.filter(organization=acme).count() == 1
