"""What the API tests share: the base path and clients signed in by session or by API token."""

from rest_framework.test import APIClient

from surveys.services.tokens import api_token_create

BASE = "/api/v1/organizations"
ACME = f"{BASE}/acme"


def session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def bearer(organization, scope: str, name: str | None = None) -> APIClient:
    """A client with a new API token of the organization: read-only or read-write."""
    _record, token = api_token_create(
        organization=organization, name=name or f"{scope} key", scope=scope, user=None
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client
