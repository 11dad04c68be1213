"""API conventions every app's endpoints share: the error bodies and their documentation,
pagination, rate limits that fail open, and the path parameter naming the organization.
(List endpoints: `core.apis.lists`.)"""

import logging
from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)

SLUG = OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The organization.")


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.CharField(), required=False)


class Rejected(exceptions.APIException):
    """A service refused the request (bad input); nothing was changed. The detail says why."""

    status_code = 400
    default_detail = "Invalid input; nothing was changed."
    default_code = "invalid"


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """The documented error responses of an endpoint."""
    text = {
        400: "Invalid input; nothing was changed. `errors` maps each field to its problem.",
        401: "No credentials, or an invalid or revoked API token.",
        403: "Signed in, but the role (or a read-only token) does not allow this.",
        404: "Not found, or it belongs to another organization.",
        409: "The request conflicts with the current state.",
        413: "The request body is too large; nothing was changed.",
        429: "Too many requests; retry after the time in the Retry-After header.",
    }
    return {code: OpenApiResponse(ErrorSerializer, description=text[code]) for code in codes}


def detail_response(name: str) -> Any:
    return inline_serializer(name, fields={"detail": serializers.CharField()})


def created(data: Any) -> Response:
    return Response(data, status=status.HTTP_201_CREATED)


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
