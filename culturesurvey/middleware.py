"""Security headers Django does not set by itself, and a clean 503 when the database is
briefly unavailable."""

import logging
from collections.abc import Callable

from django.contrib.sessions import middleware as sessions
from django.contrib.sessions.exceptions import SessionInterrupted
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation

from surveys import preferences

logger = logging.getLogger(__name__)

# Scripts only from this site, never inline. Styles allow inline attributes: charts and the
# heatmap colour cells with them; no user text ever reaches a style.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# The browsable API documentation pages run the documentation viewers' own inline scripts.
API_DOCS_POLICY = CONTENT_SECURITY_POLICY.replace(
    "script-src 'self'", "script-src 'self' 'unsafe-inline'"
)
API_DOCS_PATHS = ("/api/docs/", "/api/redoc/")
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = (
            API_DOCS_POLICY if request.path.startswith(API_DOCS_PATHS) else CONTENT_SECURITY_POLICY
        )
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


# The database went away mid-request: a restart, a failover, a dropped connection.
DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5
UNAVAILABLE_DETAIL = "The service is briefly unavailable; nothing was stored. Try again."


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """A clean 503 with Retry-After: JSON for the API, a page for people. Built without the
    database, and with the headers of the middleware it may have skipped."""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": UNAVAILABLE_DETAIL}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Permissions-Policy"] = PERMISSIONS_POLICY
    response.headers["X-Frame-Options"] = "DENY"
    # A survey path holds its token: never let it travel in a Referer header.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def caused_by_database(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, DATABASE_ERRORS):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


class DatabaseUnavailableMiddleware:
    """A view the database could not serve answers 503 with Retry-After, never 500. Its
    transaction was rolled back, so nothing half-done is stored and the client may simply
    retry (a survey token stays unused). The API's exception handler answers the same way for
    API views; this covers pages, the health check and templates rendered after the view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.warning("Database unavailable: %s", exception)
        return database_unavailable(request)


class SessionMiddleware(sessions.SessionMiddleware):
    """Django's, except that a session the database could not save once the view had answered
    is a 503 like any other moment the database is away: Django would call it an interrupted
    session (400), or fail with a 500 creating a new one."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        try:
            return super().process_response(request, response)
        except (SessionInterrupted, *DATABASE_ERRORS) as exc:
            if not caused_by_database(exc):
                raise
            logger.warning("Database unavailable saving a session: %r", exc)
            return database_unavailable(request)


class StaffLanguageMiddleware:
    """A signed-in HR admin or leader reads every page in the language they chose (kept in
    their session from their stored preference); others get LocaleMiddleware's choice. The
    survey page picks its own language per request and ignores both."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        try:
            language = session.get(preferences.SESSION_KEY) if session is not None else None
        except DATABASE_ERRORS:
            # The session could not be read: the view will meet the same and answer 503.
            language = None
        if language and request.user.is_authenticated:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
