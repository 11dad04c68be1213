"""The campaign wizard: kind, questions, audience and schedule, anonymity, then a preview
exactly as employees will see it, and launch. Each step's answers wait in the session until the
campaign is created through the services."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import ServiceError
from .models import (
    KIND_PERSPECTIVES,
    CampaignKind,
    CompanyValue,
    Department,
    Question,
    Role,
    SegmentAttribute,
)
from .selectors import department_paths, membership_get
from .services.automation import campaign_schedule_set, recurring_wave_launch
from .services.campaigns import campaign_create, organization_today, wave_launch
from .views import survey_items

STEPS = [
    ("basics", gettext_lazy("Kind")),
    ("questions", gettext_lazy("Questions")),
    ("schedule", gettext_lazy("Audience & schedule")),
    ("anonymity", gettext_lazy("Anonymity")),
    ("preview", gettext_lazy("Preview & launch")),
]
RECURRING_KINDS = (CampaignKind.PULSE, CampaignKind.ENGAGEMENT)


def _key(slug: str) -> str:
    return f"campaign-wizard:{slug}"


def _state(request: HttpRequest, slug: str) -> dict[str, Any]:
    return dict(request.session.get(_key(slug), {}))


def _save(request: HttpRequest, slug: str, state: dict[str, Any]) -> None:
    request.session[_key(slug)] = state


def _int(value: str, field: str, errors: dict[str, str], *, low: int, high: int) -> int | None:
    if not value.strip():
        return None
    try:
        number = int(value)
    except ValueError:
        errors[field] = _("Enter a whole number.")
        return None
    if not low <= number <= high:
        errors[field] = _("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high}
    return number


def _fitting_questions(organization, kind: str) -> list[Question]:
    return list(
        Question.objects.filter(organization=organization, perspective__in=KIND_PERSPECTIVES[kind])
        .select_related("value")
        .order_by("value__position", "value_id", "position", "pk")
    )


def _step_basics(request, org, state, errors):
    if request.method == "POST":
        state["name"] = request.POST.get("name", "").strip()
        state["kind"] = request.POST.get("kind", "")
        state["intro"] = request.POST.get("intro", "").strip()
        if not state["name"]:
            errors["name"] = _("Give the campaign a name.")
        if state["kind"] not in CampaignKind.values:
            errors["kind"] = _("Choose a kind of survey.")
        state.pop("questions", None)  # the kind decides which questions fit
    return {"kinds": CampaignKind.choices}


def _step_questions(request, org, state, errors):
    questions = _fitting_questions(org, state["kind"])
    if request.method == "POST":
        chosen = set(request.POST.getlist("questions"))
        state["questions"] = [q.pk for q in questions if str(q.pk) in chosen]
        if not state["questions"]:
            errors["questions"] = _("Choose at least one question.")
    selected = set(state.get("questions", [q.pk for q in questions]))
    groups: dict[str, dict[str, Any]] = {}
    for question in questions:
        title = question.value.name if question.value else _("Questions measuring no value")
        groups.setdefault(title, {"title": title, "items": []})["items"].append(
            {"question": question, "checked": question.pk in selected}
        )
    return {"groups": list(groups.values())}


def _step_schedule(request, org, state, errors):
    kind = state["kind"]
    if request.method == "POST":
        department = request.POST.get("audience_department", "")
        state["audience_department"] = (
            int(department)
            if department.isdigit()
            and Department.objects.filter(organization=org, pk=int(department)).exists()
            else None
        )
        state["wave_days"] = (
            _int(request.POST.get("wave_days", ""), "wave_days", errors, low=1, high=90) or 14
        )
        state["recurrence_weeks"] = (
            _int(
                request.POST.get("recurrence_weeks", ""), "recurrence_weeks", errors, low=1, high=52
            )
            if kind in RECURRING_KINDS
            else None
        )
        state["rotation_values"] = (
            _int(request.POST.get("rotation_values", ""), "rotation_values", errors, low=1, high=50)
            if kind in RECURRING_KINDS
            else None
        )
        state["onboarding_after_days"] = (
            _int(
                request.POST.get("onboarding_after_days", ""),
                "onboarding_after_days",
                errors,
                low=1,
                high=365,
            )
            if kind == CampaignKind.ONBOARDING
            else None
        )
        days = []
        for part in request.POST.get("reminder_days", "").replace(";", ",").split(","):
            if part.strip():
                day = _int(part, "reminder_days", errors, low=1, high=89)
                if day is not None:
                    days.append(day)
        state["reminder_days"] = sorted(set(days))
        if any(day >= state["wave_days"] for day in state["reminder_days"]):
            errors["reminder_days"] = _("Reminders must go out while the wave is open.")
    paths = department_paths(organization=org)
    return {
        "departments": sorted(paths.items(), key=lambda item: item[1]),
        "recurring": kind in RECURRING_KINDS,
        "onboarding": kind == CampaignKind.ONBOARDING,
        "values_count": CompanyValue.objects.filter(
            organization=org, questions__pk__in=state.get("questions", [])
        )
        .distinct()
        .count(),
    }


def _step_anonymity(request, org, state, errors):
    leadership = state["kind"] == CampaignKind.LEADERSHIP
    if request.method == "POST":
        state["min_group_size"] = (
            _int(
                request.POST.get("min_group_size", ""),
                "min_group_size",
                errors,
                low=org.min_group_size,
                high=1000,
            )
            or org.min_group_size
        )
        state["kept_attributes"] = (
            []
            if leadership
            else [
                a for a in request.POST.getlist("kept_attributes") if a in SegmentAttribute.values
            ]
        )
    return {"attributes": SegmentAttribute.choices, "leadership": leadership}


def _step_preview(request, org, state, errors):
    by_pk = {q.pk: q for q in _fitting_questions(org, state["kind"])}
    questions = [by_pk[pk] for pk in state.get("questions", []) if pk in by_pk]
    paths = department_paths(organization=org)
    return {
        "questions": questions,
        "sections": survey_items(questions),
        "total": len(questions),
        "minutes": max(1, round(len(questions) * 12 / 60)),
        "is_leadership": state["kind"] == CampaignKind.LEADERSHIP,
        "kept_labels": [SegmentAttribute(a).label for a in state.get("kept_attributes", [])],
        "audience": paths.get(state.get("audience_department"), _("Everyone on the roster")),
        "kind_label": CampaignKind(state["kind"]).label,
    }


HANDLERS = {
    "basics": _step_basics,
    "questions": _step_questions,
    "schedule": _step_schedule,
    "anonymity": _step_anonymity,
    "preview": _step_preview,
}


@login_required
def campaign_wizard(request: HttpRequest, slug: str, step: str = "basics") -> HttpResponse:
    membership = membership_get(user=request.user, slug=slug, roles=(Role.HR_ADMIN,))
    org = membership.organization
    names = [name for name, _label in STEPS]
    if step not in names:
        return redirect("campaign_wizard", slug=slug)
    state = _state(request, slug)
    if step != "basics" and "kind" not in state:
        return redirect("campaign_wizard", slug=slug)
    if request.GET.get("restart"):
        state = {}
    errors: dict[str, str] = {}
    extra = HANDLERS[step](request, org, state, errors)
    _save(request, slug, state)
    if request.method == "POST" and not errors and step != "preview":
        return redirect("campaign_wizard_step", slug=slug, step=names[names.index(step) + 1])
    index = names.index(step)
    context = {
        "membership": membership,
        "organization": org,
        "is_hr": True,
        "step": step,
        "steps": [
            {"name": name, "label": label, "done": i < index, "current": i == index}
            for i, (name, label) in enumerate(STEPS)
        ],
        "previous": names[index - 1] if index else None,
        "state": state,
        "errors": errors,
        "today": organization_today(org),
        "preview": True,
        "organization_name": org.name,
    } | extra
    return render(request, f"surveys/wizard/{step}.html", context, status=400 if errors else 200)


@login_required
def campaign_wizard_create(request: HttpRequest, slug: str) -> HttpResponse:
    """Create the campaign from the wizard's answers, and launch its first wave if asked."""
    membership = membership_get(user=request.user, slug=slug, roles=(Role.HR_ADMIN,))
    org = membership.organization
    state = _state(request, slug)
    if request.method != "POST" or "kind" not in state:
        return redirect("campaign_wizard", slug=slug)
    launch = request.POST.get("launch") == "1"
    try:
        with transaction.atomic():
            questions = list(
                Question.objects.filter(organization=org, pk__in=state.get("questions", []))
            )
            order = {pk: i for i, pk in enumerate(state.get("questions", []))}
            questions.sort(key=lambda q: order[q.pk])
            campaign = campaign_create(
                organization=org,
                name=state["name"],
                kind=state["kind"],
                questions=questions,
                min_group_size=state.get("min_group_size"),
                kept_attributes=state.get("kept_attributes"),
                intro=state.get("intro", ""),
            )
            today = organization_today(org)
            campaign_schedule_set(
                campaign=campaign,
                recurrence_weeks=state.get("recurrence_weeks"),
                # Launching now opens the first wave today; otherwise a recurring campaign
                # starts one period from now.
                first_wave_on=(
                    (today if launch else today + dt.timedelta(weeks=state["recurrence_weeks"]))
                    if state.get("recurrence_weeks")
                    else None
                ),
                wave_days=state.get("wave_days") or 14,
                rotation_values=state.get("rotation_values"),
                reminder_days=state.get("reminder_days", []),
                onboarding_after_days=state.get("onboarding_after_days"),
                audience_department_id=state.get("audience_department"),
            )
            campaign.refresh_from_db()
            wave = None
            if launch:
                if campaign.recurrence_weeks:
                    wave = recurring_wave_launch(campaign_id=campaign.pk, today=today)
                else:
                    wave = wave_launch(
                        campaign=campaign,
                        closes_on=today + dt.timedelta(days=campaign.wave_days),
                    )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("campaign_wizard_step", slug=slug, step="preview")
    request.session.pop(_key(slug), None)
    if wave is not None:
        messages.success(
            request,
            _("%(name)s is live: %(n)d invitations are being sent.")
            % {"name": campaign.name, "n": wave.invitations.count()},
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
