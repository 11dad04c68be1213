"""Signing in with a password, for HR admins and leaders, and when it is refused.

An organization may sign in with single sign-on only (`Organization.password_sign_in` off). Its
members then get in through the OpenID Connect provider alone: a right password is refused and
no password reset is sent. While single sign-on is not configured the switch has no effect, so
an installation whose provider settings were removed never locks its organizations out.
"""

from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Membership
from .selectors import user_by_email

# Set in a session that single sign-on opened.
SESSION_VIA_SSO = "sso_signed_in"


def sso_configured() -> bool:
    """Single sign-on is on: a client id and a provider (its issuer, or its endpoints)."""
    return bool(
        settings.OIDC_RP_CLIENT_ID
        and (settings.OIDC_OP_ISSUER or settings.OIDC_OP_AUTHORIZATION_ENDPOINT)
    )


def sso_provider_name() -> str:
    return settings.OIDC_PROVIDER_NAME or str(_("single sign-on"))


def password_sign_in_refused(*, user: AbstractBaseUser) -> bool:
    """Whether a password may not sign this user in: one of their organizations signs in with
    single sign-on only (one is enough: a session opens every organization of its user)."""
    if not sso_configured() or user.pk is None:
        return False
    return Membership.objects.filter(user=user, organization__password_sign_in=False).exists()


class PasswordBackend(ModelBackend):
    """Django's password sign-in, refused for members of an organization that signs in with
    single sign-on only. It also ends their password sessions: Django asks the backend of a
    session again for its user on every request."""

    def user_can_authenticate(self, user: AbstractBaseUser) -> bool:
        return super().user_can_authenticate(user) and not password_sign_in_refused(user=user)


class SignInForm(auth_forms.AuthenticationForm):
    """The sign-in form. A right password refused because the organization uses single sign-on
    says so (`sso_only`); a wrong one gets the usual answer, so the page tells nothing about an
    account to someone who does not know its password."""

    sso_only = False

    def clean(self) -> dict:
        try:
            return super().clean()
        except ValidationError:
            user = user_by_email(email=self.cleaned_data.get("username") or "")
            password = self.cleaned_data.get("password") or ""
            refused = user is not None and password_sign_in_refused(user=user)
            if refused and user.check_password(password):
                self.sso_only = True
                raise ValidationError(
                    _("Your organization signs in with %(provider)s only."),
                    code="sso_only",
                    params={"provider": sso_provider_name()},
                ) from None
            raise


class PasswordResetForm(auth_forms.PasswordResetForm):
    """No reset email for members of an organization that signs in with single sign-on only; the
    page answers as for any address, so it tells nothing about who has an account."""

    def get_users(self, email: str):
        for user in super().get_users(email):
            if not password_sign_in_refused(user=user):
                yield user
