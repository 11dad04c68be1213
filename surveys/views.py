"""Pages. Views parse input, call a selector or service, and render; no business logic here."""

import math
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

from core.apis.base import SurveyRateThrottle

from .auth import SESSION_VIA_SSO, sso_configured, sso_provider_name
from .errors import AnswersInvalid, DefinitionError, ImportRejected, InvalidToken, ServiceError
from .forms import (
    BankAdoptForm,
    DefinitionUploadForm,
    HistoryImportForm,
    LeaverForm,
    RosterImportForm,
    SignInSettingsForm,
    ValueForm,
    WaveLaunchForm,
)
from .models import (
    Campaign,
    CampaignKind,
    CompanyValue,
    Organization,
    Perspective,
    Question,
    QuestionType,
    Role,
    SegmentAttribute,
)
from .preferences import staff_language_set
from .selectors import (
    campaign_get_for_user,
    campaign_waves,
    campaigns_overview,
    department_paths,
    employee_count,
    employee_get_for_user,
    employees_list,
    imported_response_count,
    invitation_get_by_token,
    membership_get,
    memberships_for_user,
    questions_asked,
    questions_list,
    round_open_waves_besides,
    segment_name,
    setup_checklist,
    setup_is_open,
    submission_questions,
    submission_target_by_token,
    value_count,
    value_get,
    values_list,
    wave_get_for_user,
    wave_invitations,
    wave_response_counts,
    wave_response_rates,
    waves_recent,
)
from .services.automation import wave_send_reminders
from .services.campaigns import (
    campaign_is_locked,
    campaign_questions,
    organization_today,
    wave_close,
    wave_launch,
    wave_launch_preview,
)
from .services.definitions import (
    definition_dump,
    organization_export_definition,
    organization_load_definition,
)
from .services.invitations import employee_language
from .services.organizations import organization_password_sign_in_set
from .services.question_bank import bank_values, question_bank_adopt
from .services.responses import answers_validate, response_accept, responses_import
from .services.roster import employee_mark_leaver, roster_import
from .translations import (
    language_name,
    language_or,
    survey_missing_translations,
    translated,
    translations_of,
)

HR = (Role.HR_ADMIN,)

AGREEMENT = [
    gettext_lazy("Strongly disagree"),
    gettext_lazy("Disagree"),
    gettext_lazy("Neither agree nor disagree"),
    gettext_lazy("Agree"),
    gettext_lazy("Strongly agree"),
]
EXTENT = [
    gettext_lazy("Not at all"),
    gettext_lazy("Slightly"),
    gettext_lazy("Partly"),
    gettext_lazy("Mostly"),
    gettext_lazy("Fully"),
]
SCALE_LABELS = {Perspective.LEADER: EXTENT}


# --- Employees: the anonymous survey ------------------------------------------------------


def no_referrer(response: HttpResponse) -> HttpResponse:
    """A survey URL holds the token; never let it travel in a Referer header."""
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response


def survey_items(
    questions: list[Question],
    posted: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    language: str | None = None,
    default: str | None = None,
) -> list[dict]:
    """Questions grouped by value, in order, with the scale each one shows, their texts in
    `language` where translated, else in the organization's `default` language (and then
    `shown_in` names the language they are in, for a visible note and a lang attribute)."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    default = default or language
    sections: list[dict] = []
    for question in questions:
        if question.value:
            title, title_in = translated(question.value, "name", language, default)
        else:
            title, title_in = _("General"), language
        if not sections or sections[-1]["title"] != title:
            sections.append({"title": title, "title_lang": title_in, "items": []})
        labels = SCALE_LABELS.get(question.perspective, AGREEMENT)
        text, text_in = translated(question, "text", language, default)
        if question.type == QuestionType.LIKERT:
            options = [(str(n), labels[n - 1]) for n in range(1, 6)]
        elif question.type == QuestionType.RECOMMEND:
            options = [(str(n), str(n)) for n in range(11)]
        elif question.type == QuestionType.CHOICE:
            # The answer stores the default language's choice; the respondent reads theirs.
            shown, _in = translated(question, "choices", text_in, default)
            canonical = list(question.choices)
            options = [(c, shown[i] if i < len(shown) else c) for i, c in enumerate(canonical)]
        else:
            options = []
        sections[-1]["items"].append(
            {
                "question": question,
                "text": text,
                "shown_in": text_in if text_in != language else "",
                "shown_in_name": language_name(text_in),
                "options": options,
                "value": (posted or {}).get(question.code, ""),
                "error": (errors or {}).get(question.code, ""),
            }
        )
    return sections


def survey_languages(current: str) -> list[dict[str, Any]]:
    """The survey page's language switcher: every language, named in itself."""
    return [
        {"code": code, "name": name, "current": code == current}
        for code, name in settings.LANGUAGES
    ]


# Seconds a respondent takes per item, by type: a scale is read and tapped, a comment written.
SECONDS_PER_ITEM = {QuestionType.TEXT: 60, QuestionType.PERCENT: 15, QuestionType.CHOICE: 10}
SECONDS_PER_RATED_ITEM = 8


def survey_minutes(questions: list[Question]) -> int:
    """The one time estimate a survey page gives, from its items, rounded up."""
    seconds = sum(SECONDS_PER_ITEM.get(q.type, SECONDS_PER_RATED_ITEM) for q in questions)
    return max(1, math.ceil(seconds / 60))


def survey_throttled(request: HttpRequest) -> HttpResponse | None:
    """A plain 429 page when this address has sent too many survey requests (pages and API
    share the limit, SURVEY_API_RATE); None when the request may go on."""
    throttle = SurveyRateThrottle()
    if throttle.allow_request(request, None):
        return None
    response = render(request, "surveys/survey_throttled.html", status=429)
    response["Retry-After"] = str(max(1, math.ceil(throttle.wait() or 1)))
    return no_referrer(response)


@csrf_exempt  # the unguessable token in the URL is what authorises the post; no cookie is set
@never_cache
@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    if limited := survey_throttled(request):
        return limited
    errors: dict[str, str] = {}
    posted: dict[str, Any] = {}
    asked_first = False
    # The language is the respondent's choice on this page (`lang`, in the link or the form),
    # else the roster's. It is never kept in a cookie or the session: the next person on the
    # same device opens their own link in their own language.
    chosen = (
        request.POST.get("switch_language")
        or request.POST.get("lang")
        or request.GET.get("lang", "")
    )
    try:
        if request.method == "POST":
            # The common case first, on the same path as the API: accept and move on.
            target = submission_target_by_token(token=token)
            specs = submission_questions(campaign_id=target.campaign_id, asked=target.asked)
            posted = {q.code: request.POST.get(q.code, "") for q in specs}
            try:
                if request.POST.get("switch_language"):
                    # Another language, the answers given so far kept; nothing is sent.
                    answers_validate(questions=specs, answers=posted)
                    asked_first = False
                else:
                    answered = len(answers_validate(questions=specs, answers=posted))
                    # Fewer than half answered is often a slip (Enter in a field, a stray
                    # tap): ask before the link is used up; the answers come back as sent.
                    confirmed = request.POST.get("confirm_partial") == "1"
                    asked_first = 2 * answered < len(specs) and not confirmed
                    if not asked_first:
                        response_accept(
                            token=token,
                            answers=posted,
                            target=target,
                            language=language_or(chosen, ""),
                        )
                        done = reverse("survey_done")
                        if chosen := language_or(chosen, ""):
                            done += f"?lang={chosen}"  # the thanks in the survey's language
                        return no_referrer(HttpResponseRedirect(done))
            except AnswersInvalid as exc:
                # Switching before answering anything is not a mistake to report.
                if not (request.POST.get("switch_language") and set(exc.errors) == {"answers"}):
                    errors = exc.errors
        invitation = invitation_get_by_token(token=token)
    except InvalidToken as exc:
        return no_referrer(
            render(request, "surveys/survey_invalid.html", {"message": exc.message}, status=404)
        )
    campaign = invitation.wave.campaign
    organization = campaign.organization
    language = language_or(
        chosen, employee_language(employee=invitation.employee, organization=organization)
    )
    questions = campaign_questions(campaign=campaign, wave=invitation.wave)
    with translation.override(language):
        intro, intro_in = translated(campaign, "intro", language, organization.language)
        sections = survey_items(questions, posted, errors, language, organization.language)
        context = {
            "campaign": campaign,
            "organization": organization,
            "sections": sections,
            "intro": intro,
            "intro_lang": intro_in if intro_in != language else "",
            "language": language,
            "languages": survey_languages(language),
            "untranslated": any(i["shown_in"] for s in sections for i in s["items"]),
            "default_language_name": language_name(organization.language),
            "total": len(questions),
            "errors": errors,
            "general_error": errors.get("answers"),
            "minutes": survey_minutes(questions),
            "answered": sum(1 for q in questions if str(posted.get(q.code, "")).strip()),
            "confirm_partial": asked_first,
            "is_leadership": campaign.kind == CampaignKind.LEADERSHIP,
            "kept_attributes": [SegmentAttribute(a).label for a in campaign.kept_attributes]
            if campaign.kind != CampaignKind.LEADERSHIP
            else [],
            "min_group_size": campaign.min_group_size,
        }
        status = 400 if errors else 200
        response = render(request, "surveys/survey.html", context, status=status)
    response["Content-Language"] = language
    return no_referrer(response)


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers and the compose health check: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def survey_done(request: HttpRequest) -> HttpResponse:
    language = language_or(request.GET.get("lang"), translation.get_language())
    with translation.override(language):
        return no_referrer(render(request, "surveys/survey_done.html"))


def privacy(request: HttpRequest) -> HttpResponse:
    return no_referrer(render(request, "surveys/privacy.html"))


# --- Staff pages ------------------------------------------------------------------------
#
# Input comes through the forms of surveys/forms.py; a service's refusal is handed back to the
# form, so it shows next to the field it is about, with status 400 and nothing changed.


@require_POST
def language_choose(request: HttpRequest) -> HttpResponse:
    """The staff header's language chooser: Django's set_language (a cookie, and back to the
    page), and for someone signed in, their stored preference too. URLs stay the same."""
    staff_language_set(request=request, language=request.POST.get("language", ""))
    return set_language(request)


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        # A fresh install has no one to sign in yet: its first run sets it up.
        if setup_is_open():
            return redirect("first_run")
        return redirect_to_login(request.get_full_path())
    memberships = list(memberships_for_user(user=request.user))
    if len(memberships) == 1:
        only = memberships[0]
        # Leaders land on their organization's latest gap report.
        target = "report" if only.role == Role.LEADER else "organization"
        return redirect(target, slug=only.organization.slug)
    return render(request, "surveys/home.html", {"memberships": memberships})


def _org_context(membership) -> dict[str, Any]:
    return {
        "membership": membership,
        "organization": membership.organization,
        "is_hr": membership.role == Role.HR_ADMIN,
    }


def _status(*forms_shown: forms.Form, problems: Any = None) -> int:
    return 400 if problems or any(f.is_bound and f.errors for f in forms_shown) else 200


@login_required
def organization(request: HttpRequest, slug: str) -> HttpResponse:
    membership = membership_get(user=request.user, slug=slug)
    waves = waves_recent(reach=membership)
    counts = wave_response_counts(waves=waves)
    for wave in waves:
        wave.counts = counts[wave.pk]
    context = _org_context(membership) | {
        "sso_enabled": sso_configured(),
        "sso_provider": sso_provider_name(),
        "campaigns": list(campaigns_overview(reach=membership)),
        "waves": waves,
        "employee_count": employee_count(reach=membership),
        "value_count": value_count(reach=membership),
        "checklist": setup_checklist(reach=membership)
        if membership.role == Role.HR_ADMIN
        else None,
    }
    return render(request, "surveys/organization.html", context)


@login_required
@require_POST
def organization_sign_in(request: HttpRequest, slug: str) -> HttpResponse:
    """The HR admin's switch for password sign-in (off: single sign-on only)."""
    membership = membership_get(user=request.user, slug=slug, roles=HR)
    form = SignInSettingsForm(request.POST)
    if form.is_valid():
        allowed = form.cleaned_data["password_sign_in"]
        try:
            organization_password_sign_in_set(
                organization=membership.organization,
                allowed=allowed,
                signed_in_with_sso=bool(request.session.get(SESSION_VIA_SSO)),
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Members may sign in with a password.")
                if allowed
                else _("Members sign in with %(provider)s only.")
                % {"provider": sso_provider_name()},
            )
    return redirect("organization", slug=slug)


def _roster_page(
    request: HttpRequest,
    membership,
    *,
    form: RosterImportForm,
    import_errors: list | None = None,
    leaver: tuple[int, LeaverForm] | None = None,
) -> HttpResponse:
    org = membership.organization
    query = request.GET.get("q", "").strip()
    employees = employees_list(reach=membership, filters={"q": query})
    page = Paginator(employees, 50).get_page(request.GET.get("page"))
    paths = department_paths(organization=org)
    for employee in page.object_list:
        employee.department_path = paths.get(employee.department_id, "")
    context = _org_context(membership) | {
        "page": page,
        "query": query,
        "form": form,
        "import_errors": import_errors,
        "missing_departments": any(e.details for e in import_errors or []),
        "leaver_id": leaver[0] if leaver else None,
        "leaver_form": leaver[1] if leaver else LeaverForm(),
        "today": organization_today(org),
    }
    status = _status(form, *([leaver[1]] if leaver else []), problems=import_errors)
    return render(request, "surveys/roster.html", context, status=status)


@login_required
def roster(request: HttpRequest, slug: str) -> HttpResponse:
    membership = membership_get(user=request.user, slug=slug, roles=HR)
    if request.method != "POST":
        return _roster_page(request, membership, form=RosterImportForm())
    form = RosterImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _roster_page(request, membership, form=form)
    try:
        result = roster_import(
            organization=membership.organization,
            content=form.content(),
            create_departments=form.cleaned_data["create_departments"],
        )
    except ImportRejected as exc:
        return _roster_page(request, membership, form=form, import_errors=exc.errors)
    messages.success(
        request,
        _("Roster imported: %(created)d added, %(updated)d updated, %(unchanged)d unchanged.")
        % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    return redirect("roster", slug=slug)


@login_required
@require_POST
def employee_leaver(request: HttpRequest, slug: str, employee_id: int) -> HttpResponse:
    employee = employee_get_for_user(user=request.user, slug=slug, employee_id=employee_id)
    membership = membership_get(user=request.user, slug=slug, roles=HR)
    form = LeaverForm(request.POST)
    if form.is_valid() and not confirmed(request):
        leaving_date = form.cleaned_data["leaving_date"]
        return confirm_page(
            request,
            membership,
            title=_("Mark %(email)s as leaving?") % {"email": employee.email},
            lines=[
                _(
                    "Their leaving date is recorded, and the first time they are marked, they are "
                    "invited by email to the exit survey (when the organization has one)."
                ),
            ],
            facts=[(_("Leaving date"), leaving_date.isoformat())],
            choices=[
                {
                    "action": request.get_full_path(),
                    "fields": [("leaving_date", leaving_date.isoformat())],
                    "label": _("Mark as leaving"),
                }
            ],
            cancel_url=reverse("roster", args=[slug]),
        )
    if form.is_valid():
        try:
            invited = employee_mark_leaver(
                employee=employee, leaving_date=form.cleaned_data["leaving_date"]
            )
        except ValidationError as exc:
            form.add_error("leaving_date", exc.messages)
    if form.errors:
        return _roster_page(
            request, membership, form=RosterImportForm(), leaver=(employee.pk, form)
        )
    messages.success(
        request,
        _("%(email)s marked as leaving.") % {"email": employee.email}
        + (" " + _("The exit survey invitation is on its way.") if invited else ""),
    )
    return redirect("roster", slug=slug)


def _values_page(
    request: HttpRequest,
    membership,
    *,
    form: DefinitionUploadForm | None = None,
    bank_form: BankAdoptForm | None = None,
    definition_errors: list | None = None,
) -> HttpResponse:
    form = form or DefinitionUploadForm()
    bank_form = bank_form or BankAdoptForm(bank=bank_values())
    value_list = list(values_list(reach=membership))
    context = _org_context(membership) | {
        "values": value_list,
        "general_questions": questions_list(reach=membership, filters={"general": True}),
        "form": form,
        "bank_form": bank_form,
        "definition_errors": definition_errors,
        "bank": bank_values(),
        "adopted": {v.code for v in value_list},
    }
    status = _status(form, bank_form, problems=definition_errors)
    return render(request, "surveys/values.html", context, status=status)


@login_required
def values(request: HttpRequest, slug: str) -> HttpResponse:
    membership = membership_get(user=request.user, slug=slug)
    if request.method != "POST":
        return _values_page(request, membership)
    membership = membership_get(user=request.user, slug=slug, roles=HR)
    form = DefinitionUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _values_page(request, membership, form=form)
    try:
        organization_load_definition(content=form.content(), organization=membership.organization)
    except DefinitionError as exc:
        return _values_page(request, membership, form=form, definition_errors=exc.errors)
    messages.success(request, _("Organization definition loaded."))
    return redirect("values", slug=slug)


@login_required
def definition_download(request: HttpRequest, slug: str) -> HttpResponse:
    membership = membership_get(user=request.user, slug=slug, roles=HR)
    data = organization_export_definition(organization=membership.organization)
    response = HttpResponse(definition_dump(data=data), content_type="application/yaml")
    response["Content-Disposition"] = f'attachment; filename="{slug}.yaml"'
    return response


@login_required
@require_POST
def bank_adopt(request: HttpRequest, slug: str) -> HttpResponse:
    membership = membership_get(user=request.user, slug=slug, roles=HR)
    form = BankAdoptForm(request.POST, bank=bank_values())
    if form.is_valid():
        try:
            added = question_bank_adopt(
                organization=membership.organization, value_codes=form.cleaned_data["values"]
            )
        except (ServiceError, DefinitionError) as exc:
            form.add_error("values", exc.message)
    if form.errors:
        return _values_page(request, membership, bank_form=form)
    messages.success(request, _("Added from the question bank: %(n)d value(s).") % {"n": added})
    return redirect("values", slug=slug)


def confirm_page(
    request: HttpRequest,
    membership,
    *,
    title: str,
    lines: list[str],
    choices: list[dict[str, Any]],
    cancel_url: str,
    facts: list[tuple[str, Any]] | None = None,
    warning: str = "",
) -> HttpResponse:
    """The step before an action that sends emails or closes something: what it will do, and
    buttons that post again with confirm=1. A post without it changes nothing."""
    context = _org_context(membership) | {
        "title": title,
        "lines": lines,
        "facts": facts or [],
        "choices": choices,
        "cancel_url": cancel_url,
        "warning": warning,
    }
    return render(request, "surveys/confirm.html", context)


def translations_warning(
    *, questions: list[Question], organization: Organization, intro: Campaign | None = None
) -> str:
    """A launch's warning when a language in use lacks translations: who reads what instead.

    A language is in use when someone on the roster is asked in it, or the survey already has
    a translation into it; an organization that works in one language is not asked."""
    rows = survey_missing_translations(
        questions=questions, default=organization.language, intro=intro
    )
    in_use = set(
        organization.employees.exclude(language__in=["", organization.language])
        .values_list("language", flat=True)
        .distinct()
    )
    for q in questions:
        in_use |= set(translations_of(q, "text")) - {organization.language}
    gaps = [row for row in rows if row["missing"] and row["code"] in in_use]
    if not gaps:
        return ""
    return _(
        "Some texts are not translated yet (%(gaps)s). People asked in those languages will "
        "see them in %(default)s, with a note saying so. Launch anyway?"
    ) % {
        "gaps": "; ".join(f"{row['name']}: {', '.join(row['missing'])}" for row in gaps),
        "default": language_name(organization.language),
    }


def confirmed(request: HttpRequest) -> bool:
    return request.POST.get("confirm") == "1"


def _campaign_page(
    request: HttpRequest, slug: str, campaign: Campaign, *, form: WaveLaunchForm | None = None
) -> HttpResponse:
    membership = membership_get(user=request.user, slug=slug)
    form = form or WaveLaunchForm()
    waves = campaign_waves(campaign=campaign)
    counts = wave_response_counts(waves=waves)
    for wave in waves:
        wave.counts = counts[wave.pk]
    context = _org_context(membership) | {
        "campaign": campaign,
        "questions": campaign_questions(campaign=campaign),
        "waves": waves,
        "locked": campaign_is_locked(campaign=campaign),
        "kept": [SegmentAttribute(a).label for a in campaign.kept_attributes],
        "today": organization_today(membership.organization),
        "form": form,
        "open_waves": [w for w in waves if w.is_open],
    }
    return render(request, "surveys/campaign.html", context, status=_status(form))


@login_required
def campaign(request: HttpRequest, slug: str, campaign_id: int) -> HttpResponse:
    obj = campaign_get_for_user(user=request.user, slug=slug, campaign_id=campaign_id)
    return _campaign_page(request, slug, obj)


@login_required
@require_POST
def campaign_launch(request: HttpRequest, slug: str, campaign_id: int) -> HttpResponse:
    obj = campaign_get_for_user(user=request.user, slug=slug, campaign_id=campaign_id, roles=HR)
    form = WaveLaunchForm(request.POST)
    if form.is_valid() and not confirmed(request):
        try:
            preview = wave_launch_preview(campaign=obj, round_label=form.cleaned_data["round"])
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            if preview.invite or obj.kind == CampaignKind.EXIT:
                return _launch_confirm(request, slug, obj, form, preview)
            form.add_error(
                None,
                _(
                    "Everyone in this survey's audience has already been asked in the round "
                    "%(round)s; nobody new to invite. To ask everyone again, close the round "
                    "and launch into a new one."
                )
                % {"round": preview.round_label},
            )
    if form.is_valid() and confirmed(request):
        try:
            wave = wave_launch(
                campaign=obj,
                round_label=form.cleaned_data["round"],
                closes_on=form.cleaned_data["closes_on"],
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
    if form.errors:
        return _campaign_page(request, slug, obj, form=form)
    messages.success(
        request,
        _("Wave %(number)d launched; invitations are being sent.") % {"number": wave.number},
    )
    return redirect("campaign", slug=slug, campaign_id=campaign_id)


def _launch_confirm(request, slug: str, campaign: Campaign, form, preview) -> HttpResponse:
    membership = membership_get(user=request.user, slug=slug, roles=HR)
    lines = [
        _("%(n)d people will get an invitation email with their own link.") % {"n": preview.invite}
    ]
    if preview.already_asked:
        lines.append(
            _(
                "%(n)d people of the audience were already asked in the round %(round)s and are "
                "not asked again: a person answers once per round."
            )
            % {"n": preview.already_asked, "round": preview.round_label}
        )
    for wave in preview.open_waves:
        lines.append(
            _(
                "Wave %(number)d of this survey is still open (round %(round)s). To ask everyone "
                "again, close that round first and launch into a new one."
            )
            % {"number": wave.number, "round": wave.round.label}
        )
    closes_on = form.cleaned_data["closes_on"]
    facts = [
        (_("Survey round"), preview.round_label + ("" if preview.round_exists else _(" (new)"))),
        (_("Questions in this wave"), preview.question_count),
        (_("Closes on"), closes_on.isoformat() if closes_on else _("when you close it")),
    ]
    fields = [("round", form.cleaned_data["round"] or preview.round_label)]
    if closes_on:
        fields.append(("closes_on", closes_on.isoformat()))
    return confirm_page(
        request,
        membership,
        title=_("Launch a wave of %(name)s?") % {"name": campaign.name},
        lines=lines,
        facts=facts,
        warning=translations_warning(
            questions=campaign_questions(campaign=campaign),
            organization=campaign.organization,
            intro=campaign,
        ),
        choices=[
            {
                "action": reverse("campaign_launch", args=[slug, campaign.pk]),
                "fields": fields,
                "label": _("Launch and send %(n)d invitations") % {"n": preview.invite},
            }
        ],
        cancel_url=reverse("campaign", args=[slug, campaign.pk]),
    )


@login_required
@require_POST
def wave_close_view(request: HttpRequest, slug: str, wave_id: int) -> HttpResponse:
    """Close a wave. Its answers are sealed, then its round's report is asked for once every
    wave of the round is in; HR follows that on the round's report progress page."""
    wave = wave_get_for_user(user=request.user, slug=slug, wave_id=wave_id, roles=HR)
    if wave.is_open and not confirmed(request):
        return _close_confirm(request, slug, wave)
    if not wave_close(wave=wave):
        messages.info(request, _("The wave was already closed."))
        return redirect("wave", slug=slug, wave_id=wave.pk)
    wave.refresh_from_db()
    if wave.sealed_at is None:  # a worker seals it in a moment
        messages.success(
            request, _("Closed: the answers are being sealed, and the report follows.")
        )
        return redirect("wave", slug=slug, wave_id=wave.pk)
    messages.success(request, _("The wave is closed."))
    # The reporting side's page, by URL name: surveys knows nothing of how reports are made.
    return redirect("report_progress", slug=slug, wave=wave.round.label)


def _close_confirm(request: HttpRequest, slug: str, wave) -> HttpResponse:
    """Closing one wave while others of its round are open: the round's report waits for
    them, so say so and offer to close them all (the round) or this one alone."""
    membership = membership_get(user=request.user, slug=slug, roles=HR)
    others = round_open_waves_besides(wave=wave)
    this_one = {"action": reverse("wave_close", args=[slug, wave.pk]), "fields": []}
    cancel = reverse("wave", args=[slug, wave.pk])
    if not others:
        return confirm_page(
            request,
            membership,
            title=_("Close %(name)s, wave %(number)d?")
            % {"name": wave.campaign.name, "number": wave.number},
            lines=[
                _(
                    "Nobody can answer this wave after it closes; the links in the emails stop "
                    "working."
                ),
                _(
                    "The round %(round)s has no other open wave: its report is computed as soon "
                    "as the answers are sealed, and cannot change after that."
                )
                % {"round": wave.round.label},
            ],
            choices=[this_one | {"label": _("Close the wave")}],
            cancel_url=cancel,
        )
    names = ", ".join(
        f"{other.campaign.name} ({other.campaign.get_kind_display()}), "
        + _("wave %(number)d") % {"number": other.number}
        for other in others
    )
    leadership = any(other.campaign.kind == CampaignKind.LEADERSHIP for other in others)
    return confirm_page(
        request,
        membership,
        title=_("Other waves of the round %(round)s are still open") % {"round": wave.round.label},
        warning=_("Still open in this round: %(names)s.") % {"names": names},
        lines=[
            _(
                "The round's report is computed once every wave of the round is closed, and "
                "cannot change after that."
            ),
            _(
                "Without the leadership survey's answers the report has no leader ratings to "
                "compare with, so close it together with this one, or wait for it."
            )
            if leadership
            else _("Close them together, or close this one now and the others later."),
        ],
        choices=[
            {
                "action": reverse("round_close", args=[slug, wave.round.label]),
                "fields": [],
                "label": _("Close both: every open wave of the round, then compute the report")
                if len(others) == 1
                else _("Close all: every open wave of the round, then compute the report"),
            },
            this_one | {"label": _("Close this one and wait")},
        ],
        cancel_url=cancel,
    )


@login_required
def wave_detail(request: HttpRequest, slug: str, wave_id: int) -> HttpResponse:
    """A wave's response rate, overall and per segment (following k), and who was invited."""
    wave = wave_get_for_user(user=request.user, slug=slug, wave_id=wave_id, roles=HR)
    membership = membership_get(user=request.user, slug=slug, roles=HR)
    invitations = Paginator(wave_invitations(wave=wave), 100).get_page(request.GET.get("page"))
    rates = wave_response_rates(wave=wave, k=wave.campaign.min_group_size)
    for dimension in rates["dimensions"]:
        for segment in dimension["segments"]:
            segment["name"] = segment_name(dimension["name"], segment["label"])
    context = _org_context(membership) | {
        "wave": wave,
        "campaign": wave.campaign,
        "rates": rates,
        "counts": wave_response_counts(waves=[wave])[wave.pk],
        "invitations": invitations,
        "questions": campaign_questions(campaign=wave.campaign, wave=wave),
    }
    return render(request, "surveys/wave.html", context)


@login_required
@require_POST
def wave_remind(request: HttpRequest, slug: str, wave_id: int) -> HttpResponse:
    wave = wave_get_for_user(user=request.user, slug=slug, wave_id=wave_id, roles=HR)
    if not confirmed(request):
        membership = membership_get(user=request.user, slug=slug, roles=HR)
        counts = wave_response_counts(waves=[wave])[wave.pk]
        return confirm_page(
            request,
            membership,
            title=_("Send reminders now?"),
            lines=[
                _(
                    "Everyone invited to this wave who has not answered yet gets a reminder email "
                    "with a fresh link. Who that is stays hidden: nobody sees who has answered."
                ),
                _("%(n)d people have not answered yet.")
                % {"n": counts["invited"] - counts["answered"]}
                if counts["answered"] is not None
                else _(
                    "How many have not answered is not shown while the count could tell who "
                    "answered."
                ),
            ],
            choices=[
                {
                    "action": reverse("wave_remind", args=[slug, wave.pk]),
                    "fields": [],
                    "label": _("Send the reminders"),
                }
            ],
            cancel_url=reverse("wave", args=[slug, wave.pk]),
        )
    queued = wave_send_reminders(wave=wave)
    # How many were reminded is how many have not answered: shown only with that count.
    if wave_response_counts(waves=[wave])[wave.pk]["answered"] is None:
        messages.success(request, _("Reminders queued for everyone who has not answered."))
    else:
        messages.success(
            request, _("Reminders queued for %(n)d people who have not answered.") % {"n": queued}
        )
    return redirect("wave", slug=slug, wave_id=wave.pk)


@login_required
def history_import(request: HttpRequest, slug: str) -> HttpResponse:
    membership = membership_get(user=request.user, slug=slug, roles=HR)
    form = HistoryImportForm()
    import_errors = None
    if request.method == "POST":
        form = HistoryImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = responses_import(
                    organization=membership.organization, content=form.content()
                )
            except ImportRejected as exc:
                import_errors = exc.errors
            else:
                messages.success(
                    request,
                    _("Imported %(n)d responses in rounds %(rounds)s.")
                    % {"n": result.responses, "rounds": ", ".join(result.rounds)},
                )
                return redirect("organization", slug=slug)
    context = _org_context(membership) | {
        "form": form,
        "import_errors": import_errors,
        "imported_total": imported_response_count(reach=membership),
    }
    status = _status(form, problems=import_errors)
    return render(request, "surveys/history_import.html", context, status=status)


def _value_definition(value: CompanyValue) -> dict[str, Any]:
    exported = organization_export_definition(organization=value.organization)
    return next(v for v in exported["values"] if v["code"] == value.code)


@login_required
def value_edit(request: HttpRequest, slug: str, code: str | None = None) -> HttpResponse:
    """Edit a value and its questions, or add a value. Saved through the organization file
    loader, so the same checks (and the same error messages) apply."""
    membership = membership_get(user=request.user, slug=slug, roles=HR)
    org = membership.organization
    value = value_get(reach=membership, code=code) if code is not None else None
    current = _value_definition(value) if value else {"code": "", "name": "", "questions": []}
    answered = (
        set(questions_asked(organization=org).filter(value=value).values_list("code", flat=True))
        if value
        else set()
    )
    options = {
        "current": current,
        "answered": answered,
        "is_new": value is None,
        "default_language": org.language,
    }
    if request.method != "POST":
        form = ValueForm(initial=_value_initial(current, org.language), **options)
    else:
        form = ValueForm(request.POST, **options)
        if form.is_valid():
            item = form.definition_item()
            try:
                organization_load_definition(
                    organization=org,
                    data={"organization": {"slug": org.slug, "name": org.name}, "values": [item]},
                )
            except DefinitionError as exc:
                form.add_loader_errors(exc.errors)
            else:
                name = (
                    item["name"][org.language] if isinstance(item["name"], dict) else item["name"]
                )
                messages.success(request, _("Saved %(name)s.") % {"name": name})
                return redirect("values", slug=slug)
    context = _org_context(membership) | {
        "value": value,
        "form": form,
        "questions": [
            {
                "code": q["code"],
                "perspective": q.get("perspective", Perspective.EMPLOYEE),
                "type": q.get("type", "likert"),
                "text": form[f"text_{q['code']}"],
                "reverse": form[f"reverse_{q['code']}"]
                if f"reverse_{q['code']}" in form.fields
                else None,
                "answered": q["code"] in answered,
                "translations": [
                    {
                        "code": code,
                        "name": language_name(code),
                        "field": form[f"text_{q['code']}__{code}"],
                    }
                    for code in form.other_languages
                ],
            }
            for q in current["questions"]
        ],
        "default_language_name": language_name(org.language),
        "value_translations": [
            {
                "code": code,
                "name": language_name(code),
                "fields": [
                    (form[f"{field}__{code}"], label)
                    for field, label in (
                        ("name", _("Name")),
                        ("claim", _("The claim, as the company words it publicly")),
                        ("description", _("Description")),
                    )
                ],
            }
            for code in form.other_languages
        ],
    }
    return render(request, "surveys/value_edit.html", context, status=_status(form))


def _value_initial(current: dict[str, Any], default: str) -> dict[str, Any]:
    """The form's first values: each text's default language in the main input, each
    translation in its own."""

    def spread(key: str, given: Any) -> None:
        texts = given if isinstance(given, dict) else {default: given}
        initial[key] = texts.get(default, "")
        for code, text in texts.items():
            if code != default:
                initial[f"{key}__{code}"] = text

    initial: dict[str, Any] = {"code": current.get("code", "")}
    for name in ("name", "claim", "description"):
        spread(name, current.get(name, ""))
    for question in current["questions"]:
        spread(f"text_{question['code']}", question["text"])
        initial[f"reverse_{question['code']}"] = bool(question.get("reverse"))
    initial["new_perspective"] = Perspective.EMPLOYEE
    return initial
