"""What every API endpoint shares: authentication, the access check, errors, pagination.

Two ways in: the browser session of a signed-in member, or a per-organization API token
(`Authorization: Bearer cs_…`) for integrations. Every endpoint resolves its organization with
`api_access`, the API's one access helper, built on the same `membership_get` as the pages:
another organization's data is a 404, the wrong role a 403, no credentials a 401.
"""

import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from ..models import ApiToken, Membership, Organization, Role, TokenScope
from ..selectors import membership_get
from .auth import TOKEN_PREFIX, OrganizationTokenAuthentication, TokenUser, api_token_hash

logger = logging.getLogger(__name__)

__all__ = [
    "TOKEN_PREFIX",
    "ApiAccess",
    "OrganizationTokenAuthentication",
    "TokenUser",
    "api_access",
    "api_token_create",
    "api_token_hash",
]


def api_token_create(
    *, organization: Organization, name: str, scope: str, user: AbstractBaseUser | None
) -> tuple[ApiToken, str]:
    """A new token; the plain value is returned once and never stored."""
    if scope not in TokenScope.values:
        raise serializers.ValidationError(
            {"scope": f"must be one of {', '.join(TokenScope.values)}"}
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken.objects.create(
        organization=organization,
        name=name.strip()[:100],
        prefix=token[:10],
        token_hash=api_token_hash(token),
        scope=scope,
        created_by=user if user and user.pk else None,
    )
    return record, token


@dataclass(frozen=True)
class ApiAccess:
    """Who is calling, in which organization, with which reach."""

    organization: Organization
    role: str  # hr_admin or leader; a token acts as hr_admin
    user: Any
    token: ApiToken | None
    membership: Membership | None

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


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.CharField(), required=False)


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """The documented error responses of an endpoint."""
    text = {
        400: "Invalid input; nothing was changed. `errors` maps each field to its problem.",
        401: "No credentials, or an invalid or revoked API token.",
        403: "Signed in, but the role (or a read-only token) does not allow this.",
        404: "Not found, or it belongs to another organization.",
        409: "The request conflicts with the current state.",
        429: "Too many requests; retry after the time in the Retry-After header.",
    }
    return {code: OpenApiResponse(ErrorSerializer, description=text[code]) for code in codes}


def detail_response(name: str) -> Any:
    return inline_serializer(name, fields={"detail": serializers.CharField()})


class FailOpenThrottle(SimpleRateThrottle):
    """A rate limit that lets requests through when its counter store (Redis) is unreachable:
    a survey answer or an HRIS push must not fail because a rate counter cannot be read."""

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception as exc:
            logger.warning("Rate limit store unavailable (%s); request allowed", exc)
            return True


class SurveyRateThrottle(FailOpenThrottle):
    """Limits survey requests per client address. The address lives only in the cache, for the
    throttle window, and is never stored with anything else."""

    scope = "survey"

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


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


def created(data: Any) -> Response:
    return Response(data, status=status.HTTP_201_CREATED)
