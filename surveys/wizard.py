"""The campaign wizard: kind, questions, audience and schedule, anonymity, then a preview
exactly as employees will see it, and launch. One form per step; each step's cleaned answers
wait in the session, so going back shows them again, until `campaign_create` makes the
campaign from them."""

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import ServiceError
from .forms import AnonymityStep, BasicsStep, PreviewStep, QuestionsStep, ScheduleStep
from .models import CampaignKind, Organization, Role, SegmentAttribute
from .selectors import (
    department_paths,
    membership_get,
    questions_fitting_kind,
    questions_in_order,
    values_measured_count,
    wave_invited_count,
)
from .services.automation import RECURRING_KINDS, CampaignSchedule, campaign_create
from .services.campaigns import organization_today, rotation_default, rotation_largest_wave
from .translations import language_name, language_or, survey_missing_translations
from .views import (
    confirm_page,
    confirmed,
    survey_items,
    survey_minutes,
    translations_warning,
)

STEPS = [
    ("basics", gettext_lazy("Kind")),
    ("questions", gettext_lazy("Questions")),
    ("schedule", gettext_lazy("Audience & schedule")),
    ("anonymity", gettext_lazy("Anonymity")),
    ("preview", gettext_lazy("Preview & launch")),
]
NAMES = [name for name, _label in STEPS]


def _key(slug: str) -> str:
    return f"campaign-wizard:{slug}"


def _state(request: HttpRequest, slug: str) -> dict[str, Any]:
    """The cleaned answers so far (flat, JSON-safe), and which steps gave them ("done")."""
    return dict(request.session.get(_key(slug), {}))


def _save(request: HttpRequest, slug: str, state: dict[str, Any]) -> None:
    request.session[_key(slug)] = state


def _departments(org: Organization) -> list[tuple[int, str]]:
    return sorted(
        department_paths(organization=org, current=True).items(), key=lambda item: item[1]
    )


def _form(step: str, org: Organization, state: dict[str, Any], data=None) -> forms.Form:
    """The step's form, bound to a post or showing the answers kept for it."""
    initial = {name: state[name] for name in state if name != "done"}
    kind = state.get("kind", "")
    if step == "basics":
        return BasicsStep(data, initial=initial)
    if step == "questions":
        return QuestionsStep(
            data, initial=initial, fitting=questions_fitting_kind(organization=org, kind=kind)
        )
    if step == "schedule":
        if kind == CampaignKind.PULSE and "rotation_values" not in initial:
            # A pulse stays short: values take turns so each wave asks at most 12 items.
            chosen = questions_in_order(organization=org, ids=state.get("questions", []))
            initial["rotation_values"] = rotation_default(questions=chosen)
        return ScheduleStep(data, initial=initial, kind=kind, departments=_departments(org))
    if step == "anonymity":
        return AnonymityStep(data, initial=initial, kind=kind, organization_k=org.min_group_size)
    return PreviewStep(data)


def _extra(
    step: str, org: Organization, state: dict[str, Any], form: forms.Form, lang: str = ""
) -> dict:
    """What a step's page shows besides its form."""
    if step == "basics":
        return {"kinds": CampaignKind.choices}
    if step == "questions":
        if form.is_bound:
            selected = {int(pk) for pk in form.data.getlist("questions") if pk.isdigit()}
        else:
            selected = set(state.get("questions", [q.pk for q in form.fitting]))
        groups: dict[str, dict[str, Any]] = {}
        for question in form.fitting:
            title = question.value.name if question.value else _("Questions measuring no value")
            groups.setdefault(title, {"title": title, "items": []})["items"].append(
                {"question": question, "checked": question.pk in selected}
            )
        return {"groups": list(groups.values())}
    if step == "schedule":
        return {
            "departments": _departments(org),
            "recurring": state["kind"] in RECURRING_KINDS,
            "onboarding": state["kind"] == CampaignKind.ONBOARDING,
            "values_count": values_measured_count(question_ids=state.get("questions", [])),
        }
    if step == "anonymity":
        return {"attributes": SegmentAttribute.choices, "leadership": form.leadership}
    questions = questions_in_order(organization=org, ids=state.get("questions", []))
    # The preview in each language HR picks, and what each language still lacks.
    language = language_or(lang, org.language)
    return {
        "questions": questions,
        "sections": survey_items(questions, language=language, default=org.language),
        "language": language,
        "preview_languages": [
            {**row, "current": row["code"] == language}
            for row in [
                {"code": org.language, "name": language_name(org.language), "missing": []},
                *survey_missing_translations(questions=questions, default=org.language),
            ]
        ],
        "untranslated": language != org.language,
        "default_language_name": language_name(org.language),
        "total": len(questions),
        "per_wave": rotation_largest_wave(
            questions=questions, per_wave=state.get("rotation_values")
        ),
        "values_count": len({q.value_id for q in questions if q.value_id}),
        "minutes": survey_minutes(questions),
        "answered": 0,
        "is_leadership": state["kind"] == CampaignKind.LEADERSHIP,
        "kept_labels": [SegmentAttribute(a).label for a in state.get("kept_attributes", [])],
        "audience": dict(_departments(org)).get(
            state.get("audience_department"), _("Everyone on the roster")
        ),
        "kind_label": CampaignKind(state["kind"]).label,
    }


def _remember(state: dict[str, Any], step: str, cleaned: dict[str, Any]) -> dict[str, Any]:
    """The state with a step's cleaned answers. A new kind of survey changes which questions
    and settings fit, so the steps after it are asked again."""
    if step == "basics" and cleaned["kind"] != state.get("kind"):
        state = {}
    done = [name for name in state.get("done", []) if name != step]
    return state | cleaned | {"done": [*done, step]}


def _first_missing(state: dict[str, Any], step: str) -> str | None:
    """The first step before this one without answers, if any: steps are taken in order."""
    done = set(state.get("done", []))
    return next((name for name in NAMES[: NAMES.index(step)] if name not in done), None)


def _page(request, membership, step: str, state: dict, form: forms.Form) -> HttpResponse:
    org = membership.organization
    index = NAMES.index(step)
    context = {
        "membership": membership,
        "organization": org,
        "is_hr": True,
        "step": step,
        "steps": [
            {"name": name, "label": label, "done": i < index, "current": i == index}
            for i, (name, label) in enumerate(STEPS)
        ],
        "previous": NAMES[index - 1] if index else None,
        "state": state,
        "form": form,
        "errors": form.errors if form.is_bound else {},
        "today": organization_today(org),
        "preview": True,
        "organization_name": org.name,
    } | _extra(step, org, state, form, lang=request.GET.get("lang", ""))
    status = 400 if form.is_bound and form.errors else 200
    return render(request, f"surveys/wizard/{step}.html", context, status=status)


@login_required
def campaign_wizard(request: HttpRequest, slug: str, step: str = "basics") -> HttpResponse:
    membership = membership_get(user=request.user, slug=slug, roles=(Role.HR_ADMIN,))
    org = membership.organization
    if step not in NAMES:
        return redirect("campaign_wizard", slug=slug)
    state = {} if request.GET.get("restart") else _state(request, slug)
    missing = _first_missing(state, step)
    if missing == "basics":
        return redirect("campaign_wizard", slug=slug)
    if missing:
        return redirect("campaign_wizard_step", slug=slug, step=missing)
    if request.method == "POST" and step != "preview":
        form = _form(step, org, state, request.POST)
        if form.is_valid():
            _save(request, slug, _remember(state, step, form.cleaned_data))
            return redirect("campaign_wizard_step", slug=slug, step=NAMES[NAMES.index(step) + 1])
        return _page(request, membership, step, state, form)
    _save(request, slug, state)
    return _page(request, membership, step, state, _form(step, org, state))


def _schedule(state: dict[str, Any], *, launch: bool, today: dt.date) -> CampaignSchedule:
    weeks = state.get("recurrence_weeks")
    return CampaignSchedule(
        wave_days=state["wave_days"],
        recurrence_weeks=weeks,
        # Not launched now, a recurring campaign starts one period from today.
        first_wave_on=today + dt.timedelta(weeks=weeks) if weeks and not launch else None,
        rotation_values=state.get("rotation_values"),
        reminder_days=state.get("reminder_days", []),
        onboarding_after_days=state.get("onboarding_after_days"),
        audience_department_id=state.get("audience_department"),
    )


@login_required
def campaign_wizard_create(request: HttpRequest, slug: str) -> HttpResponse:
    """Create the campaign from the wizard's answers, and launch its first wave if asked."""
    membership = membership_get(user=request.user, slug=slug, roles=(Role.HR_ADMIN,))
    org = membership.organization
    state = _state(request, slug)
    if request.method != "POST" or _first_missing(state, "preview"):
        return redirect("campaign_wizard", slug=slug)
    form = PreviewStep(request.POST)
    if not form.is_valid():
        return _page(request, membership, "preview", state, form)
    launch = form.cleaned_data["launch"]
    chosen = questions_in_order(organization=org, ids=state["questions"])
    warning = translations_warning(questions=chosen, organization=org)
    if launch and warning and not confirmed(request):
        # A language lacks translations: ask before anyone is invited.
        return confirm_page(
            request,
            membership,
            title=_("Create and launch %(name)s?") % {"name": state["name"]},
            lines=[],
            warning=warning,
            choices=[
                {
                    "action": reverse("campaign_wizard_create", args=[slug]),
                    "fields": [("launch", "1")],
                    "label": _("Create and launch"),
                }
            ],
            cancel_url=reverse("campaign_wizard_step", args=[slug, "preview"]),
        )
    try:
        campaign = campaign_create(
            organization=org,
            name=state["name"],
            kind=state["kind"],
            questions=chosen,
            min_group_size=state["min_group_size"],
            kept_attributes=state["kept_attributes"],
            intro=state["intro"],
            schedule=_schedule(state, launch=launch, today=organization_today(org)),
            launch=launch,
        )
    except ServiceError as exc:
        form.add_error(None, exc.message)
        return _page(request, membership, "preview", state, form)
    request.session.pop(_key(slug), None)
    if launch:
        messages.success(
            request,
            _("%(name)s is live: %(n)d invitations are being sent.")
            % {"name": campaign.name, "n": wave_invited_count(campaign=campaign)},
        )
    elif campaign.next_wave_on:
        messages.success(
            request,
            _("Campaign created. Its first wave opens on %(date)s.")
            % {"date": campaign.next_wave_on.isoformat()},
        )
    else:
        messages.success(request, _("Campaign created. Launch a wave when you are ready."))
    return redirect(reverse("campaign", kwargs={"slug": slug, "campaign_id": campaign.pk}))


campaign_wizard_step = campaign_wizard
