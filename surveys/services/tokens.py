"""API tokens for integrations: made once, shown once, kept as a SHA-256 hash, revoked."""

import hashlib
import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from ..errors import ServiceError
from ..models import ApiToken, Organization, TokenScope

TOKEN_PREFIX = "cs_"  # noqa: S105 (a prefix, not a secret)


def api_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_create(
    *, organization: Organization, name: str, scope: str, user: AbstractBaseUser | None
) -> tuple[ApiToken, str]:
    """A new token; the plain value is returned once and never stored."""
    if scope not in TokenScope.values:
        raise ServiceError(f"scope must be one of {', '.join(TokenScope.values)}")
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


def api_token_mark_used(*, token: ApiToken) -> None:
    """Note the day a token was last used: at most one write per token a day."""
    today = timezone.localdate()
    if token.last_used_on != today:
        ApiToken.objects.filter(pk=token.pk).update(last_used_on=today)


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke a token; it stops working at once. Revoking twice changes nothing."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    return token
