"""Single sign-on: who a person the OpenID Connect provider vouches for is in the product.

The provider's verified email address is matched to an account, never trusted to make one:

1. an account with that email (or username) signs in;
2. otherwise pending invitations to that address (the HR admin's "people" page) are accepted:
   the account is made then, without a password, with the invited roles;
3. otherwise, only when a configured provider group grants a role (below), the account is made
   with that role;
4. otherwise the sign-in is refused, and nothing is created.

Group roles (optional): a mapping of provider group names to roles, e.g.
``{"culture-hr": "hr_admin", "executives": "leader"}``, applied in one configured organization.
A person in a mapped group gets that role there when they have none, and a leader in a group
mapped to HR admin becomes an HR admin (of the whole organization). It only ever grants: it never
lowers or removes a role (that stays the HR admin's decision on the people page), groups nobody
configured grant nothing, and it never touches another organization.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from ..errors import ServiceError
from ..models import AccessInvite, Membership, Organization, Role
from ..selectors import user_by_email
from .people import INVITE_DAYS

# The stronger role wins when someone is in several mapped groups.
ROLE_RANK = {Role.LEADER: 1, Role.HR_ADMIN: 2}


class SsoRefused(ServiceError):
    """The provider vouched for someone the product does not let in; `reason` says why:
    "no_email", "unverified", "unknown" or "inactive"."""

    def __init__(self, reason: str, email: str = "") -> None:
        super().__init__(reason)
        self.reason, self.email = reason, email


@dataclass(frozen=True)
class GroupRoles:
    """Provider groups that grant a role in one organization (by its slug)."""

    organization_slug: str = ""
    roles: dict[str, str] = field(default_factory=dict)


def group_roles_parse(*, raw: str, organization_slug: str) -> GroupRoles:
    """`culture-hr=hr_admin,executives=leader` read strictly: a role that is not one stops with
    ImproperlyConfigured rather than granting something nobody meant."""
    roles = {}
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        group, sep, role = (piece.strip() for piece in item.partition("="))
        if not sep or not group or role not in Role.values:
            raise ImproperlyConfigured(
                f"OIDC_GROUP_ROLES: {item!r} is not group=role with a role among "
                f"{', '.join(Role.values)}."
            )
        roles[group] = role
    return GroupRoles(organization_slug=organization_slug, roles=roles)


def group_role(*, groups: list[str], mapping: GroupRoles) -> str | None:
    """The strongest role the person's groups grant, or None."""
    granted = [mapping.roles[g] for g in groups if isinstance(g, str) and g in mapping.roles]
    return max(granted, key=ROLE_RANK.__getitem__, default=None)


def _membership_grant(*, user: AbstractBaseUser, organization: Organization, role: str) -> None:
    membership = (
        Membership.objects.select_for_update().filter(user=user, organization=organization).first()
    )
    if membership is None:
        Membership.objects.create(user=user, organization=organization, role=role)
    elif ROLE_RANK[role] > ROLE_RANK[membership.role]:
        Membership.objects.filter(pk=membership.pk).update(role=role, department=None)


def _pending_invites(*, email: str) -> list[AccessInvite]:
    since = timezone.now() - dt.timedelta(days=INVITE_DAYS)
    return list(
        AccessInvite.objects.filter(
            email__iexact=email, accepted_at=None, revoked_at=None, created_at__gte=since
        ).order_by("pk")
    )


def _user_create_without_password(*, email: str, name: str) -> AbstractBaseUser:
    first, _, last = name.strip().partition(" ")
    user = get_user_model()(
        username=email, email=email, first_name=first[:150], last_name=last[:150]
    )
    user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def sso_user_match(
    *,
    email: str,
    email_verified: bool | None,
    name: str = "",
    groups: list[str] | None = None,
    mapping: GroupRoles | None = None,
) -> AbstractBaseUser:
    """The account the provider's identity signs in as (see the module's docstring), with the
    roles its invitations and configured groups give; SsoRefused when there is none."""
    email = (email or "").strip().lower()
    if not email:
        raise SsoRefused("no_email")
    if email_verified is False:  # a provider that says it did not check the address
        raise SsoRefused("unverified", email)
    mapping = mapping or GroupRoles()
    role = group_role(groups=list(groups or []), mapping=mapping)
    organization = (
        Organization.objects.filter(slug=mapping.organization_slug).first() if role else None
    )
    user = user_by_email(email=email)
    invites = _pending_invites(email=email)
    if user is None and not invites and organization is None:
        raise SsoRefused("unknown", email)
    if user is None:
        user = _user_create_without_password(email=email, name=name)
    if not user.is_active:
        raise SsoRefused("inactive", email)
    for invite in invites:
        claimed = AccessInvite.objects.filter(
            pk=invite.pk, accepted_at=None, revoked_at=None
        ).update(accepted_at=timezone.now())
        if claimed == 1:
            Membership.objects.get_or_create(
                user=user,
                organization_id=invite.organization_id,
                defaults={"role": invite.role, "department_id": invite.department_id},
            )
    if organization is not None:
        _membership_grant(user=user, organization=organization, role=role)
    return user
