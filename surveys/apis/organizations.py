"""Organizations, departments, the roster (with the HRIS push) and API tokens."""

import django_filters
import django_filters.rest_framework
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.apis.base import SLUG, Conflict, StandardPagination, created, errors

from ..errors import ImportRejected
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
from ..selectors import memberships_for_user
from ..services.roster import employee_mark_leaver, roster_upsert
from ..services.tokens import api_token_create, api_token_revoke
from .base import HR, ApiAccess, api_access


def rows_rejected(exc: ImportRejected) -> serializers.ValidationError:
    """Import errors as field errors: `people[3].email`."""
    return serializers.ValidationError(
        {(f"people[{e.row - 1}].{e.column}" if e.row else "people"): e.message for e in exc.errors}
    )


# --- Organizations ---------------------------------------------------------------------------


class OrganizationOutput(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = ["slug", "name", "min_group_size", "timezone", "role"]

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
        organization = access.organization
        for field, value in serializer.validated_data.items():
            setattr(organization, field, value)
        organization.save()
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
    organization = access.organization
    name = data.get("name", department.name if department else "").strip()
    clash = Department.objects.filter(organization=organization, name=name)
    if department:
        clash = clash.exclude(pk=department.pk)
    if clash.exists():
        raise serializers.ValidationError({"name": f'"{name}" already exists'})
    parent = department.parent if department else None
    if "parent" in data:
        parent = None
        if data["parent"]:
            parent = Department.objects.filter(
                organization=organization, name=data["parent"]
            ).first()
            if parent is None:
                raise serializers.ValidationError(
                    {"parent": f'unknown department "{data["parent"]}"'}
                )
            node = parent
            while node is not None:  # a department cannot sit below itself
                if department and node.pk == department.pk:
                    raise serializers.ValidationError({"parent": "would make a cycle"})
                node = node.parent
    if department is None:
        return Department.objects.create(organization=organization, name=name, parent=parent)
    department.name, department.parent = name, parent
    department.save()
    return department


class DepartmentListApi(APIView):
    @extend_schema(
        parameters=[SLUG], responses={200: DepartmentOutput(many=True), **errors(401, 404)}
    )
    def get(self, request: Request, slug: str) -> Response:
        access = api_access(request, slug)
        departments = Department.objects.filter(organization=access.organization).select_related(
            "parent"
        )
        return Response(DepartmentOutput(departments, many=True).data)

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
    def _get(self, access: ApiAccess, department_id: int) -> Department:
        return get_object_or_404(Department, organization=access.organization, pk=department_id)

    @extend_schema(parameters=[SLUG], responses={200: DepartmentOutput, **errors(401, 404)})
    def get(self, request: Request, slug: str, department_id: int) -> Response:
        access = api_access(request, slug)
        return Response(DepartmentOutput(self._get(access, department_id)).data)

    @extend_schema(
        parameters=[SLUG],
        request=DepartmentInput(partial=True),
        responses={200: DepartmentOutput, **errors(400, 401, 403, 404)},
    )
    def patch(self, request: Request, slug: str, department_id: int) -> Response:
        access = api_access(request, slug, roles=HR, write=True)
        department = self._get(access, department_id)
        serializer = DepartmentInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return Response(
            DepartmentOutput(_department_save(access, serializer.validated_data, department)).data
        )


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
    leaving_date = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text="YYYY-MM-DD"
    )


class BulkInput(serializers.Serializer):
    people = PersonInput(many=True, allow_empty=False, max_length=50000)
    dry_run = serializers.BooleanField(default=False)


class BulkOutput(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    exit_invitations = serializers.IntegerField(help_text="Leavers invited to the exit survey.")
    dry_run = serializers.BooleanField()


class EmployeeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", help_text="Part of an email or a name.")
    department = django_filters.CharFilter(field_name="department__name")
    location = django_filters.CharFilter()
    level = django_filters.CharFilter()
    leaving = django_filters.BooleanFilter(
        field_name="leaving_date",
        lookup_expr="isnull",
        exclude=True,
        help_text="true: only leavers; false: only those staying.",
    )

    class Meta:
        model = Employee
        fields = ["q", "department", "location", "level", "leaving"]

    def search(self, queryset, name: str, value: str):
        return queryset.filter(Q(email__icontains=value) | Q(name__icontains=value))


class EmployeeListApi(APIView):
    # For the schema: the filters and the paginated list are documented from these.
    queryset = Employee.objects.none()
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]
    filterset_class = EmployeeFilter
    pagination_class = StandardPagination

    @extend_schema(
        parameters=[SLUG],
        responses={200: EmployeeOutput(many=True), **errors(400, 401, 403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        """The roster (HR admins and tokens), filterable and paginated."""
        access = api_access(request, slug, roles=HR)
        queryset = Employee.objects.filter(organization=access.organization).select_related(
            "department"
        )
        filtered = EmployeeFilter(request.query_params, queryset=queryset)
        if not filtered.is_valid():
            raise serializers.ValidationError(filtered.errors)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(filtered.qs, request, view=self)
        return paginator.get_paginated_response(EmployeeOutput(page, many=True).data)

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
        if Employee.objects.filter(organization=access.organization, email=email).exists():
            raise Conflict(f"{email} is already on the roster.")
        try:
            roster_upsert(organization=access.organization, people=[serializer.validated_data])
        except ImportRejected as exc:
            raise serializers.ValidationError({e.column: e.message for e in exc.errors}) from exc
        employee = Employee.objects.get(organization=access.organization, email=email)
        return created(EmployeeOutput(employee).data)


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
    def _get(self, access: ApiAccess, employee_id: int) -> Employee:
        return get_object_or_404(
            Employee.objects.select_related("department"),
            organization=access.organization,
            pk=employee_id,
        )

    @extend_schema(parameters=[SLUG], responses={200: EmployeeOutput, **errors(401, 403, 404)})
    def get(self, request: Request, slug: str, employee_id: int) -> Response:
        access = api_access(request, slug, roles=HR)
        return Response(EmployeeOutput(self._get(access, employee_id)).data)

    @extend_schema(
        parameters=[SLUG],
        request=PersonInput(partial=True),
        responses={200: EmployeeOutput, **errors(400, 401, 403, 404)},
    )
    def patch(self, request: Request, slug: str, employee_id: int) -> Response:
        access = api_access(request, slug, roles=HR, write=True)
        employee = self._get(access, employee_id)
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
            raise serializers.ValidationError({e.column: e.message for e in exc.errors}) from exc
        return Response(EmployeeOutput(self._get(access, employee_id)).data)


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
        employee = get_object_or_404(Employee, organization=access.organization, pk=employee_id)
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
        return Response(
            TokenOutput(ApiToken.objects.filter(organization=access.organization), many=True).data
        )

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
        record = ApiToken.objects.filter(organization=access.organization, pk=token_id).first()
        if record is None:
            raise Http404
        return Response(TokenOutput(api_token_revoke(token=record)).data)
