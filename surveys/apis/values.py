"""Values, questions, the organization file and the starter question bank.

Every write goes through the organization-file loader (`organization_load_definition`), so the
API keeps exactly the rules of an uploaded file: the formats, the pairing of onboarding items,
and that a question that has gone out in a survey cannot change its meaning. An edit exports
the organization's file, changes the one value or question asked for and loads the whole file
back; the loader is all or nothing and never deletes, so nothing else moves. Its errors name a
key in that file (`values[2].questions[1].type`), which is turned back into the request's own
field (`questions[1].type`).
"""

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.apis.base import SLUG, Conflict, created, errors
from core.apis.lists import ListApi, paginated

from ..errors import DefinitionError, ServiceError
from ..filters import QuestionFilter
from ..models import CompanyValue, Organization, Question
from ..selectors import (
    question_exists,
    question_get,
    question_homes,
    questions_list,
    value_exists,
    value_get,
    values_list,
)
from ..services import definitions
from ..services.definitions import (
    Where,
    organization_edit_definition,
    organization_export_definition,
    organization_load_definition,
)
from ..services.question_bank import bank_values, question_bank, question_bank_adopt
from .base import HR, api_access

CODE = OpenApiParameter("code", str, OpenApiParameter.PATH, description="The code (a slug).")


# --- The organization-file format --------------------------------------------------------------
# The loader's own serializers, renamed for the schema (definitions.DepartmentInput would clash
# with the roster's DepartmentInput) and reused as they are, so the API accepts exactly the file.


class FileQuestion(definitions.QuestionInput):
    """A question in the organization-file format (docs/organization-file.md)."""


class FileValue(definitions.ValueInput):
    """A value in the organization-file format, with its questions."""

    questions = FileQuestion(many=True, required=False, default=list)


class FileDepartment(definitions.DepartmentInput):
    pass


class FileOrganization(definitions.OrganizationInput):
    pass


class OrganizationFile(definitions.DefinitionInput):
    """The organization file (docs/organization-file.md) as JSON."""

    organization = FileOrganization()
    departments = FileDepartment(many=True, required=False, default=list)
    values = FileValue(many=True, required=False, default=list)
    questions = FileQuestion(many=True, required=False, default=list)


# --- Editing through the loader ----------------------------------------------------------------


def definition_rejected(exc: DefinitionError) -> serializers.ValidationError:
    found: dict[str, str] = {}
    for key, problem in exc.errors:
        found[key] = f"{found[key]} {problem}" if key in found else problem
    return serializers.ValidationError(found)


def definition_edit(
    *, organization: Organization, change: Callable[[dict[str, Any]], Where]
) -> None:
    try:
        organization_edit_definition(organization=organization, change=change)
    except DefinitionError as exc:
        raise definition_rejected(exc) from exc


def _plain(data: Any) -> Any:
    """Validated data (ordered dicts) as plain JSON-like data for the loader."""
    if isinstance(data, dict):
        return {key: _plain(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_plain(item) for item in data]
    return data


def _check_new_question_codes(
    organization: Organization, value: CompanyValue | None, questions: list[dict]
) -> None:
    """A value's questions are created or updated in place; a code used by another value's
    question (or a general one) would be ambiguous, so it is refused with a clear pointer."""
    elsewhere = question_homes(organization=organization, outside=value)
    clashes, seen = {}, set()
    for index, item in enumerate(questions):
        if item["code"] in seen:
            clashes[f"questions[{index}].code"] = f'"{item["code"]}" appears twice'
        elif item["code"] in elsewhere:
            clashes[f"questions[{index}].code"] = (
                f'"{item["code"]}" is already a question of {elsewhere[item["code"]]}; '
                f"change its value with PATCH questions/{item['code']}/"
            )
        seen.add(item["code"])
    if clashes:
        raise serializers.ValidationError(clashes)


# --- Output --------------------------------------------------------------------------------------


class QuestionOutput(serializers.ModelSerializer):
    value = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="The value it measures; null for none.",
    )
    pairs_with = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    choices = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Question
        fields = [
            "code",
            "text",
            "type",
            "perspective",
            "reverse",
            "choices",
            "pairs_with",
            "outcome",
            "value",
        ]


class ValueOutput(serializers.ModelSerializer):
    questions = QuestionOutput(many=True, read_only=True)

    class Meta:
        model = CompanyValue
        fields = ["code", "name", "claim", "description", "questions"]


# --- Values ----------------------------------------------------------------------------------


class ValuePatchInput(definitions.StrictSerializer):
    """Fields left out are left as they are. `questions` are created or updated by code (in the
    file format); questions not listed stay. A question that has gone out in a survey keeps its
    meaning (type, value, reverse, perspective): add a new question instead."""

    name = serializers.CharField(max_length=200, required=False)
    claim = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    questions = FileQuestion(many=True, required=False)


class ValueListApi(APIView):
    @extend_schema(parameters=[SLUG], responses={200: ValueOutput(many=True), **errors(401, 404)})
    def get(self, request: Request, slug: str) -> Response:
        """The organization's values, in order, each with its questions."""
        access = api_access(request, slug)
        return Response(ValueOutput(values_list(reach=access), many=True).data)

    @extend_schema(
        parameters=[SLUG],
        request=FileValue,
        responses={201: ValueOutput, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, slug: str) -> Response:
        """Add a value with its questions (organization-file format). An existing code is a 409
        (use PATCH)."""
        access = api_access(request, slug, roles=HR, write=True)
        organization = access.organization
        serializer = FileValue(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = _plain(serializer.validated_data)
        if value_exists(organization=organization, code=item["code"]):
            raise Conflict(f'A value with the code "{item["code"]}" already exists; PATCH it.')
        _check_new_question_codes(organization, None, item["questions"])

        def add(data: dict[str, Any]) -> Where:
            data["values"].append(item)
            return {f"values[{len(data['values']) - 1}]": ""}

        definition_edit(organization=organization, change=add)
        return created(ValueOutput(value_get(reach=access, code=item["code"])).data)


class ValueDetailApi(APIView):
    @extend_schema(parameters=[SLUG, CODE], responses={200: ValueOutput, **errors(401, 404)})
    def get(self, request: Request, slug: str, code: str) -> Response:
        access = api_access(request, slug)
        return Response(ValueOutput(value_get(reach=access, code=code)).data)

    @extend_schema(
        parameters=[SLUG, CODE],
        request=ValuePatchInput,
        responses={200: ValueOutput, **errors(400, 401, 403, 404)},
    )
    def patch(self, request: Request, slug: str, code: str) -> Response:
        """Change the name, claim or description, and add or change questions."""
        access = api_access(request, slug, roles=HR, write=True)
        organization = access.organization
        value = value_get(reach=access, code=code)
        serializer = ValuePatchInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = _plain(serializer.validated_data)
        given = changes.pop("questions", [])
        _check_new_question_codes(organization, value, given)

        def edit(data: dict[str, Any]) -> Where:
            index = next(i for i, v in enumerate(data["values"]) if v["code"] == value.code)
            item = data["values"][index]
            item.update(changes)
            where = {f"values[{index}]": ""}
            for request_index, question in enumerate(given):
                codes = [q["code"] for q in item["questions"]]
                if question["code"] in codes:
                    at = codes.index(question["code"])
                    item["questions"][at] = question
                else:
                    at = len(item["questions"])
                    item["questions"].append(question)
                where[f"values[{index}].questions[{at}]"] = f"questions[{request_index}]"
            return where

        definition_edit(organization=organization, change=edit)
        return Response(ValueOutput(value_get(reach=access, code=value.code)).data)


# --- Questions ---------------------------------------------------------------------------------


class QuestionCreateInput(FileQuestion):
    """A question in the file format, plus the value it measures (none: a general question such
    as eNPS or a comment, which must be an employee question)."""

    value = serializers.SlugField(
        max_length=50, required=False, allow_null=True, help_text="The code of the value."
    )


class QuestionPatchInput(QuestionCreateInput):
    """Fields left out are left as they are. Once a question has answers its type, value,
    reverse and perspective are fixed; the text can always be reworded."""

    code = None  # a question's code is its identity

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return attrs  # the merged question is checked whole by the loader


def _value_code_check(organization: Organization, code: str | None) -> None:
    if code and not value_exists(organization=organization, code=code):
        raise serializers.ValidationError({"value": f'unknown value "{code}"'})


def _place(data: dict[str, Any], question: dict[str, Any], value_code: str | None) -> str:
    """Append the question to its value (or the general questions); returns its file path."""
    if value_code:
        index = next(i for i, v in enumerate(data["values"]) if v["code"] == value_code)
        data["values"][index]["questions"].append(question)
        return f"values[{index}].questions[{len(data['values'][index]['questions']) - 1}]"
    data["questions"].append(question)
    return f"questions[{len(data['questions']) - 1}]"


class QuestionListApi(ListApi):
    filterset_class = QuestionFilter

    @extend_schema(
        parameters=[SLUG], responses={200: QuestionOutput(many=True), **errors(400, 401, 404)}
    )
    def get(self, request: Request, slug: str) -> Response:
        """The organization's questions, filterable and paginated."""
        access = api_access(request, slug)
        questions = questions_list(reach=access, filters=request.query_params)
        return paginated(request, questions, QuestionOutput)

    @extend_schema(
        parameters=[SLUG],
        request=QuestionCreateInput,
        responses={201: QuestionOutput, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, slug: str) -> Response:
        """Add a question, to a value or to none. An existing code is a 409 (use PATCH)."""
        access = api_access(request, slug, roles=HR, write=True)
        organization = access.organization
        serializer = QuestionCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = _plain(serializer.validated_data)
        value_code = item.pop("value", None)
        if question_exists(organization=organization, code=item["code"]):
            raise Conflict(f'A question with the code "{item["code"]}" already exists; PATCH it.')
        _value_code_check(organization, value_code)

        def add(data: dict[str, Any]) -> Where:
            return {_place(data, item, value_code): ""}

        definition_edit(organization=organization, change=add)
        return created(QuestionOutput(question_get(reach=access, code=item["code"])).data)


class QuestionDetailApi(APIView):
    @extend_schema(parameters=[SLUG, CODE], responses={200: QuestionOutput, **errors(401, 404)})
    def get(self, request: Request, slug: str, code: str) -> Response:
        access = api_access(request, slug)
        return Response(QuestionOutput(question_get(reach=access, code=code)).data)

    @extend_schema(
        parameters=[SLUG, CODE],
        request=QuestionPatchInput(partial=True),
        responses={200: QuestionOutput, **errors(400, 401, 403, 404)},
    )
    def patch(self, request: Request, slug: str, code: str) -> Response:
        """Reword a question, or (while it has no answers) change what it measures."""
        access = api_access(request, slug, roles=HR, write=True)
        organization = access.organization
        question = question_get(reach=access, code=code)
        serializer = QuestionPatchInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = _plain(serializer.validated_data)
        current_value = question.value.code if question.value else None
        value_code = changes.pop("value", current_value)
        _value_code_check(organization, value_code)

        def edit(data: dict[str, Any]) -> Where:
            homes = [v["questions"] for v in data["values"]] + [data["questions"]]
            for home in homes:
                for index, item in enumerate(home):
                    if item["code"] == question.code:
                        merged = item | changes
                        if value_code == current_value:
                            home[index] = merged
                            path = _locate(data, question.code)
                        else:
                            del home[index]
                            path = _place(data, merged, value_code)
                        return {path: ""}
            raise AssertionError(f"{question.code} is missing from the export")

        definition_edit(organization=organization, change=edit)
        return Response(QuestionOutput(question_get(reach=access, code=question.code)).data)


def _locate(data: dict[str, Any], code: str) -> str:
    for vi, value in enumerate(data["values"]):
        for qi, item in enumerate(value["questions"]):
            if item["code"] == code:
                return f"values[{vi}].questions[{qi}]"
    return f"questions[{[q['code'] for q in data['questions']].index(code)}]"


# --- The organization file -------------------------------------------------------------------


class DefinitionApi(APIView):
    @extend_schema(parameters=[SLUG], responses={200: OrganizationFile, **errors(401, 403, 404)})
    def get(self, request: Request, slug: str) -> Response:
        """The organization file as JSON; loading it back with PUT changes nothing."""
        access = api_access(request, slug, roles=HR)
        return Response(organization_export_definition(organization=access.organization))

    @extend_schema(
        parameters=[SLUG],
        request=OrganizationFile,
        responses={200: OrganizationFile, **errors(400, 401, 403, 404)},
    )
    def put(self, request: Request, slug: str) -> Response:
        """Load a whole organization file: departments, values and questions are created or
        updated, never deleted. It must name this organization. All or nothing: any error
        (keyed by its path in the file) leaves everything as it was."""
        access = api_access(request, slug, roles=HR, write=True)
        try:
            organization_load_definition(data=request.data, organization=access.organization)
        except DefinitionError as exc:
            raise definition_rejected(exc) from exc
        access.organization.refresh_from_db()
        return Response(organization_export_definition(organization=access.organization))


# --- The starter question bank ---------------------------------------------------------------


class QuestionBank(serializers.Serializer):
    values = FileValue(many=True, help_text="Values to adopt, each with its questions.")
    questions = FileQuestion(
        many=True, help_text="General questions (eNPS, intent to stay, exit, comment), added once."
    )


class QuestionBankAdoptInput(serializers.Serializer):
    values = serializers.ListField(
        child=serializers.SlugField(max_length=50), allow_empty=False, max_length=100
    )


class QuestionBankAdoptOutput(serializers.Serializer):
    added = serializers.IntegerField(help_text="Values added; ones already there are skipped.")


class QuestionBankApi(APIView):
    @extend_schema(parameters=[SLUG], responses={200: QuestionBank, **errors(401, 404)})
    def get(self, request: Request, slug: str) -> Response:
        """The starter question bank: common values with tested questions, ready to adopt."""
        api_access(request, slug)
        bank = {"values": bank_values(), "questions": question_bank().get("questions", [])}
        return Response(QuestionBank(bank).data)


class QuestionBankAdoptApi(APIView):
    @extend_schema(
        parameters=[SLUG],
        request=QuestionBankAdoptInput,
        responses={200: QuestionBankAdoptOutput, **errors(400, 401, 403, 404)},
    )
    def post(self, request: Request, slug: str) -> Response:
        """Add the chosen bank values with their questions, and the bank's general questions
        the organization lacks. Values it already has are left alone, so adopting twice adds
        nothing the second time."""
        access = api_access(request, slug, roles=HR, write=True)
        serializer = QuestionBankAdoptInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            added = question_bank_adopt(
                organization=access.organization, value_codes=serializer.validated_data["values"]
            )
        except ServiceError as exc:  # a DefinitionError too
            raise serializers.ValidationError({"values": exc.message}) from exc
        return Response({"added": added})
