"""API token authentication. Kept apart from the views so DRF can import it at settings time."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from ..models import ApiToken
from ..selectors import api_token_by_value
from ..services.tokens import TOKEN_PREFIX, api_token_mark_used


class TokenUser:
    """The principal of a request made with an API token."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    pk = None

    def __init__(self, token: ApiToken) -> None:
        self.token = token

    def get_username(self) -> str:
        return f"api-token:{self.token.name}"

    def get_full_name(self) -> str:
        return self.get_username()


class OrganizationTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer cs_…`. Unknown and revoked tokens get the same 401."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[TokenUser, ApiToken] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header.startswith(f"{self.keyword} "):
            return None
        token = header[len(self.keyword) + 1 :].strip()
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            raise exceptions.AuthenticationFailed("Invalid or revoked API token.")
        record = api_token_by_value(token=token)
        if record is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API token.")
        api_token_mark_used(token=record)
        return TokenUser(record), record

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "surveys.apis.auth.OrganizationTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A per-organization API token (cs_…), created by an HR admin.",
        }
