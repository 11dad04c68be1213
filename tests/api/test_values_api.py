"""The values API: values, questions, the organization file and the question bank.

alice is an HR admin of Acme, leo a leader of Acme, charlie an HR admin of Globex. Acme's file
(docs/examples/acme.yaml) has one value, open_door (od1, od2 reversed, odl leader, odp
prediction, odx/odf onboarding pair), and two general questions, enps and comment.
"""

import copy

import pytest
from rest_framework.test import APIClient

from surveys.models import CompanyValue, Organization, Question
from surveys.services.definitions import organization_export_definition
from surveys.services.responses import response_accept
from tests.api.support import ACME, BASE, bearer, session

pytestmark = pytest.mark.django_db


def definition(slug: str = "acme") -> dict:
    """Everything the values API can change, as the organization file."""
    organization = Organization.objects.get(slug=slug)
    return organization_export_definition(organization=organization)


def question_item(code: str, **extra) -> dict:
    return {"code": code, "text": f"{code}?", **extra}


NEW_VALUE = {
    "code": "learning",
    "name": "We learn from mistakes",
    "claim": "Mistakes are how we learn.",
    "questions": [
        question_item("le1"),
        question_item("le2", reverse=True),
        question_item("lel", perspective="leader"),
    ],
}

# Every endpoint with a request that would succeed for an HR admin.
WRITES = [
    ("post", "values/", NEW_VALUE),
    ("patch", "values/open_door/", {"name": "Doors open"}),
    ("post", "questions/", question_item("stay")),
    ("patch", "questions/od1/", {"text": "Reworded?"}),
    ("put", "definition/", None),  # the exported file, renamed: filled in by the test
    ("post", "question-bank/adopt/", {"values": ["customer_focus"]}),
]
READS = ["values/", "values/open_door/", "questions/", "questions/od1/", "question-bank/"]
HR_READS = ["definition/"]


def send(client: APIClient, method: str, url: str, body) -> object:
    if body is None:  # the whole file, with a change that would show
        body = definition()
        body["organization"]["name"] = "Acme Renamed"
    return getattr(client, method)(url, body, format="json")


@pytest.fixture
def answered(open_wave, token_for):
    """od1 and od2 have answers now."""
    response_accept(token=token_for(open_wave.invitations.first()), answers={"od1": 4, "od2": 2})


# --- Access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", READS + HR_READS)
def test_it_requires_credentials_to_read(acme, path):
    response = APIClient().get(f"{ACME}/{path}")

    assert response.status_code == 401
    assert set(response.json()) == {"detail"}


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_it_requires_credentials_to_write(acme, method, path, body):
    before = definition()

    response = send(APIClient(), method, f"{ACME}/{path}", body)

    assert response.status_code == 401
    assert definition() == before


def test_it_rejects_an_unknown_token(acme):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer cs_not-a-real-token")

    assert client.get(f"{ACME}/values/").status_code == 401


@pytest.mark.parametrize("path", READS)
def test_leaders_and_read_only_tokens_can_read(acme, leo, path):
    for client in (session(leo), bearer(acme, "read")):
        response = client.get(f"{ACME}/{path}")
        assert response.status_code == 200, response.json()


def test_the_organization_file_is_for_hr_admins(acme, leo):
    assert session(leo).get(f"{ACME}/definition/").status_code == 403
    assert bearer(acme, "read").get(f"{ACME}/definition/").status_code == 200


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_leaders_cannot_write(acme, leo, method, path, body):
    before = definition()

    response = send(session(leo), method, f"{ACME}/{path}", body)

    assert response.status_code == 403
    assert definition() == before


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_read_only_token_cannot_write(acme, method, path, body):
    before = definition()

    response = send(bearer(acme, "read"), method, f"{ACME}/{path}", body)

    assert response.status_code == 403
    assert response.json() == {"detail": "This API token is read-only."}
    assert definition() == before


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_write_token_can_write(acme, method, path, body):
    before = definition()

    response = send(bearer(acme, "write"), method, f"{ACME}/{path}", body)

    created = method == "post" and path in ("values/", "questions/")
    assert response.status_code == (201 if created else 200), response.json()
    assert definition() != before


@pytest.mark.parametrize("path", READS + HR_READS)
def test_it_rejects_other_organization_reading(acme, charlie, globex, path):
    for client in (session(charlie), bearer(globex, "write")):
        assert client.get(f"{ACME}/{path}").status_code == 404


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_it_rejects_other_organization_writing(acme, charlie, globex, method, path, body):
    before = definition()

    for client in (session(charlie), bearer(globex, "write")):
        response = send(client, method, f"{ACME}/{path}", body)
        assert response.status_code == 404

    assert definition() == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "values/open_door/", None),
        ("patch", "values/open_door/", {"name": "Taken"}),
        ("get", "questions/od1/", None),
        ("patch", "questions/od1/", {"text": "Taken?"}),
    ],
)
def test_acme_codes_are_not_found_under_globex(acme, charlie, globex, method, path, body):
    response = getattr(session(charlie), method)(f"{BASE}/globex/{path}", body, format="json")

    assert response.status_code == 404
    assert CompanyValue.objects.get(organization=acme, code="open_door").name == "Open door"
    assert not Question.objects.filter(organization=globex).exists()


# --- Values -------------------------------------------------------------------------------------


def test_it_lists_the_values_with_their_questions(acme, alice):
    response = session(alice).get(f"{ACME}/values/")

    assert response.status_code == 200
    [value] = response.json()
    assert (value["code"], value["name"]) == ("open_door", "Open door")
    assert value["claim"] == "Anyone can raise a concern with any leader."
    assert [q["code"] for q in value["questions"]] == ["od1", "od2", "odl", "odp", "odx", "odf"]
    od2, odf = value["questions"][1], value["questions"][5]
    assert (od2["reverse"], od2["value"]) == (True, "open_door")
    assert (odf["perspective"], odf["pairs_with"]) == ("onboarding_found", "odx")


def test_it_shows_one_value(acme, alice):
    client = session(alice)

    assert client.get(f"{ACME}/values/open_door/").json()["name"] == "Open door"
    assert client.get(f"{ACME}/values/nope/").status_code == 404


def test_it_adds_a_value_with_its_questions(acme, alice):
    response = session(alice).post(f"{ACME}/values/", NEW_VALUE, format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["code"] == "learning"
    assert [q["code"] for q in data["questions"]] == ["le1", "le2", "lel"]
    value = CompanyValue.objects.get(organization=acme, code="learning")
    assert value.claim == "Mistakes are how we learn."
    assert Question.objects.get(code="le2").reverse is True
    assert Question.objects.get(code="lel").perspective == "leader"
    # Added after the existing value, which keeps its questions and order.
    assert list(CompanyValue.objects.filter(organization=acme).values_list("code", flat=True)) == [
        "open_door",
        "learning",
    ]
    assert list(Question.objects.filter(value__code="open_door").values_list("code", flat=True))[
        :2
    ] == ["od1", "od2"]


@pytest.mark.parametrize(
    ("change", "key", "problem"),
    [
        # Caught by the file format.
        (
            lambda v: v["questions"][0].update(perspective="boss"),
            "questions[0].perspective",
            "not a valid choice",
        ),
        (lambda v: v["questions"][1].update(colour="red"), "questions[1].colour", "unknown key"),
        (lambda v: v.pop("name"), "name", "required"),
        # Caught by the loader's rules, named by the request's own keys.
        (
            lambda v: v["questions"][0].update(type="recommend"),
            "questions[0].type",
            "must be likert",
        ),
        (
            lambda v: v["questions"].append(question_item("lef", perspective="onboarding_found")),
            "questions[3].pairs_with",
            "needs its expected twin",
        ),
        (
            lambda v: v["questions"].append(question_item("le1")),
            "questions[3].code",
            "appears twice",
        ),
        (
            lambda v: v["questions"].append(question_item("enps")),
            "questions[3].code",
            "already a question of the general questions",
        ),
    ],
)
def test_a_bad_value_gets_field_errors_and_changes_nothing(acme, alice, change, key, problem):
    before = definition()
    body = copy.deepcopy(NEW_VALUE)
    change(body)

    response = session(alice).post(f"{ACME}/values/", body, format="json")

    assert response.status_code == 400
    data = response.json()
    assert data["detail"] == "Invalid input; nothing was changed."
    assert problem in data["errors"][key], data["errors"]
    assert definition() == before


def test_adding_an_existing_value_is_a_conflict(acme, alice):
    before = definition()
    body = NEW_VALUE | {"code": "open_door", "name": "Another door"}

    response = session(alice).post(f"{ACME}/values/", body, format="json")

    assert response.status_code == 409
    assert "already exists" in response.json()["detail"]
    assert definition() == before


def test_it_changes_a_value_and_adds_or_rewords_its_questions(acme, alice):
    body = {
        "name": "Doors open",
        "description": "Really open.",
        "questions": [
            {"code": "od1", "text": "I can say what worries me."},
            question_item("od3"),
        ],
    }

    response = session(alice).patch(f"{ACME}/values/open_door/", body, format="json")

    assert response.status_code == 200, response.json()
    value = CompanyValue.objects.get(organization=acme, code="open_door")
    assert (value.name, value.description) == ("Doors open", "Really open.")
    assert value.claim == "Anyone can raise a concern with any leader."  # not given: kept
    assert Question.objects.get(code="od1").text == "I can say what worries me."
    assert Question.objects.get(code="od3").value == value
    assert [q["code"] for q in response.json()["questions"]] == [
        "od1",
        "od2",
        "odl",
        "odp",
        "odx",
        "odf",
        "od3",
    ]
    assert Question.objects.get(code="od2").reverse is True  # untouched


def test_an_answered_question_keeps_its_meaning(acme, alice, answered):
    before = definition()
    body = {"name": "Renamed", "questions": [question_item("od2", reverse=False)]}

    response = session(alice).patch(f"{ACME}/values/open_door/", body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "questions[0].reverse": (
            '"od2" has gone out in a survey; its reverse cannot change (add a new question instead)'
        )
    }
    assert definition() == before


def test_a_bad_value_change_changes_nothing(acme, alice):
    before = definition()

    response = session(alice).patch(
        f"{ACME}/values/open_door/", {"name": "", "code": "x"}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"code"}  # an unknown key is refused first
    response = session(alice).patch(f"{ACME}/values/open_door/", {"name": ""}, format="json")
    assert set(response.json()["errors"]) == {"name"}
    assert definition() == before


# --- Questions ----------------------------------------------------------------------------------


def codes(response) -> list[str]:
    return [q["code"] for q in response.json()["results"]]


def test_it_lists_questions_with_filters(acme, alice):
    client = session(alice)

    everything = client.get(f"{ACME}/questions/")
    assert everything.json()["count"] == 8
    assert codes(everything)[:2] == ["od1", "od2"]
    assert codes(client.get(f"{ACME}/questions/?value=open_door")) == [
        "od1",
        "od2",
        "odl",
        "odp",
        "odx",
        "odf",
    ]
    assert codes(client.get(f"{ACME}/questions/?perspective=leader")) == ["odl"]
    assert codes(client.get(f"{ACME}/questions/?type=percent")) == ["odp"]
    assert codes(client.get(f"{ACME}/questions/?general=true")) == ["enps", "comment"]
    page = client.get(f"{ACME}/questions/?page_size=3&page=2").json()
    assert [q["code"] for q in page["results"]] == ["odp", "odx", "odf"]
    assert page["count"] == 8
    assert page["next"].endswith("page=3&page_size=3")


def test_a_bad_question_filter_is_a_400(acme, alice):
    response = session(alice).get(f"{ACME}/questions/?perspective=boss")

    assert response.status_code == 400
    assert "perspective" in response.json()["errors"]


def test_it_shows_one_question(acme, alice):
    client = session(alice)
    data = client.get(f"{ACME}/questions/enps/").json()

    assert (data["type"], data["value"], data["perspective"]) == ("recommend", None, "employee")
    assert client.get(f"{ACME}/questions/nope/").status_code == 404


def test_it_adds_a_general_question_and_one_of_a_value(acme, alice):
    client = session(alice)

    general = client.post(f"{ACME}/questions/", question_item("stay"), format="json")
    valued = client.post(
        f"{ACME}/questions/", question_item("od9", value="open_door"), format="json"
    )

    assert (general.status_code, valued.status_code) == (201, 201)
    assert general.json()["value"] is None
    assert Question.objects.get(code="stay").value is None
    assert Question.objects.get(code="od9").value.code == "open_door"
    assert valued.json()["value"] == "open_door"


@pytest.mark.parametrize(
    ("body", "key", "problem"),
    [
        (question_item("q9", value="nope"), "value", 'unknown value "nope"'),
        (question_item("q9", perspective="leader"), "perspective", "outside a value"),
        (question_item("q9", type="choice"), "choices", "2 or more"),
        (question_item("q9", pairs_with="nope"), "pairs_with", "unknown question"),
        ({"text": "No code?"}, "code", "required"),
    ],
)
def test_a_bad_question_gets_field_errors_and_changes_nothing(acme, alice, body, key, problem):
    before = definition()

    response = session(alice).post(f"{ACME}/questions/", body, format="json")

    assert response.status_code == 400
    assert problem in response.json()["errors"][key], response.json()
    assert definition() == before


def test_adding_an_existing_question_is_a_conflict(acme, alice):
    before = definition()

    response = session(alice).post(f"{ACME}/questions/", question_item("od1"), format="json")

    assert response.status_code == 409
    assert definition() == before


def test_it_rewords_a_question_even_once_answered(acme, alice, answered):
    response = session(alice).patch(f"{ACME}/questions/od1/", {"text": "New?"}, format="json")

    assert response.status_code == 200
    assert response.json()["text"] == "New?"
    question = Question.objects.get(code="od1")
    assert (question.text, question.value.code, question.reverse) == ("New?", "open_door", False)


def test_an_unanswered_question_can_change_its_meaning(acme, alice):
    client = session(alice)

    reversed_ = client.patch(f"{ACME}/questions/od1/", {"reverse": True}, format="json")
    moved = client.patch(f"{ACME}/questions/od1/", {"value": None}, format="json")

    assert (reversed_.status_code, moved.status_code) == (200, 200)
    question = Question.objects.get(code="od1")
    assert (question.reverse, question.value) == (True, None)
    assert question.text == "I can raise a concern with my manager without worrying about it."


@pytest.mark.parametrize(
    ("body", "key", "problem"),
    [
        ({"reverse": True}, "reverse", "has gone out in a survey"),
        ({"value": None}, "value", "has gone out in a survey"),
        ({"type": "recommend"}, "type", "has gone out in a survey"),
        ({"value": "nope"}, "value", "unknown value"),
        ({"code": "od9"}, "code", "unknown key"),
    ],
)
def test_a_bad_question_change_changes_nothing(acme, alice, answered, body, key, problem):
    before = definition()

    response = session(alice).patch(f"{ACME}/questions/od1/", body, format="json")

    assert response.status_code == 400
    assert problem in response.json()["errors"][key], response.json()
    assert definition() == before


# --- The organization file ----------------------------------------------------------------------


def test_it_exports_the_organization_file(acme, alice):
    response = session(alice).get(f"{ACME}/definition/")

    assert response.status_code == 200
    assert response.json() == definition()
    assert response.json()["organization"]["slug"] == "acme"
    assert [d["name"] for d in response.json()["departments"]] == [
        "Engineering",
        "Platform",
        "Sales",
    ]


def test_it_loads_a_whole_file(acme, alice):
    body = definition()
    body["departments"].append({"name": "Support", "parent": "Sales"})
    body["values"][0]["name"] = "Doors open"
    body["questions"].append(question_item("stay"))

    response = session(alice).put(f"{ACME}/definition/", body, format="json")

    assert response.status_code == 200, response.json()
    assert response.json() == definition()
    assert acme.departments.get(name="Support").parent.name == "Sales"
    assert CompanyValue.objects.get(code="open_door").name == "Doors open"
    assert Question.objects.filter(organization=acme, code="stay").exists()


@pytest.mark.parametrize(
    ("change", "key", "problem"),
    [
        (
            lambda d: d["organization"].update(slug="globex"),
            "organization.slug",
            'must be "acme"',
        ),
        (
            lambda d: d["values"][0]["questions"][1].update(perspective="boss"),
            "values[0].questions[1].perspective",
            "not a valid choice",
        ),
        (lambda d: d.pop("organization"), "organization", "required"),
    ],
)
def test_a_bad_file_is_refused_whole(acme, globex, alice, change, key, problem):
    before = definition()
    body = definition()
    body["values"][0]["name"] = "Would change"  # a valid change, in the same file
    change(body)

    response = session(alice).put(f"{ACME}/definition/", body, format="json")

    assert response.status_code == 400
    assert problem in response.json()["errors"][key], response.json()
    assert definition() == before
    assert Organization.objects.get(slug="globex").name == "Globex"


def test_an_answered_question_keeps_its_meaning_in_a_file(acme, alice, answered):
    before = definition()
    body = definition()
    body["values"][0]["questions"][0]["reverse"] = True

    response = session(alice).put(f"{ACME}/definition/", body, format="json")

    assert response.status_code == 400
    assert "has gone out in a survey" in response.json()["errors"]["values[0].questions[0].reverse"]
    assert definition() == before


# --- The question bank --------------------------------------------------------------------------


def test_it_shows_the_question_bank(acme, alice):
    data = session(alice).get(f"{ACME}/question-bank/").json()

    values = {v["code"]: v for v in data["values"]}
    assert {"open_communication", "customer_focus"} <= set(values)
    assert values["customer_focus"]["claim"] == "Customers come first."
    assert "cf_f1" in [q["code"] for q in values["customer_focus"]["questions"]]
    assert "exit_reason" in [q["code"] for q in data["questions"]]


def test_it_adopts_bank_values_once(acme, alice):
    client = session(alice)

    first = client.post(
        f"{ACME}/question-bank/adopt/", {"values": ["customer_focus"]}, format="json"
    )
    after_first = definition()
    second = client.post(
        f"{ACME}/question-bank/adopt/", {"values": ["customer_focus"]}, format="json"
    )

    assert (first.status_code, first.json()) == (200, {"added": 1})
    assert (second.status_code, second.json()) == (200, {"added": 0})
    value = CompanyValue.objects.get(organization=acme, code="customer_focus")
    assert value.questions.filter(code="cf_e1").exists()
    assert definition() == after_first


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"values": ["nope"]}, "Not in the question bank: nope."),
        ({"values": []}, "may not be empty"),
        ({}, "required"),
    ],
)
def test_adopting_something_not_in_the_bank_changes_nothing(acme, alice, body, problem):
    before = definition()

    response = session(alice).post(f"{ACME}/question-bank/adopt/", body, format="json")

    assert response.status_code == 400
    assert problem in response.json()["errors"]["values"]
    assert definition() == before
