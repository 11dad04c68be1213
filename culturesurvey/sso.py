"""Single sign-on for HR admins and leaders with OpenID Connect, through mozilla-django-oidc.

Off until OIDC_CLIENT_ID and the provider are set (settings.py): its pages answer 404 and its
backend signs no one in. Settings are read on each request, never at import, so the provider can
be discovered late from its issuer (and tests can point at a provider of their own). Who a
vouched-for person is in the product is decided by `surveys.services.sso`.
"""

import logging
import time
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from surveys.auth import (
    SESSION_VIA_SSO,
    PasswordResetForm,
    SignInForm,
    sso_configured,
    sso_provider_name,
)
from surveys.services.sso import SsoRefused, group_roles_parse, sso_user_match

logger = logging.getLogger(__name__)

# Endpoint settings that the issuer's discovery document fills when they are not set.
DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_END_SESSION_ENDPOINT": "end_session_endpoint",
}
DISCOVERY_SECONDS = 3600
_discovered: dict[str, tuple[float, dict]] = {}  # issuer -> (when fetched, document)
SESSION_REFUSED = "sso_refused"


class ProviderUnavailable(Exception):
    """The provider's discovery document could not be read."""


def provider_configuration(issuer: str) -> dict:
    """The issuer's discovery document, kept for an hour. Its `issuer` must be the one
    configured (OpenID Connect Discovery, section 4.3)."""
    fetched = _discovered.get(issuer)
    if fetched and time.monotonic() - fetched[0] < DISCOVERY_SECONDS:
        return fetched[1]
    try:
        response = requests.get(
            f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT
        )
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(str(error)) from error
    if not isinstance(document, dict) or document.get("issuer", "").rstrip("/") != issuer:
        raise ProviderUnavailable(f"the discovery document of {issuer} names another issuer")
    _discovered[issuer] = (time.monotonic(), document)
    return document


def sso_setting(name: str, *default):
    """A mozilla-django-oidc setting, an endpoint discovered from the issuer when unset."""
    value = getattr(settings, name, None)
    if not value and name in DISCOVERED and settings.OIDC_OP_ISSUER:
        value = provider_configuration(settings.OIDC_OP_ISSUER).get(DISCOVERED[name])
    if value in (None, ""):
        return default[0] if default else None
    return value


def axes_not_a_password(request: HttpRequest, credentials: dict | None) -> bool:
    """For django-axes: a single sign-on attempt is no password guess (no lock-out)."""
    return "password" not in (credentials or {})


class SsoBackend(OIDCAuthenticationBackend):
    """The authorization code flow of mozilla-django-oidc, matching people by their verified
    email (`sso_user_match`), and checking the ID token's issuer and audience too."""

    def __init__(self, *args, **kwargs) -> None:
        # Django builds every backend for every sign-in, passwords included: read nothing (and
        # fetch nothing from the provider) until an OpenID Connect callback arrives.
        self.UserModel = auth.get_user_model()

    @staticmethod
    def get_settings(attr, *args):
        return sso_setting(attr, *args)

    def authenticate(self, request, **kwargs):
        if request is None or "nonce" not in kwargs or not sso_configured():
            return None
        super().__init__()
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token is for another client.")
        issuer = settings.OIDC_OP_ISSUER
        if issuer and str(payload.get("iss", "")).rstrip("/") != issuer:
            raise SuspiciousOperation("The ID token comes from another issuer.")
        return payload

    def get_user(self, user_id):
        # As for passwords: a switched-off account's session ends at its next request.
        return ModelBackend.get_user(self, user_id)

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub", payload.get("sub")) != payload.get("sub"):
            raise SuspiciousOperation("The userinfo is about someone else than the ID token.")
        claims = payload | userinfo
        groups = claims.get(settings.OIDC_GROUPS_CLAIM) or []
        try:
            return sso_user_match(
                email=claims.get("email") or "",
                email_verified=claims.get("email_verified"),
                name=claims.get("name") or "",
                groups=groups if isinstance(groups, list) else [groups],
                mapping=group_roles_parse(
                    raw=settings.OIDC_GROUP_ROLES,
                    organization_slug=settings.OIDC_GROUP_ORGANIZATION,
                ),
            )
        except SsoRefused as refused:
            logger.info("single sign-on refused: %s", refused.reason)
            self.request.session[SESSION_REFUSED] = {
                "reason": refused.reason,
                "email": refused.email,
            }
            return None


class SsoStartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider's sign-in page."""

    def __init__(self, *args, **kwargs) -> None:
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    @staticmethod
    def get_settings(attr, *args):
        return sso_setting(attr, *args)

    def get(self, request):
        if not sso_configured():
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = self.get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except ProviderUnavailable as error:
            logger.warning("single sign-on provider unavailable: %s", error)
            messages.error(request, _("The sign-in service is not answering. Try again shortly."))
            return redirect("login")
        self.OIDC_RP_CLIENT_ID = self.get_settings("OIDC_RP_CLIENT_ID")
        return super().get(request)


class SsoCallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back: signs the person in, or shows why not."""

    @staticmethod
    def get_settings(attr, *args):
        return sso_setting(attr, *args)

    @property
    def failure_url(self) -> str:
        return reverse("sso_refused")

    def get(self, request):
        if not sso_configured():
            raise Http404
        try:
            return super().get(request)
        except (ProviderUnavailable, requests.RequestException, SuspiciousOperation) as error:
            logger.warning("single sign-on failed: %s", error)
            request.session[SESSION_REFUSED] = {"reason": "failed", "email": ""}
            return self.login_failure()

    def login_success(self):
        response = super().login_success()
        self.request.session[SESSION_VIA_SSO] = True
        return response


REFUSALS = {
    "unknown": gettext_lazy(
        "There is no account for %(email)s. Ask your HR admin to invite you with this "
        "address, then sign in again."
    ),
    "unverified": gettext_lazy(
        "Your sign-in service has not confirmed the address %(email)s, so it cannot be "
        "matched to an account."
    ),
    "no_email": gettext_lazy(
        "Your sign-in service did not tell us your email address, so it cannot be matched to "
        "an account. Ask your IT team to share it with this application."
    ),
    "inactive": gettext_lazy("The account for %(email)s is switched off. Ask your HR admin."),
}


def sso_refused(request: HttpRequest) -> HttpResponse:
    """Why a single sign-on did not sign anyone in: refused, or failed on the way."""
    if not sso_configured():
        raise Http404
    refusal = request.session.pop(SESSION_REFUSED, None) or {"reason": "failed", "email": ""}
    text = REFUSALS.get(refusal["reason"]) or gettext_lazy(
        "Single sign-on did not complete. Try again; if it keeps failing, ask your IT team."
    )
    context = {"text": str(text) % {"email": refusal["email"]}, "sso": sso_context()}
    return render(request, "registration/sso_refused.html", context, status=403)


def sso_context() -> dict:
    return {"enabled": sso_configured(), "provider": sso_provider_name()}


class SignInView(auth_views.LoginView):
    """The sign-in page: a password, and "Sign in with <provider>" when single sign-on is on."""

    authentication_form = SignInForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"sso": sso_context()}


def password_reset_view():
    return auth_views.PasswordResetView.as_view(
        form_class=PasswordResetForm,
        email_template_name="emails/password_reset.txt",
        subject_template_name="emails/password_reset_subject.txt",
        extra_email_context={"site_url": settings.SITE_URL},
    )


def _provider_sign_out_url(request: HttpRequest) -> str | None:
    """The provider's end-session address, for a session that single sign-on opened."""
    if not (settings.OIDC_PROVIDER_SIGN_OUT and sso_configured()):
        return None
    if not request.session.get(SESSION_VIA_SSO):
        return None
    try:
        endpoint = sso_setting("OIDC_OP_END_SESSION_ENDPOINT")
    except ProviderUnavailable:
        return None
    if not endpoint:
        return None
    params = {
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
    }
    if request.session.get("oidc_id_token"):
        params["id_token_hint"] = request.session["oidc_id_token"]
    return f"{endpoint}?{urlencode(params)}"


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """Ends the product's session; after single sign-on, also the provider's where it offers
    RP-initiated logout (its end_session_endpoint), which then sends the browser back here."""
    provider = _provider_sign_out_url(request)
    auth.logout(request)
    if provider is None:
        return HttpResponseRedirect(reverse("login"))
    # A page that moves on by itself, not a redirect: the sign-out form's own redirect to
    # another site would break the Content-Security-Policy's form-action 'self'.
    return render(
        request,
        "registration/signed_out.html",
        {"provider_url": provider, "provider": sso_provider_name()},
    )
