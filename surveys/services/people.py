"""People with access: the first run of a fresh install, invitations of HR admins and leaders
by email, and taking access away.

An invitation link is a signed, expiring value (`django.core.signing`) naming the invitation;
it works once, because accepting claims the invitation with a compare-and-swap on
`accepted_at`, and not at all once the invitation is revoked.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.mail import send_mail
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from core.outbox import outbox_enqueue

from ..errors import ServiceError
from ..models import AccessInvite, Department, Membership, Organization, Role
from ..selectors import setup_is_open, user_by_email

INVITE_SALT = "surveys.access-invite"
INVITE_DAYS = 7
SLUG_MAX = Organization._meta.get_field("slug").max_length


class SetupClosed(ServiceError):
    """The product is set up already: the first run is over."""


class InviteInvalid(ServiceError):
    """An invitation link that is unknown, used, revoked or expired: one answer for all."""

    def __init__(self) -> None:
        super().__init__(
            "This invitation link is not valid. It may have been used or withdrawn, or it is "
            f"more than {INVITE_DAYS} days old: ask your HR admin for a new one."
        )


def _lock_for_first_run() -> None:
    """Two first-run submissions at once must not both pass the emptiness check. SQLite runs
    every transaction IMMEDIATE (settings.py): the second waits for the first's commit.
    PostgreSQL gets a table lock that conflicts with itself, for the same effect."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Organization._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")


def user_create(*, email: str, name: str, password: str) -> AbstractBaseUser:
    """A staff user who signs in with their email; the caller has checked the password."""
    email = email.strip().lower()
    first, _, last = name.strip().partition(" ")
    return get_user_model().objects.create_user(
        username=email, email=email, password=password, first_name=first[:150], last_name=last[:150]
    )


@transaction.atomic
def organization_first_run(
    *,
    organization_name: str,
    min_group_size: int,
    email: str,
    name: str,
    password: str,
) -> tuple[Organization, AbstractBaseUser]:
    """Create the first organization and its first HR admin on a fresh install.

    Refused (SetupClosed) once any organization or user exists, so nobody can use it to take
    over an installed product; two submissions at once make one organization (see the lock).
    """
    _lock_for_first_run()
    if not setup_is_open():
        raise SetupClosed("This product is set up already. Sign in instead.")
    slug = slugify(organization_name)[:SLUG_MAX].strip("-") or "organization"
    organization = Organization.objects.create(
        name=organization_name.strip(), slug=slug, min_group_size=min_group_size
    )
    user = user_create(email=email, name=name, password=password)
    Membership.objects.create(user=user, organization=organization, role=Role.HR_ADMIN)
    return organization, user


# --- Invitations -----------------------------------------------------------------------------


def invite_token(*, invite: AccessInvite) -> str:
    return signing.dumps(invite.pk, salt=INVITE_SALT)


def invite_url(*, invite: AccessInvite) -> str:
    return settings.SITE_URL + reverse(
        "invite_accept", kwargs={"token": invite_token(invite=invite)}
    )


def invite_get_by_token(*, token: str) -> AccessInvite:
    """The pending invitation a link names; InviteInvalid when it is bad, expired, used or
    revoked (the same answer, so a link tells nothing about others)."""
    try:
        invite_id = signing.loads(token, salt=INVITE_SALT, max_age=INVITE_DAYS * 86400)
    except signing.BadSignature:
        raise InviteInvalid from None
    invite = (
        AccessInvite.objects.select_related("organization", "department")
        .filter(pk=invite_id, accepted_at__isnull=True, revoked_at__isnull=True)
        .first()
    )
    if invite is None:
        raise InviteInvalid
    return invite


@transaction.atomic
def access_invite(
    *,
    organization: Organization,
    email: str,
    role: str,
    department: Department | None = None,
    invited_by: AbstractBaseUser | None = None,
) -> tuple[AccessInvite | None, Membership | None]:
    """Invite someone as an HR admin or a leader (scoped to `department`'s subtree, leaders
    only). A person with an account already gets the membership at once and an email saying
    so; anyone else gets a link to set their name and password. Returns (invite, None) or
    (None, membership). The email goes once the transaction commits."""
    email = email.strip().lower()
    if role not in Role.values:
        raise ServiceError(f"role must be one of {', '.join(Role.values)}")
    if department is not None and department.organization_id != organization.pk:
        raise ServiceError("unknown department")
    department_id = department.pk if department and role == Role.LEADER else None
    user = user_by_email(email=email)
    if user is not None:
        current = Membership.objects.filter(user=user, organization=organization).first()
        if current is not None:
            raise ServiceError(
                f"{email} has access already, as {current.get_role_display()}. To change that, "
                "remove their access first."
            )
        membership = Membership.objects.create(
            user=user, organization=organization, role=role, department_id=department_id
        )
        outbox_enqueue("surveys.tasks.send_access_granted", membership.pk)
        return None, membership
    # A new invitation replaces any pending one for the same address.
    AccessInvite.objects.filter(
        organization=organization, email=email, accepted_at=None, revoked_at=None
    ).update(revoked_at=timezone.now())
    invite = AccessInvite.objects.create(
        organization=organization,
        email=email,
        role=role,
        department_id=department_id,
        invited_by=invited_by if invited_by and invited_by.pk else None,
    )
    outbox_enqueue("surveys.tasks.send_access_invite", invite.pk)
    return invite, None


def _mail(*, template: str, context: dict, to: str) -> None:
    context = context | {"site_url": settings.SITE_URL}
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    send_mail(subject, render_to_string(f"emails/{template}.txt", context), None, [to])


def access_invite_send(*, invite_id: int) -> bool:
    """Email a pending invitation its link. Sending twice is harmless: every link of an
    invitation works until one of them is used."""
    invite = (
        AccessInvite.objects.select_related("organization", "invited_by", "department")
        .filter(pk=invite_id, accepted_at=None, revoked_at=None)
        .first()
    )
    if invite is None:
        return False
    context = {
        "invite": invite,
        "organization": invite.organization,
        "url": invite_url(invite=invite),
        "days": INVITE_DAYS,
        "inviter": invite.invited_by.get_full_name() or invite.invited_by.email
        if invite.invited_by
        else "",
    }
    _mail(template="access_invite", context=context, to=invite.email)
    return True


def access_granted_send(*, membership_id: int) -> bool:
    """Tell someone who has an account already that they were given access."""
    membership = (
        Membership.objects.select_related("user", "organization").filter(pk=membership_id).first()
    )
    if membership is None or not membership.user.email:
        return False
    context = {
        "membership": membership,
        "organization": membership.organization,
        "url": settings.SITE_URL + reverse("login"),
    }
    _mail(template="access_granted", context=context, to=membership.user.email)
    return True


@transaction.atomic
def access_invite_accept(*, token: str, name: str, password: str) -> tuple[AbstractBaseUser, bool]:
    """Accept an invitation: the user is created with the invited email (leadership surveys
    find leaders by it), and given the role. Returns (user, whether it was created): an
    account made meanwhile for that email keeps its password and gets the role. A link works
    once (InviteInvalid after)."""
    invite = invite_get_by_token(token=token)
    claimed = AccessInvite.objects.filter(pk=invite.pk, accepted_at=None, revoked_at=None).update(
        accepted_at=timezone.now()
    )
    if claimed != 1:  # a double submit, or revoked meanwhile
        raise InviteInvalid
    user = user_by_email(email=invite.email)
    created = user is None
    if user is None:
        user = user_create(email=invite.email, name=name, password=password)
    Membership.objects.get_or_create(
        user=user,
        organization=invite.organization,
        defaults={"role": invite.role, "department_id": invite.department_id},
    )
    return user, created


def access_invite_revoke(*, invite: AccessInvite) -> bool:
    """Withdraw a pending invitation; its link stops working. Returns whether it was pending."""
    return bool(
        AccessInvite.objects.filter(pk=invite.pk, accepted_at=None, revoked_at=None).update(
            revoked_at=timezone.now()
        )
    )


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    """Take a person's access to the organization away; never the last HR admin's, so an
    organization always has someone to run it."""
    hr_admins = list(
        Membership.objects.select_for_update()
        .filter(organization_id=membership.organization_id, role=Role.HR_ADMIN)
        .values_list("pk", flat=True)
    )
    if membership.role == Role.HR_ADMIN and hr_admins == [membership.pk]:
        raise ServiceError(
            "This is the organization's last HR admin. Invite another HR admin first."
        )
    Membership.objects.filter(pk=membership.pk).delete()
