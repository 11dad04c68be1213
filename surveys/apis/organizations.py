"""Organizations, departments, the roster (with the HRIS push) and API tokens."""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.apis.base import SLUG, Conflict, created, errors
from core.apis.lists import ListApi, paginated

from ..errors import FieldsInvalid, ImportRejected, RowError, ServiceError
from ..filters import EmployeeFilter
from ..models import (
    MIN_GROUP_SIZE_FLOOR,
    ApiToken,
    Department,
    Employee,
    Organization,
    Role,
    TokenScope,
    validate_timezone,
)
from ..selectors import (
    api_token_get,
    api_tokens_list,
    department_get,
    departments_list,
    employee_get,
    employee_get_by_email,
    employees_list,
    memberships_for_user,
)
from ..services.organizations import (
    KEEP,
    department_delete,
    department_save,
    organization_update,
)
from ..services.roster import employee_mark_leaver, roster_upsert
from ..services.tokens import api_token_create, api_token_revoke
from .base import HR, ApiAccess, api_access


def _one_by_one(exc: ImportRejected) -> list[RowError]:
    """Every row's own error, even where a page shows a summary line (people naming
    departments that do not exist yet)."""
    return [detail for e in exc.errors for detail in (e.details or (e,))]


def rows_rejected(exc: ImportRejected) -> serializers.ValidationError:
    """Import errors as field errors: `people[3].email`."""
    return serializers.ValidationError(
        {
            (f"people[{e.row - 1}].{e.column}" if e.row else "people"): e.message
            for e in _one_by_one(exc)
        }
    )


def person_rejected(exc: ImportRejected) -> serializers.ValidationError:
    return serializers.ValidationError({e.column: e.message for e in _one_by_one(exc)})


# --- Organizations ---------------------------------------------------------------------------


class OrganizationOutput(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = ["slug", "name", "min_group_size", "timezone", "language", "role"]

    def get_role(self, organization: Organization) -> str:
        return self.context.get("roles", {}).get(organization.pk, Role.HR_ADMIN)


class OrganizationListApi(APIView):
    @extend_schema(responses={200: OrganizationOutput(many=True), **errors(401)})
    def get(self, request: Request) -> Response:
        """The organizations the caller belongs to (a token: its own)."""
        if isinstance(request.auth, ApiToken):
            organizations, roles = [request.auth.organization], {}
        else:
            memberships = list(memberships_for_user(user=request.user))
            organizations = [m.organization for m in memberships]
            roles = {m.organization_id: m.role for m in memberships}
        return Response(OrganizationOutput(organizations, many=True, context={"roles": roles}).data)


class OrganizationSettingsInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    min_group_size = serializers.IntegerField(
        min_value=MIN_GROUP_SIZE_FLOOR, max_value=1000, required=False
    )
    timezone = serializers.CharField(max_length=64, required=False)
    language = serializers.ChoiceField(
        choices=[code for code, _name in settings.LANGUAGES],
        required=False,
        help_text="The default language: of plain texts, and shown where a text has no "
        "translation.",
    )

    def validate_timezone(self, value: str) -> str:
        try:
            validate_timezone(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return value


class OrganizationDetailApi(APIView):
    @extend_schema(parameters=[SLUG], responses={200: OrganizationOutput, **errors(401, 404)})
    def get(self, request: Request, slug: str) -> Response:
        access = api_access(request, slug)
        roles = {access.organization.pk: access.role}
        return Response(OrganizationOutput(access.organization, context={"roles": roles}).data)

    @extend_schema(
        parameters=[SLUG],
        request=OrganizationSettingsInput,
        responses={200: OrganizationOutput, **errors(400, 401, 403, 404)},
    )
    def patch(self, request: Request, slug: str) -> Response:
        """Settings: name, the minimum reporting group size k (never below 3), time zone."""
        access = api_access(request, slug, roles=HR, write=True)
        serializer = OrganizationSettingsInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        organization = organization_update(
            organization=access.organization, **serializer.validated_data
        )
        return Response(OrganizationOutput(organization).data)


# --- Departments -----------------------------------------------------------------------------


class DepartmentOutput(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)

    class Meta:
        model = Department
        fields = ["id", "name", "parent"]


class DepartmentInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    parent = serializers.CharField(
        max_length=200, required=False, allow_null=True, allow_blank=True
    )


def _department_save(access: ApiAccess, data: dict, department: Department | None) -> Department:
    try:
        return department_save(
            organization=access.organization,
            department=department,
            name=data.get("name"),
            parent_name=data.get("parent", KEEP),
        )
    except FieldsInvalid as exc:
        raise serializers.ValidationError(exc.errors) from exc


class DepartmentListApi(APIView):
    @extend_schema(
        parameters=[SLUG], responses={200: DepartmentOutput(many=True), **errors(401, 404)}
    )
    def get(self, request: Request, slug: str) -> Response:
        access = api_access(request, slug)
        return Response(DepartmentOutput(departments_list(reach=access), many=True).data)

    @extend_schema(
        parameters=[SLUG],
        request=DepartmentInput,
        responses={201: DepartmentOutput, **errors(400, 401, 403, 404)},
    )
    def post(self, request: Request, slug: str) -> Response:
        access = api_access(request, slug, roles=HR, write=True)
        serializer = DepartmentInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        return created(
            DepartmentOutput(_department_save(access, serializer.validated_data, None)).data
        )


class DepartmentDetailApi(APIView):
    @extend_schema(parameters=[SLUG], responses={200: DepartmentOutput, **errors(401, 404)})
    def get(self, request: Request, slug: str, department_id: int) -> Response:
        access = api_access(request, slug)
        return Response(
            DepartmentOutput(department_get(reach=access, department_id=department_id)).data
        )

    @extend_schema(
        parameters=[SLUG],
        request=DepartmentInput(partial=True),
        responses={200: DepartmentOutput, **errors(400, 401, 403, 404)},
    )
    def patch(self, request: Request, slug: str, department_id: int) -> Response:
        access = api_access(request, slug, roles=HR, write=True)
        department = department_get(reach=access, department_id=department_id)
        serializer = DepartmentInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return Response(
            DepartmentOutput(_department_save(access, serializer.validated_data, department)).data
        )

    @extend_schema(parameters=[SLUG], responses={204: None, **errors(401, 403, 404, 409)})
    def delete(self, request: Request, slug: str, department_id: int) -> Response:
        """Delete a department nothing in the tree uses; a 409 says what still uses it
        (departments below it, people on the roster, people with access or invitations
        scoped to it, campaigns). Survey responses keep naming it by id."""
        access = api_access(request, slug, roles=HR, write=True)
        department = department_get(reach=access, department_id=department_id)
        try:
            department_delete(department=department)
        except ServiceError as exc:
            raise Conflict(exc.message) from exc
        return Response(status=204)


# --- The roster ------------------------------------------------------------------------------


class EmployeeOutput(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)

    class Meta:
        model = Employee
        fields = [
            "id",
            "email",
            "name",
            "department",
            "start_date",
            "location",
            "level",
            "language",
            "leaving_date",
            "updated_at",
        ]


class PersonInput(serializers.Serializer):
    """One person of the roster. Fields left out are left as they are."""

    email = serializers.CharField(max_length=254)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    department = serializers.CharField(
        max_length=200, required=False, allow_blank=True, allow_null=True
    )
    start_date = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text="YYYY-MM-DD"
    )
    location = serializers.CharField(max_length=100, required=False, allow_blank=True)
    level = serializers.CharField(max_length=100, required=False, allow_blank=True)
    language = serializers.CharField(
        max_length=8,
        required=False,
        allow_blank=True,
        help_text="The language the person is asked in (en, de, fr or es); empty: the "
        "organization's default.",
    )
    leaving_date = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text="YYYY-MM-DD"
    )


class BulkInput(serializers.Serializer):
    people = PersonInput(many=True, allow_empty=False, max_length=50000)
    dry_run = serializers.BooleanField(default=False)
    create_departments = serializers.BooleanField(
        default=False, help_text="Add the departments named that do not exist yet."
    )


class BulkOutput(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    exit_invitations = serializers.IntegerField(help_text="Leavers invited to the exit survey.")
    dry_run = serializers.BooleanField()


class EmployeeListApi(ListApi):
    filterset_class = EmployeeFilter

    @extend_schema(
        parameters=[SLUG],
        responses={200: EmployeeOutput(many=True), **errors(400, 401, 403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        """The roster (HR admins and tokens), filterable and paginated."""
        access = api_access(request, slug, roles=HR)
        employees = employees_list(reach=access, filters=request.query_params)
        return paginated(request, employees, EmployeeOutput)

    @extend_schema(
        parameters=[SLUG],
        request=PersonInput,
        responses={201: EmployeeOutput, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, slug: str) -> Response:
        """Add one person. An email already on the roster is a 409 (use PATCH or the bulk push)."""
        access = api_access(request, slug, roles=HR, write=True)
        serializer = PersonInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        email = serializer.validated_data["email"].strip().lower()
        if employee_get_by_email(reach=access, email=email) is not None:
            raise Conflict(f"{email} is already on the roster.")
        try:
            roster_upsert(organization=access.organization, people=[serializer.validated_data])
        except ImportRejected as exc:
            raise person_rejected(exc) from exc
        return created(EmployeeOutput(employee_get_by_email(reach=access, email=email)).data)


class EmployeeBulkApi(APIView):
    @extend_schema(
        parameters=[SLUG],
        request=BulkInput,
        responses={200: BulkOutput, **errors(400, 401, 403, 404)},
    )
    def post(self, request: Request, slug: str) -> Response:
        """The HRIS push: create or update people by email, all or none. Sending the same
        payload twice changes nothing the second time; a first leaving date invites the person
        to the exit survey."""
        access = api_access(request, slug, roles=HR, write=True)
        serializer = BulkInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        dry_run = serializer.validated_data["dry_run"]
        try:
            result = roster_upsert(
                organization=access.organization,
                people=serializer.validated_data["people"],
                dry_run=dry_run,
                create_departments=serializer.validated_data["create_departments"],
            )
        except ImportRejected as exc:
            raise rows_rejected(exc) from exc
        return Response(
            {
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "exit_invitations": len(result.new_leavers),
                "dry_run": dry_run,
            }
        )


class EmployeeDetailApi(APIView):
    @extend_schema(parameters=[SLUG], responses={200: EmployeeOutput, **errors(401, 403, 404)})
    def get(self, request: Request, slug: str, employee_id: int) -> Response:
        access = api_access(request, slug, roles=HR)
        return Response(EmployeeOutput(employee_get(reach=access, employee_id=employee_id)).data)

    @extend_schema(
        parameters=[SLUG],
        request=PersonInput(partial=True),
        responses={200: EmployeeOutput, **errors(400, 401, 403, 404)},
    )
    def patch(self, request: Request, slug: str, employee_id: int) -> Response:
        access = api_access(request, slug, roles=HR, write=True)
        employee = employee_get(reach=access, employee_id=employee_id)
        serializer = PersonInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        person = dict(serializer.validated_data)
        if "email" in person and person["email"].strip().lower() != employee.email:
            raise serializers.ValidationError(
                {"email": "cannot change; add the new address instead"}
            )
        person["email"] = employee.email
        try:
            roster_upsert(organization=access.organization, people=[person])
        except ImportRejected as exc:
            raise person_rejected(exc) from exc
        return Response(EmployeeOutput(employee_get(reach=access, employee_id=employee_id)).data)


class LeaverInput(serializers.Serializer):
    leaving_date = serializers.DateField()


class LeaverOutput(serializers.Serializer):
    employee = EmployeeOutput()
    exit_invitation_sent = serializers.BooleanField(
        help_text="True the first time a person is marked as leaving and an exit survey exists."
    )


class EmployeeLeaverApi(APIView):
    @extend_schema(
        parameters=[SLUG],
        request=LeaverInput,
        responses={200: LeaverOutput, **errors(400, 401, 403, 404)},
    )
    def post(self, request: Request, slug: str, employee_id: int) -> Response:
        """Mark a leaver; the first time, they are invited to the exit survey. Idempotent."""
        access = api_access(request, slug, roles=HR, write=True)
        employee = employee_get(reach=access, employee_id=employee_id)
        serializer = LeaverInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            invited = employee_mark_leaver(
                employee=employee, leaving_date=serializer.validated_data["leaving_date"]
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return Response(
            {"employee": EmployeeOutput(employee).data, "exit_invitation_sent": invited}
        )


# --- API tokens ------------------------------------------------------------------------------


class TokenOutput(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "scope",
            "created_by",
            "created_at",
            "last_used_on",
            "revoked_at",
        ]


class TokenCreated(TokenOutput):
    token = serializers.CharField(help_text="Shown once: store it now.")

    class Meta(TokenOutput.Meta):
        fields = [*TokenOutput.Meta.fields, "token"]


class TokenInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scope = serializers.ChoiceField(choices=TokenScope.choices, default=TokenScope.READ)


def _session_hr(request: Request, slug: str) -> ApiAccess:
    """Tokens are managed by signed-in HR admins only, never by another token."""
    access = api_access(request, slug, roles=HR, write=True)
    if access.token is not None:
        raise exceptions.PermissionDenied("API tokens are managed by a signed-in HR admin.")
    return access


class TokenListApi(APIView):
    @extend_schema(
        parameters=[SLUG], responses={200: TokenOutput(many=True), **errors(401, 403, 404)}
    )
    def get(self, request: Request, slug: str) -> Response:
        access = _session_hr(request, slug)
        return Response(TokenOutput(api_tokens_list(reach=access), many=True).data)

    @extend_schema(
        parameters=[SLUG],
        request=TokenInput,
        responses={201: TokenCreated, **errors(400, 401, 403, 404)},
    )
    def post(self, request: Request, slug: str) -> Response:
        """Create a token; its value is in this response only (only its hash is stored)."""
        access = _session_hr(request, slug)
        serializer = TokenInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        record, token = api_token_create(
            organization=access.organization,
            name=serializer.validated_data["name"],
            scope=serializer.validated_data["scope"],
            user=request.user,
        )
        return created(TokenOutput(record).data | {"token": token})


class TokenDetailApi(APIView):
    @extend_schema(parameters=[SLUG], responses={200: TokenOutput, **errors(401, 403, 404)})
    def delete(self, request: Request, slug: str, token_id: int) -> Response:
        """Revoke a token. It stops working at once; revoking twice is harmless."""
        access = _session_hr(request, slug)
        record = api_token_get(reach=access, token_id=token_id)
        return Response(TokenOutput(api_token_revoke(token=record)).data)
