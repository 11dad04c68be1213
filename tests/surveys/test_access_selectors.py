"""The one access layer: selectors take the caller's reach, a page's membership or the API's
access alike, and answer both the same way."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from analytics.selectors import department_scope
from core.filters import FilterInvalid
from surveys.apis.base import ApiAccess
from surveys.models import Membership, Role
from surveys.selectors import (
    campaign_get,
    campaigns_list,
    employees_list,
    questions_list,
    wave_get,
    waves_list,
)
from surveys.services.tokens import api_token_create

pytestmark = pytest.mark.django_db


def membership(user) -> Membership:
    return Membership.objects.select_related("organization").get(user=user)


def token_access(organization) -> ApiAccess:
    record, _token = api_token_create(organization=organization, name="k", scope="read", user=None)
    return ApiAccess(organization, Role.HR_ADMIN, None, record, None)


def test_it_gives_a_page_and_the_api_the_same_campaigns_and_waves(alice, acme, open_wave):
    page = membership(alice)
    session = ApiAccess(acme, page.role, alice, None, page)
    token = token_access(acme)

    for reach in (session, token):
        assert list(campaigns_list(reach=reach)) == list(campaigns_list(reach=page))
        assert list(waves_list(reach=reach)) == list(waves_list(reach=page))
        assert wave_get(reach=reach, wave_id=open_wave.pk) == open_wave


def test_it_rejects_other_organization(charlie, pulse, open_wave):
    reach = membership(charlie)

    with pytest.raises(Http404):
        campaign_get(reach=reach, campaign_id=pulse.pk)
    with pytest.raises(Http404):
        wave_get(reach=reach, wave_id=open_wave.pk)
    assert not campaigns_list(reach=reach).exists()


def test_it_keeps_the_roster_from_leaders_whatever_the_gate(leo, staff):
    with pytest.raises(PermissionDenied):
        employees_list(reach=membership(leo))


def test_it_filters_in_the_selector_and_refuses_a_bad_value(alice, staff):
    reach = membership(alice)

    found = employees_list(reach=reach, filters={"q": staff[0].email})
    general = questions_list(reach=reach, filters={"general": "true"})

    assert list(found) == [staff[0]]
    assert all(question.value_id is None for question in general)
    with pytest.raises(FilterInvalid) as refused:
        campaigns_list(reach=reach, filters={"kind": "nonsense"})
    assert set(refused.value.errors) == {"kind"}


def test_a_token_and_an_unscoped_member_see_every_department_a_scoped_leader_one(
    alice, petra, acme
):
    assert department_scope(reach=membership(alice)) is None
    assert department_scope(reach=token_access(acme)) is None
    scope = department_scope(reach=membership(petra))
    assert "Engineering" in scope.names
    assert "Sales" not in scope.names
    assert acme.departments.get(name="Engineering").pk in scope.department_ids
