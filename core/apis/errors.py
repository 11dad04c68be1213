"""One error body for the whole API: {"detail": "...", "errors": {"field": "problem"}}."""

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.filters import FilterInvalid

logger = logging.getLogger(__name__)


def _flatten(detail: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(detail, dict):
        out: dict[str, str] = {}
        for key, value in detail.items():
            name = str(key) if key != "non_field_errors" else ""
            path = f"{prefix}.{name}" if prefix and name else (prefix or name or "non_field")
            if prefix and str(key).isdigit():
                path = f"{prefix}[{key}]"
            out |= _flatten(value, path)
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return {prefix or "non_field": " ".join(str(item) for item in detail)}
        out = {}
        for index, item in enumerate(detail):
            if item:
                out |= _flatten(item, f"{prefix}[{index}]")
        return out
    return {prefix or "non_field": str(detail)}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """One error body everywhere: {"detail": "...", "errors": {"field": "problem"}}."""
    if isinstance(exc, RequestDataTooBig):  # Django's own answer would be an HTML page
        megabytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
        return Response(
            {"detail": f"The request body is too large (over {megabytes} MB); nothing changed."},
            status=413,
        )
    if isinstance(exc, (OperationalError, InterfaceError)):
        # The database went away mid-request (a restart, a failover). The transaction was
        # rolled back, so nothing half-done is stored; the client may simply try again.
        logger.warning("Database unavailable: %s", exc)
        response = Response(
            {"detail": "The service is briefly unavailable; nothing was stored. Try again."},
            status=503,
        )
        response["Retry-After"] = "5"
        return response
    if isinstance(exc, FilterInvalid):  # a selector could not read a query parameter
        exc = exceptions.ValidationError(exc.errors)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "detail": "Invalid input; nothing was changed.",
            "errors": _flatten(exc.detail),
        }
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"])}
    else:
        response.data = {"detail": str(response.data)}
    return response
