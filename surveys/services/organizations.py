"""Organizations as a whole: settings, departments, members, and removal with everything in
them."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..auth import sso_configured, sso_provider_name
from ..errors import FieldsInvalid, ServiceError
from ..models import (
    Answer,
    Campaign,
    CampaignQuestion,
    CompanyValue,
    Department,
    Employee,
    Invitation,
    Membership,
    Organization,
    Question,
    ResponseImport,
    Round,
    SurveyResponse,
    Wave,
)
from ..selectors import department_uses, department_uses_text


def organization_update(
    *,
    organization: Organization,
    name: str | None = None,
    min_group_size: int | None = None,
    timezone: str | None = None,
    language: str | None = None,
) -> Organization:
    """Change the settings given (None leaves one as it is); the caller has checked them."""
    changes = {
        "name": name,
        "min_group_size": min_group_size,
        "timezone": timezone,
        "language": language,
    }
    changed = [field for field, value in changes.items() if value is not None]
    for field in changed:
        setattr(organization, field, changes[field])
    if changed:
        organization.save(update_fields=changed)
    return organization


def organization_password_sign_in_set(
    *, organization: Organization, allowed: bool, signed_in_with_sso: bool
) -> Organization:
    """Let the organization's members sign in with a password, or not (single sign-on only).

    Turning passwords off is refused unless single sign-on is configured and the HR admin asking
    signed in with it in this session: it works, and lets them in, so nobody locks the
    organization out. Turning passwords back on is always allowed."""
    if not allowed and not sso_configured():
        raise ServiceError(
            _("Single sign-on is not configured on this installation: password sign-in stays on.")
        )
    if not allowed and not signed_in_with_sso:
        raise ServiceError(
            _(
                "Sign in with %(provider)s first, so we know it lets you in; then turn "
                "password sign-in off."
            )
            % {"provider": sso_provider_name()}
        )
    if organization.password_sign_in != allowed:
        organization.password_sign_in = allowed
        organization.save(update_fields=["password_sign_in"])
    return organization


KEEP = object()  # a department's parent left as it is


@transaction.atomic
def department_save(
    *,
    organization: Organization,
    department: Department | None = None,
    name: str | None = None,
    parent_name: object = KEEP,
) -> Department:
    """Create a department (`department` None) or rename or move one. Names are unique in the
    organization; the parent is named (None or empty: the top) and may not sit below the
    department itself. FieldsInvalid names the field at fault."""
    name = (name if name is not None else department.name if department else "").strip()
    # Whatever their case: the roster import finds departments by name, case-insensitively.
    clash = Department.current.filter(organization=organization, name__iexact=name)
    if department:
        clash = clash.exclude(pk=department.pk)
    if clash.exists():
        raise FieldsInvalid({"name": f'"{name}" already exists'})
    parent = department.parent if department else None
    if parent_name is not KEEP:
        parent = None
        if parent_name:
            parent = Department.current.filter(organization=organization, name=parent_name).first()
            if parent is None:
                raise FieldsInvalid({"parent": f'unknown department "{parent_name}"'})
            node = parent
            while node is not None:  # a department cannot sit below itself
                if department and node.pk == department.pk:
                    raise FieldsInvalid({"parent": "would make a cycle"})
                node = node.parent
    if department is None:
        return Department.objects.create(organization=organization, name=name, parent=parent)
    department.name, department.parent = name, parent
    department.save()
    return department


@transaction.atomic
def department_delete(*, department: Department) -> None:
    """Delete a department nothing in the tree uses: refused (ServiceError, saying what uses
    it) while it has departments below it, people on the roster, people with access or
    invitations scoped to it, or campaigns aimed at it.

    It leaves the tree, and its name is free again; its row stays, for the survey responses
    and stored reports that name it by id and for answers of an open wave still to be sealed
    with it. Responses never refuse a deletion: that would tell HR that someone there
    answered."""
    uses = department_uses(department_ids=[department.pk])[department.pk]
    if uses:
        raise ServiceError(
            f'"{department.name}" is in use ({department_uses_text(uses)}), so it stays. '
            "Move or rename it instead."
        )
    Department.objects.filter(pk=department.pk).update(deleted_at=timezone.now())


def membership_add(
    *,
    organization: Organization,
    user: AbstractBaseUser,
    role: str,
    department_id: int | None = None,
) -> Membership:
    membership, _created = Membership.objects.update_or_create(
        organization=organization,
        user=user,
        defaults={"role": role, "department_id": department_id},
    )
    return membership


@transaction.atomic
def organization_delete(*, organization: Organization) -> None:
    """Delete an organization and everything in it: answers, responses, invitations, waves,
    campaigns, roster, values, questions, departments and memberships.

    Answers and questions are protected against accidental deletion one by one, so they are
    removed here explicitly, children first.
    """
    Answer.objects.filter(response__wave__campaign__organization=organization).delete()
    SurveyResponse.objects.filter(wave__campaign__organization=organization).delete()
    Invitation.objects.filter(wave__campaign__organization=organization).delete()
    Wave.objects.filter(campaign__organization=organization).delete()
    CampaignQuestion.objects.filter(campaign__organization=organization).delete()
    Campaign.objects.filter(organization=organization).delete()
    Round.objects.filter(organization=organization).delete()
    ResponseImport.objects.filter(organization=organization).delete()
    Employee.objects.filter(organization=organization).delete()
    Membership.objects.filter(organization=organization).delete()
    Question.objects.filter(organization=organization).update(pairs_with=None)
    Question.objects.filter(organization=organization).delete()
    CompanyValue.objects.filter(organization=organization).delete()
    Department.objects.filter(organization=organization).update(parent=None)
    Department.objects.filter(organization=organization).delete()
    organization.delete()
