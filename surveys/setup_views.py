"""Setting up in the browser: the first run of a fresh install, the department tree, and the
people with access (invitations by email). Only HR admins of the organization reach the
organization's pages; every change is a POST, and every removal asks first."""

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .auth import sso_configured, sso_provider_name
from .errors import FieldsInvalid, ServiceError
from .forms import (
    AccessInviteForm,
    DepartmentForm,
    FirstRunForm,
    InviteAcceptForm,
    department_choices,
)
from .models import Department, Role
from .selectors import (
    access_invite_get,
    access_invites_pending,
    department_get,
    department_tree,
    department_uses_text,
    member_get,
    members_list,
    membership_get,
    setup_is_open,
)
from .services.organizations import department_delete, department_save
from .services.people import (
    INVITE_DAYS,
    InviteInvalid,
    SetupClosed,
    access_invite,
    access_invite_accept,
    access_invite_revoke,
    invite_get_by_token,
    membership_remove,
    organization_first_run,
)
from .views import HR, _org_context, _status

# Users made here sign in with the password they chose; the sign-in guard (axes) is a backend
# too, so the one that checks passwords is named.
SIGN_IN_BACKEND = "surveys.auth.PasswordBackend"


# --- The first run ---------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def first_run(request: HttpRequest) -> HttpResponse:
    """The first organization and its first HR admin, on a fresh install only: once anything
    exists this page is gone (404), so nobody can take over an installed product with it."""
    if not setup_is_open():
        raise Http404
    form = FirstRunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organization, user = organization_first_run(
                organization_name=data["organization_name"],
                min_group_size=data["min_group_size"],
                email=data["email"],
                name=data["name"],
                password=data["password1"],
            )
        except SetupClosed:
            raise Http404 from None
        login(request, user, backend=SIGN_IN_BACKEND)
        messages.success(
            request,
            _(
                "%(org)s is ready, and you are its HR admin. "
                "The checklist below shows what comes next."
            )
            % {"org": organization.name},
        )
        return redirect("organization", slug=organization.slug)
    return render(request, "surveys/first_run.html", {"form": form}, status=_status(form))


# --- Departments -----------------------------------------------------------------------------


def _departments_page(
    request: HttpRequest, membership, *, form: DepartmentForm | None = None
) -> HttpResponse:
    tree = department_tree(reach=membership)
    form = form or DepartmentForm(choices=department_choices(tree))
    context = _org_context(membership) | {"tree": tree, "form": form}
    return render(request, "surveys/departments.html", context, status=_status(form))


def _department_save(
    form: DepartmentForm, membership, department: Department | None
) -> Department | None:
    """Save through the service; its refusal goes next to the field it is about."""
    if not form.is_valid():
        return None
    parent_id = form.cleaned_data["parent"]
    parent = department_get(reach=membership, department_id=parent_id) if parent_id else None
    try:
        return department_save(
            organization=membership.organization,
            department=department,
            name=form.cleaned_data["name"],
            parent_name=parent.name if parent else None,
        )
    except FieldsInvalid as exc:
        for field, problem in exc.errors.items():
            form.add_error(field if field in form.fields else None, problem)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def departments(request: HttpRequest, slug: str) -> HttpResponse:
    membership = membership_get(user=request.user, slug=slug, roles=HR)
    if request.method != "POST":
        return _departments_page(request, membership)
    tree = department_tree(reach=membership)
    form = DepartmentForm(request.POST, choices=department_choices(tree))
    saved = _department_save(form, membership, None)
    if saved is None:
        return _departments_page(request, membership, form=form)
    messages.success(request, _("Added the department %(name)s.") % {"name": saved.name})
    return redirect("departments", slug=slug)


@login_required
@require_http_methods(["GET", "POST"])
def department_edit(request: HttpRequest, slug: str, department_id: int) -> HttpResponse:
    """Rename a department or move it below another (never below itself)."""
    membership = membership_get(user=request.user, slug=slug, roles=HR)
    department = department_get(reach=membership, department_id=department_id)
    choices = department_choices(department_tree(reach=membership), outside=department)
    initial = {"name": department.name, "parent": department.parent_id}
    if request.method == "POST":
        form = DepartmentForm(request.POST, choices=choices)
        if _department_save(form, membership, department) is not None:
            messages.success(request, _("Saved %(name)s.") % {"name": form.cleaned_data["name"]})
            return redirect("departments", slug=slug)
    else:
        form = DepartmentForm(initial=initial, choices=choices)
    context = _org_context(membership) | {"department": department, "form": form}
    return render(request, "surveys/department_edit.html", context, status=_status(form))


def _confirm(request: HttpRequest, membership, **context: Any) -> HttpResponse:
    """The page that asks before anything is removed; it works without JavaScript."""
    status = 400 if context.get("refusal") and request.method == "POST" else 200
    return render(
        request, "surveys/confirm_removal.html", _org_context(membership) | context, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def department_remove(request: HttpRequest, slug: str, department_id: int) -> HttpResponse:
    membership = membership_get(user=request.user, slug=slug, roles=HR)
    department = department_get(reach=membership, department_id=department_id)
    page = {
        "title": _("Delete the department %(name)s?") % {"name": department.name},
        "question": _("It is removed from the department tree. This cannot be undone."),
        "button": _("Delete department"),
        "cancel": "departments",
    }
    if request.method == "POST":
        try:
            department_delete(department=department)
        except ServiceError as exc:
            return _confirm(request, membership, refusal=exc.message, **page)
        messages.success(request, _("Deleted the department %(name)s.") % {"name": department.name})
        return redirect("departments", slug=slug)
    uses = next(
        r["uses"] for r in department_tree(reach=membership) if r["department"] == department
    )
    refusal = ""
    if uses:
        listed = department_uses_text(uses)
        refusal = _(
            "%(name)s cannot be deleted while it is in use (%(uses)s). Move or rename it instead."
        ) % {"name": department.name, "uses": listed}
    return _confirm(request, membership, refusal=refusal, **page)


# --- People with access ----------------------------------------------------------------------


def _people_page(
    request: HttpRequest, membership, *, form: AccessInviteForm | None = None
) -> HttpResponse:
    choices = department_choices(department_tree(reach=membership))
    context = _org_context(membership) | {
        "members": members_list(reach=membership),
        "invites": access_invites_pending(reach=membership),
        "form": form or AccessInviteForm(choices=choices),
        "invite_days": INVITE_DAYS,
    }
    return render(
        request, "surveys/people.html", context, status=_status(*([form] if form else []))
    )


@login_required
@require_http_methods(["GET", "POST"])
def people(request: HttpRequest, slug: str) -> HttpResponse:
    """Who has access (HR admins, leaders) and who is invited; invite by email."""
    membership = membership_get(user=request.user, slug=slug, roles=HR)
    if request.method != "POST":
        return _people_page(request, membership)
    choices = department_choices(department_tree(reach=membership))
    form = AccessInviteForm(request.POST, choices=choices)
    if not form.is_valid():
        return _people_page(request, membership, form=form)
    department_id = form.cleaned_data["department"]
    try:
        invite, added = access_invite(
            organization=membership.organization,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            department=department_get(reach=membership, department_id=department_id)
            if department_id
            else None,
            invited_by=request.user,
        )
    except ServiceError as exc:
        form.add_error("email", exc.message)
        return _people_page(request, membership, form=form)
    if invite is not None:
        messages.success(
            request,
            _("Invitation sent to %(email)s. The link works for %(days)d days.")
            % {"email": invite.email, "days": INVITE_DAYS},
        )
    else:
        messages.success(
            request,
            _("%(email)s already had an account: they have access now, and an email says so.")
            % {"email": added.user.email},
        )
    return redirect("people", slug=slug)


@login_required
@require_http_methods(["GET", "POST"])
def invite_revoke(request: HttpRequest, slug: str, invite_id: int) -> HttpResponse:
    membership = membership_get(user=request.user, slug=slug, roles=HR)
    invite = access_invite_get(reach=membership, invite_id=invite_id)
    if request.method == "POST":
        access_invite_revoke(invite=invite)
        messages.success(
            request, _("Withdrew the invitation of %(email)s.") % {"email": invite.email}
        )
        return redirect("people", slug=slug)
    return _confirm(
        request,
        membership,
        title=_("Withdraw the invitation of %(email)s?") % {"email": invite.email},
        question=_("The link in their email stops working. You can invite them again later."),
        button=_("Withdraw invitation"),
        cancel="people",
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    membership = membership_get(user=request.user, slug=slug, roles=HR)
    member = member_get(reach=membership, membership_id=membership_id)
    who = member.user.email or member.user.get_username()
    page = {
        "title": _("Remove the access of %(who)s?") % {"who": who},
        "question": _(
            "They can no longer sign in to %(org)s. Their account stays; you can invite them again."
        )
        % {"org": membership.organization.name},
        "button": _("Remove access"),
        "cancel": "people",
    }
    if request.method == "POST":
        try:
            membership_remove(membership=member)
        except ServiceError as exc:
            return _confirm(request, membership, refusal=exc.message, **page)
        messages.success(request, _("Removed the access of %(who)s.") % {"who": who})
        if member.pk == membership.pk:
            return redirect("home")
        return redirect("people", slug=slug)
    hr_admins = members_list(reach=membership).filter(role=Role.HR_ADMIN).count()
    if member.role == Role.HR_ADMIN and hr_admins == 1:
        page["refusal"] = _(
            "%(who)s is the organization's last HR admin. Invite another HR admin first."
        ) % {"who": who}
    return _confirm(request, membership, **page)


# --- Accepting an invitation -----------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def invite_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Where an invitation's link leads: set a name and password, then in. The product's
    Referrer-Policy (same-origin) keeps the link's token from other sites; no-referrer, as
    on survey pages, would make the browser send `Origin: null` and fail the CSRF check."""
    try:
        invite = invite_get_by_token(token=token)
    except InviteInvalid as exc:
        return _invite_invalid(request, exc)
    if not invite.organization.password_sign_in and sso_configured():
        # The organization signs in with single sign-on only: no password to set. Signing in
        # through the provider with the invited address accepts the invitation.
        context = {"invite": invite, "sso_provider": sso_provider_name()}
        return render(request, "surveys/invite_accept_sso.html", context)
    form = InviteAcceptForm(request.POST or None, email=invite.email)
    if request.method == "POST" and form.is_valid():
        try:
            user, created = access_invite_accept(
                token=token, name=form.cleaned_data["name"], password=form.cleaned_data["password1"]
            )
        except InviteInvalid as exc:
            return _invite_invalid(request, exc)
        if not created:  # an account of that email exists: it keeps its own password
            messages.success(
                request,
                _("You have access to %(org)s now. Sign in with your account.")
                % {"org": invite.organization.name},
            )
            return redirect("login")
        login(request, user, backend=SIGN_IN_BACKEND)
        messages.success(
            request,
            _("Welcome to %(org)s. Next time, sign in with %(email)s.")
            % {"org": invite.organization.name, "email": user.get_username()},
        )
        return redirect("home")
    context = {"form": form, "invite": invite, "is_leader": invite.role == Role.LEADER}
    return render(request, "surveys/invite_accept.html", context, status=_status(form))


def _invite_invalid(request: HttpRequest, exc: InviteInvalid) -> HttpResponse:
    return render(request, "surveys/invite_invalid.html", {"message": exc.message}, status=404)
