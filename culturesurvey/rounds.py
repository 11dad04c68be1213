"""Closing a survey round: every wave of the round that is still open, then its report.

It lives here because it composes the two apps: surveys closes and seals the waves, analytics
computes the report once every wave of the round is in. Neither app knows the other's side.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from analytics.models import AnalysisJob
from analytics.selectors import round_open_waves
from analytics.services import AnalysisRefused, analysis_request
from surveys.models import Role, Round, SurveyResponse
from surveys.selectors import membership_get, round_get_for_user, round_waves_open
from surveys.services.campaigns import wave_close
from surveys.views import confirm_page, confirmed


@dataclass(frozen=True)
class RoundClosed:
    closed: int  # how many waves this call closed
    job_id: int | None  # the report job, when it could be asked for already


def round_close(*, round_: Round, user=None) -> RoundClosed:
    """Close every open wave of the round, then ask for its report.

    Each wave closes in its own transaction and queues its seal, which asks for the round's
    report once every wave of the round is sealed (`analytics.services.wave_analysis_request`);
    when the seals have already run (tasks in-process), the report is asked for here. Safe to
    run twice: a closed wave is not closed again, and a report already asked for or published
    is not asked for again.
    """
    closed = sum(wave_close(wave=wave, analyze=True) for wave in round_waves_open(round_=round_))
    job_id = None
    round_.refresh_from_db()  # the seals may have published its report meanwhile
    has_answers = SurveyResponse.objects.filter(wave__round=round_).exists()
    if has_answers and not round_open_waves(round_=round_):
        try:
            job_id = analysis_request(organization=round_.organization, round_=round_, user=user).pk
        except AnalysisRefused:  # published already: its report stands
            job_id = (
                AnalysisJob.objects.filter(round=round_)
                .order_by("-created_at")
                .values_list("pk", flat=True)
                .first()
            )
    return RoundClosed(closed=closed, job_id=job_id)


@login_required
@require_http_methods(["GET", "POST"])
def round_close_view(request: HttpRequest, slug: str, label: str) -> HttpResponse:
    """What closing the round does, then (posted with confirm=1) doing it."""
    round_ = round_get_for_user(user=request.user, slug=slug, label=label, roles=(Role.HR_ADMIN,))
    membership = membership_get(user=request.user, slug=slug, roles=(Role.HR_ADMIN,))
    progress = reverse("report_progress", args=[slug, round_.label])
    if request.method == "POST" and confirmed(request):
        result = round_close(round_=round_, user=request.user)
        if result.closed:
            messages.success(
                request,
                _(
                    "Round %(round)s closed: %(n)d waves. Its report is computed once the answers "
                    "are sealed."
                )
                % {"round": round_.label, "n": result.closed},
            )
        else:
            messages.info(request, _("Every wave of the round was already closed."))
        return redirect(progress)
    open_waves = round_waves_open(round_=round_)
    if not open_waves:
        messages.info(request, _("Every wave of the round is closed."))
        return redirect(progress)
    return confirm_page(
        request,
        membership,
        title=_("Close the round %(round)s?") % {"round": round_.label},
        lines=[
            _("These waves close now; nobody can answer them after that:"),
            *(
                f"{w.campaign.name} ({w.campaign.get_kind_display()}), "
                + _("wave %(number)d, %(invited)d invited")
                % {"number": w.number, "invited": w.invitations.count()}
                for w in open_waves
            ),
            _(
                "Then the round's report is computed, once, from every wave's answers; it cannot "
                "change after that."
            ),
        ],
        choices=[
            {
                "action": reverse("round_close", args=[slug, round_.label]),
                "fields": [],
                "label": _("Close the round and compute the report"),
            }
        ],
        cancel_url=reverse("wave", args=[slug, open_waves[0].pk]),
    )
