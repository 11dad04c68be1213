"""Who may call an organization's endpoints: authentication and the one access check.

Two ways in: the browser session of a signed-in member, or a per-organization API token
(`Authorization: Bearer cs_…`) for integrations. Every endpoint resolves its organization with
`api_access`, the API's one access helper, built on the same `membership_get` as the pages:
another organization's data is a 404, the wrong role a 403, no credentials a 401. The
`ApiAccess` it returns has the shape of a page's membership (`selectors.Reach`), so endpoints
then read through the same selectors as the pages.
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.request import Request

from core.apis.base import FailOpenThrottle

from ..models import ApiToken, Membership, Organization, Role, TokenScope
from ..selectors import membership_get
from .auth import OrganizationTokenAuthentication, TokenUser

__all__ = ["ApiAccess", "OrganizationTokenAuthentication", "TokenUser", "api_access"]


@dataclass(frozen=True)
class ApiAccess:
    """Who is calling, in which organization, with which reach."""

    organization: Organization
    role: str  # hr_admin or leader; a token acts as hr_admin
    user: Any
    token: ApiToken | None
    membership: Membership | None

    @property
    def department_id(self) -> int | None:
        """The department subtree a scoped leader is limited to; None for everything (a
        token too). With `organization` and `role`, the `Reach` every selector takes."""
        return self.membership.department_id if self.membership else None

    @property
    def username(self) -> str:
        return self.user.get_username()


HR = (Role.HR_ADMIN,)
ANYONE = (Role.HR_ADMIN, Role.LEADER)


def api_access(
    request: Request, slug: str, *, roles: tuple[str, ...] = ANYONE, write: bool = False
) -> ApiAccess:
    """The one access check of the API. 401 without credentials; 404 for an organization the
    caller does not belong to; 403 for the wrong role or a read-only token that writes."""
    if not request.user or not request.user.is_authenticated:
        raise exceptions.NotAuthenticated
    token = request.auth if isinstance(request.auth, ApiToken) else None
    if token is not None:
        if token.organization.slug != slug:
            raise Http404
        if Role.HR_ADMIN not in roles:
            raise PermissionDenied
        if write and token.scope != TokenScope.WRITE:
            raise exceptions.PermissionDenied("This API token is read-only.")
        return ApiAccess(token.organization, Role.HR_ADMIN, request.user, token, None)
    membership = membership_get(user=request.user, slug=slug, roles=roles)
    return ApiAccess(membership.organization, membership.role, request.user, None, membership)


class IntegrationRateThrottle(FailOpenThrottle):
    """Limits requests per API token (and per signed-in user)."""

    scope = "integration"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
