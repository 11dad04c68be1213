"""The organization definition file: departments, values and questions as YAML or JSON.

`organization_load_definition` creates or updates; it never deletes (roster entries and past
answers point at departments and questions). The whole file is checked before anything is
written, and every problem is reported with the key it concerns, e.g.
`values[0].questions[2].perspective: "boss" is not a valid choice.`
The format is documented in docs/organization-file.md.
"""

import json
import zoneinfo
from collections.abc import Callable
from typing import Any

import yaml
from django.db import transaction
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..errors import DefinitionError
from ..models import (
    MIN_GROUP_SIZE_FLOOR,
    CompanyValue,
    Department,
    Organization,
    Outcome,
    Perspective,
    Question,
    QuestionType,
)
from ..selectors import questions_asked
from ..translations import language_codes, translations_of, translations_set

# A question's meaning may not change once it has gone out in a survey.
# A question measuring no value: an employee item (eNPS, a comment), or one about leaving itself.
GENERAL_PERSPECTIVES = (Perspective.EMPLOYEE, Perspective.EXIT)
FROZEN_WHEN_ASKED = ("type", "value", "reverse", "perspective")


class StrictSerializer(serializers.Serializer):
    """Rejects keys the format does not know, so a typo is an error and not silently ignored."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields), key=str)  # YAML keys may be numbers
            if unknown:
                raise serializers.ValidationError(
                    {key: [f"unknown key (known: {', '.join(self.fields)})"] for key in unknown}
                )
        return super().to_internal_value(data)


class Translated(serializers.Field):
    """A text HR writes that people read: a plain value (in the organization's default
    language), or a mapping of language code to value, e.g. `{en: "...", de: "..."}`."""

    def __init__(self, child: serializers.Field, **kwargs: Any) -> None:
        self.child = child
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            return self.child.run_validation(data)
        if not data:
            raise serializers.ValidationError("give the text, or at least one language's text")
        out: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for code, value in data.items():
            if code not in language_codes():
                errors[str(code)] = [
                    f'"{code}" is not a language of the product ({", ".join(language_codes())})'
                ]
                continue
            if value in ("", None, []):
                # No text in that language (yet): a reader of it sees the default language's.
                out[code] = [] if isinstance(self.child, serializers.ListField) else ""
                continue
            try:
                out[code] = self.child.run_validation(value)
            except serializers.ValidationError as exc:
                errors[str(code)] = exc.detail
        if errors:
            raise serializers.ValidationError(errors)
        return out

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string"},
            {"type": "object", "additionalProperties": {"type": "string"}},
        ],
        "description": "A text, or {language: text} (en, de, fr, es).",
    }
)
class TranslatedText(Translated):
    def __init__(self, **kwargs: Any) -> None:
        child_options = {k: kwargs.pop(k) for k in ("max_length", "allow_blank") if k in kwargs}
        super().__init__(serializers.CharField(**child_options), **kwargs)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        ],
        "description": "The choices, or {language: choices} (en, de, fr, es).",
    }
)
class TranslatedChoices(Translated):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            serializers.ListField(child=serializers.CharField(max_length=200)), **kwargs
        )


def default_text(given: Any, default: str) -> Any:
    """The default language's text of a Translated value (a plain value is that text)."""
    return given.get(default, "") if isinstance(given, dict) else given


class OrganizationInput(StrictSerializer):
    slug = serializers.SlugField(max_length=50)
    name = serializers.CharField(max_length=200)
    # max: the column is a smallint (SQLite would take more; PostgreSQL would fail).
    min_group_size = serializers.IntegerField(
        min_value=MIN_GROUP_SIZE_FLOOR, max_value=32767, required=False
    )
    timezone = serializers.CharField(max_length=64, required=False)
    # The language of plain strings in the file (and the fallback for a missing translation).
    language = serializers.CharField(max_length=8, required=False)

    def validate_language(self, value: str) -> str:
        if value not in language_codes():
            raise serializers.ValidationError(
                f'"{value}" is not a language of the product ({", ".join(language_codes())})'
            )
        return value

    def validate_timezone(self, value: str) -> str:
        if value not in zoneinfo.available_timezones():
            raise serializers.ValidationError(f'"{value}" is not a known time zone.')
        return value


class DepartmentInput(StrictSerializer):
    name = serializers.CharField(max_length=200)
    parent = serializers.CharField(max_length=200, required=False, allow_null=True)


class QuestionInput(StrictSerializer):
    code = serializers.SlugField(max_length=50)
    text = TranslatedText()
    type = serializers.ChoiceField(choices=QuestionType.choices, default=QuestionType.LIKERT)
    perspective = serializers.ChoiceField(choices=Perspective.choices, default=Perspective.EMPLOYEE)
    reverse = serializers.BooleanField(default=False)
    choices = TranslatedChoices(required=False, default=list)
    pairs_with = serializers.SlugField(max_length=50, required=False, allow_null=True)
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        choices = attrs["choices"]
        lists = list(choices.values()) if isinstance(choices, dict) else [choices]
        if isinstance(choices, dict) and len({len(c) for c in lists if c}) > 1:
            raise serializers.ValidationError(
                {"choices": ["every language lists the same choices, in the same order"]}
            )
        if attrs["type"] == QuestionType.CHOICE and max(map(len, lists), default=0) < 2:
            raise serializers.ValidationError({"choices": ["a choice question needs 2 or more"]})
        if attrs["type"] != QuestionType.CHOICE and any(lists):
            raise serializers.ValidationError({"choices": ["only choice questions have choices"]})
        if attrs["reverse"] and attrs["type"] != QuestionType.LIKERT:
            raise serializers.ValidationError({"reverse": ["only likert items can be reversed"]})
        return attrs


class ValueInput(StrictSerializer):
    code = serializers.SlugField(max_length=50)
    name = TranslatedText(max_length=200)
    claim = TranslatedText(allow_blank=True, required=False, default="")
    description = TranslatedText(allow_blank=True, required=False, default="")
    questions = QuestionInput(many=True, required=False, default=list)


class DefinitionInput(StrictSerializer):
    organization = OrganizationInput()
    departments = DepartmentInput(many=True, required=False, default=list)
    values = ValueInput(many=True, required=False, default=list)
    questions = QuestionInput(many=True, required=False, default=list)


def flatten_errors(detail: Any, prefix: str = "") -> list[tuple[str, str]]:
    """DRF's nested error structure as (key path, message) pairs."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            if key == "non_field_errors":
                path = prefix
            elif isinstance(key, int) or str(key).isdigit():  # DRF keys list items by index
                path = f"{prefix}[{key}]"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            out.extend(flatten_errors(value, path))
        return out
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [(prefix or "file", str(item)) for item in detail]
        out = []
        for index, item in enumerate(detail):
            if item:
                out.extend(flatten_errors(item, f"{prefix}[{index}]"))
        return out
    return [(prefix or "file", str(detail))]


def definition_parse(*, content: str | bytes) -> dict[str, Any]:
    """YAML (of which JSON is a subset) into Python data; a syntax error names the line."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DefinitionError([("file", "is not UTF-8 text")]) from exc
    try:
        # JSON first: PyYAML reads a JSON escaped surrogate pair ("\ud83d\ude00", as
        # json.dumps writes an emoji) as two lone surrogates.
        data = json.loads(content)
    except (ValueError, RecursionError):
        data = yaml_parse(content)
    if not isinstance(data, dict):
        raise DefinitionError([("file", "must be a mapping with an 'organization' key")])
    return data


ANCHORS_REFUSED = "anchors and aliases (&, *) are not supported in an organization file"


class _AnchorFound(yaml.MarkedYAMLError):
    pass


class OrganizationFileLoader(yaml.SafeLoader):
    """PyYAML's safe loader without anchors and aliases.

    Aliases let a file of a few hundred bytes stand for gigabytes: lists of references to
    lists of references ("billion laughs"), or merge keys (`<<: [*a, *a]`), which PyYAML
    copies out in full while it builds the mapping. An organization file has no use for
    them, so the composer stops at the first one, before any node is built from the file.
    """

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _AnchorFound(problem=ANCHORS_REFUSED, problem_mark=event.start_mark)
        return super().compose_node(parent, index)


class _NoAliasDumper(yaml.SafeDumper):
    """Writes a value used twice out twice: a downloaded file always loads back."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def yaml_parse(content: str) -> Any:
    """The one way the product reads YAML (uploads, `load_org`, the question bank)."""
    try:
        return yaml.load(content, Loader=OrganizationFileLoader)  # noqa: S506 (a SafeLoader)
    except RecursionError:
        raise DefinitionError([("file", "is nested too deeply")]) from None
    except ValueError as exc:  # PyYAML's constructors let some through: 2026-02-30, !!int x
        raise DefinitionError([("file", f"not valid YAML or JSON: {exc}")]) from None
    except _AnchorFound as exc:
        mark = exc.problem_mark
        raise DefinitionError(
            [(f"line {mark.line + 1}, column {mark.column + 1}", ANCHORS_REFUSED)]
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        problem = getattr(exc, "problem", None) or str(exc)
        raise DefinitionError([(where, f"not valid YAML or JSON: {problem}")]) from exc


def _check_cross_references(data: dict[str, Any], organization: Organization | None) -> None:
    errors: list[tuple[str, str]] = []
    stored_parents: dict[str, str | None] = (
        dict(
            Department.current.filter(organization=organization).values_list("name", "parent__name")
        )
        if organization
        else {}
    )
    file_departments = [d["name"] for d in data["departments"]]
    seen: set[str] = set()
    for index, name in enumerate(file_departments):
        if name in seen:
            errors.append((f"departments[{index}].name", f'"{name}" appears twice'))
        seen.add(name)
    known_departments = set(stored_parents) | seen
    # The file moves the departments it names; the others stay where they are stored.
    parents = stored_parents | {d["name"]: d.get("parent") for d in data["departments"]}
    for index, department in enumerate(data["departments"]):
        parent = department.get("parent")
        if parent and parent not in known_departments:
            errors.append((f"departments[{index}].parent", f'unknown department "{parent}"'))
        # A cycle (A under B under A) would make the tree endless.
        chain, node = {department["name"]}, parent
        while node and node in parents:
            if node in chain:
                errors.append((f"departments[{index}].parent", "makes a cycle"))
                break
            chain.add(node)
            node = parents[node]

    value_codes: set[str] = set()
    for index, value in enumerate(data["values"]):
        if value["code"] in value_codes:
            errors.append((f"values[{index}].code", f'"{value["code"]}" appears twice'))
        value_codes.add(value["code"])

    questions = _questions_with_paths(data)
    codes: dict[str, dict[str, Any]] = {}
    for path, question, value_code in questions:
        if question["code"] in codes:
            errors.append((f"{path}.code", f'"{question["code"]}" appears twice'))
        codes[question["code"]] = question
        if value_code is None and question["perspective"] not in GENERAL_PERSPECTIVES:
            errors.append(
                (
                    f"{path}.perspective",
                    "a question outside a value must be an employee or an exit question",
                )
            )
        if value_code is not None and question["perspective"] == Perspective.EXIT:
            errors.append(
                (f"{path}.perspective", "an exit question is about leaving, not about a value")
            )
        rated = question["perspective"] in (Perspective.LEADER, Perspective.EMPLOYEE)
        # An employee comment box may belong to a value: the report reads its comments as
        # being about that value. Every other item of a value is rated.
        comment = (
            question["perspective"] == Perspective.EMPLOYEE
            and question["type"] == QuestionType.TEXT
        )
        if rated and value_code and question["type"] != QuestionType.LIKERT and not comment:
            errors.append(
                (
                    f"{path}.type",
                    "a value's rated items must be likert (1 to 5); an employee comment is text",
                )
            )
        if question["perspective"] == Perspective.LEADER_PREDICTION and question["type"] not in (
            QuestionType.PERCENT,
        ):
            errors.append((f"{path}.type", "a prediction item must be a percent question"))
    existing_questions = (
        {q.code: q for q in Question.objects.filter(organization=organization)}
        if organization
        else {}
    )
    for path, question, _value_code in questions:
        pair = question.get("pairs_with")
        if not pair:
            if question["perspective"] == Perspective.ONBOARDING_FOUND:
                errors.append(
                    (f"{path}.pairs_with", "an onboarding_found item needs its expected twin")
                )
            continue
        twin = codes.get(pair) or existing_questions.get(pair)
        twin_perspective = (
            twin["perspective"] if isinstance(twin, dict) else getattr(twin, "perspective", None)
        )
        if twin is None:
            errors.append((f"{path}.pairs_with", f'unknown question "{pair}"'))
        elif question["perspective"] != Perspective.ONBOARDING_FOUND:
            errors.append((f"{path}.pairs_with", "only onboarding_found items are paired"))
        elif twin_perspective != Perspective.ONBOARDING_EXPECTED:
            errors.append((f"{path}.pairs_with", f'"{pair}" is not an onboarding_expected item'))
    if organization:
        value_ids = dict(
            CompanyValue.objects.filter(organization=organization).values_list("code", "pk")
        )
        asked = set(questions_asked(organization=organization).values_list("code", flat=True))
        for path, question, value_code in questions:
            current = existing_questions.get(question["code"])
            if current is None or current.code not in asked:
                continue
            wanted = {
                "type": question["type"],
                "value": value_ids.get(value_code) if value_code else None,
                "reverse": question["reverse"],
                "perspective": question["perspective"],
            }
            have = {
                "type": current.type,
                "value": current.value_id,
                "reverse": current.reverse,
                "perspective": current.perspective,
            }
            for field in FROZEN_WHEN_ASKED:
                if wanted[field] != have[field]:
                    errors.append(
                        (
                            f"{path}.{field}",
                            f'"{question["code"]}" has gone out in a survey; its {field} cannot '
                            "change (add a new question instead)",
                        )
                    )
    if errors:
        raise DefinitionError(errors)


def _questions_with_paths(data: dict[str, Any]) -> list[tuple[str, dict[str, Any], str | None]]:
    found = []
    for vi, value in enumerate(data["values"]):
        for qi, question in enumerate(value["questions"]):
            found.append((f"values[{vi}].questions[{qi}]", question, value["code"]))
    for qi, question in enumerate(data["questions"]):
        found.append((f"questions[{qi}]", question, None))
    return found


def definition_validate(*, data: dict[str, Any]) -> dict[str, Any]:
    serializer = DefinitionInput(data=data)
    if not serializer.is_valid():
        raise DefinitionError(flatten_errors(serializer.errors))
    validated = serializer.validated_data
    organization = Organization.objects.filter(slug=validated["organization"]["slug"]).first()
    _check_cross_references(validated, organization)
    return validated


def _check_default_language(validated: dict[str, Any], default: str) -> None:
    """A text given per language must include the default language: it is what a reader
    without a translation sees."""
    errors = []
    for vi, value in enumerate(validated["values"]):
        if isinstance(value["name"], dict) and not value["name"].get(default):
            errors.append(
                (f"values[{vi}].name", f'needs the default language\'s text ("{default}")')
            )
    for path, question, _value in _questions_with_paths(validated):
        if isinstance(question["text"], dict) and not question["text"].get(default):
            errors.append((f"{path}.text", f'needs the default language\'s text ("{default}")'))
    if errors:
        raise DefinitionError(errors)


@transaction.atomic
def organization_load_definition(
    *,
    content: str | bytes | None = None,
    data: dict[str, Any] | None = None,
    organization: Organization | None = None,
) -> Organization:
    """Create or update an organization from a definition. All or nothing.

    With `organization` given, the file must name that organization (an HR admin uploading
    into their own organization cannot touch another one).
    """
    if data is None:
        data = definition_parse(content=content or "")
    validated = definition_validate(data=data)
    org_data = validated["organization"]
    if organization is not None and org_data["slug"] != organization.slug:
        raise DefinitionError(
            [("organization.slug", f'must be "{organization.slug}", this organization\'s slug')]
        )
    org, _created = Organization.objects.get_or_create(
        slug=org_data["slug"], defaults={"name": org_data["name"]}
    )
    org.name = org_data["name"]
    if "min_group_size" in org_data:
        org.min_group_size = org_data["min_group_size"]
    if "timezone" in org_data:
        org.timezone = org_data["timezone"]
    if "language" in org_data:
        org.language = org_data["language"]
    org.full_clean()
    org.save()

    departments = {d.name: d for d in Department.current.filter(organization=org)}
    for item in validated["departments"]:
        if item["name"] not in departments:
            departments[item["name"]] = Department.objects.create(
                organization=org, name=item["name"]
            )
    for item in validated["departments"]:
        department = departments[item["name"]]
        parent = departments.get(item["parent"]) if item.get("parent") else None
        if department.parent_id != (parent.pk if parent else None):
            department.parent = parent
            department.save(update_fields=["parent"])

    default = org.language
    _check_default_language(validated, default)
    values: dict[str, CompanyValue] = {}
    for position, item in enumerate(validated["values"], 1):
        value = CompanyValue.objects.filter(organization=org, code=item["code"]).first()
        value = value or CompanyValue(organization=org, code=item["code"])
        value.position = position
        for field in ("name", "claim", "description"):
            translations_set(value, field, item[field], default)
        value.save()
        values[item["code"]] = value

    questions: dict[str, Question] = {}
    pairs: list[tuple[Question, str]] = []
    for index, (_path, item, value_code) in enumerate(_questions_with_paths(validated), 1):
        question = Question.objects.filter(organization=org, code=item["code"]).first()
        question = question or Question(organization=org, code=item["code"])
        question.type = item["type"]
        question.perspective = item["perspective"]
        question.reverse = item["reverse"]
        question.outcome = item.get("outcome", "")
        question.value = values[value_code] if value_code else None
        question.position = index
        for field in ("text", "choices"):
            translations_set(question, field, item[field], default)
        question.save()
        questions[item["code"]] = question
        if item.get("pairs_with"):
            pairs.append((question, item["pairs_with"]))
    for question, twin_code in pairs:
        twin = questions.get(twin_code) or Question.objects.get(organization=org, code=twin_code)
        if question.pairs_with_id != twin.pk:
            question.pairs_with = twin
            question.save(update_fields=["pairs_with"])
    return org


def organization_export_definition(*, organization: Organization) -> dict[str, Any]:
    """The organization's definition in the file format (loading it back changes nothing)."""
    departments = list(
        Department.current.filter(organization=organization).select_related("parent")
    )
    by_id = {d.pk: d for d in departments}
    # Parents before children, so the file reads top-down.
    ordered: list[Department] = []

    def visit(department: Department) -> None:
        if department in ordered:
            return
        if department.parent_id and department.parent_id in by_id:
            visit(by_id[department.parent_id])
        ordered.append(department)

    for department in sorted(departments, key=lambda d: d.name):
        visit(department)

    default = organization.language

    def texts(obj: Any, field: str) -> Any:
        """A plain value when only the default language has one, else every language's."""
        found = translations_of(obj, field)
        if set(found) <= {default}:
            return found.get(default, [] if field == "choices" else "")
        return found

    def question_out(q: Question) -> dict[str, Any]:
        out: dict[str, Any] = {"code": q.code, "text": texts(q, "text")}
        if q.type != QuestionType.LIKERT:
            out["type"] = q.type
        if q.perspective != Perspective.EMPLOYEE:
            out["perspective"] = q.perspective
        if q.reverse:
            out["reverse"] = True
        if choices := texts(q, "choices"):
            out["choices"] = choices
        if q.pairs_with_id:
            out["pairs_with"] = q.pairs_with.code
        if q.outcome:
            out["outcome"] = q.outcome
        return out

    questions = list(
        Question.objects.filter(organization=organization).select_related("pairs_with")
    )
    values_out = []
    for value in CompanyValue.objects.filter(organization=organization):
        item: dict[str, Any] = {"code": value.code, "name": texts(value, "name")}
        if claim := texts(value, "claim"):
            item["claim"] = claim
        if description := texts(value, "description"):
            item["description"] = description
        item["questions"] = [question_out(q) for q in questions if q.value_id == value.pk]
        values_out.append(item)
    return {
        "organization": {
            "slug": organization.slug,
            "name": organization.name,
            "min_group_size": organization.min_group_size,
            "timezone": organization.timezone,
            "language": organization.language,
        },
        "departments": [
            {"name": d.name, **({"parent": d.parent.name} if d.parent_id else {})} for d in ordered
        ],
        "values": values_out,
        "questions": [question_out(q) for q in questions if q.value_id is None],
    }


def definition_dump(*, data: dict[str, Any], fmt: str = "yaml") -> str:
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False)
    return yaml.dump(data, Dumper=_NoAliasDumper, sort_keys=False, allow_unicode=True, width=100)


# --- Editing one part of the file --------------------------------------------------------------

# Key path in the exported file -> the caller's field it came from ("" for the request itself).
Where = dict[str, str]


def _request_key(path: str, where: Where) -> str:
    for prefix in sorted(where, key=len, reverse=True):
        if path == prefix:
            return where[prefix] or "non_field"
        if path.startswith(prefix + "."):
            rest = path[len(prefix) + 1 :]
            return f"{where[prefix]}.{rest}" if where[prefix] else rest
    return path


def organization_edit_definition(
    *, organization: Organization, change: Callable[[dict[str, Any]], Where]
) -> None:
    """Export the organization file, let `change` edit it, load it back; all or nothing, so an
    edit keeps exactly the rules of an uploaded file. `change` says where in the file the
    caller's fields went; a DefinitionError names those fields rather than the file's keys."""
    with transaction.atomic():
        # Serialise edits of one organization: two exports taken at once would each load back
        # the other's old text.
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
        data = organization_export_definition(organization=organization)
        where = change(data)
        try:
            organization_load_definition(data=data, organization=organization)
        except DefinitionError as exc:
            raise DefinitionError(
                [(_request_key(path, where), problem) for path, problem in exc.errors]
            ) from exc
