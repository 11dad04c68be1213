"""An HR admin's or a leader's own choices: the interface's language.

The choice is stored (StaffPreference) and copied into the session when they sign in, so every
page reads it without a query (culturesurvey.middleware.StaffLanguageMiddleware).
"""

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .models import StaffPreference

SESSION_KEY = "staff_language"


def staff_language_set(*, request: HttpRequest, language: str) -> bool:
    """Remember a signed-in person's interface language; False for an unknown language."""
    if language not in dict(settings.LANGUAGES):
        return False
    if request.user.is_authenticated:
        StaffPreference.objects.update_or_create(user=request.user, defaults={"language": language})
        request.session[SESSION_KEY] = language
    return True


def staff_language_on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any):
    """On sign-in: the stored choice into the session (signal user_logged_in)."""
    if request is None or not hasattr(request, "session"):
        return
    language = StaffPreference.objects.filter(user=user).values_list("language", flat=True).first()
    if language:
        request.session[SESSION_KEY] = language
