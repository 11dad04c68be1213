"""Organizations as a whole: members, and removal with everything in them."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

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
