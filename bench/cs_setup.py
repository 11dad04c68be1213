"""The culturesurvey side of the benchmarks, run inside the product's virtualenv.

    python bench/cs_setup.py org --employees 40000
    python bench/cs_setup.py wave --campaign 1 --count 40000 --kind api --port 8701 --out F
    python bench/cs_setup.py verify --wave 3     # closes and seals the wave, then counts

Everything goes through the product's services (roster_import, campaign_create, wave_launch,
invitation_issue_token); each command prints one JSON line. The driver sets DATABASE_URL to
the bench database and CELERY_BROKER_URL=memory:// so that launching a wave queues its
emails into a broker nobody reads (the tokens are issued here instead, as the email task
would).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import secrets
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import django  # noqa: E402

django.setup()

from common import http_request, write_requests  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from survey_spec import COMMENT_CODE, COMMENT_TEXT, COMMENTS, VALUES  # noqa: E402

from surveys.models import (  # noqa: E402
    Answer,
    Campaign,
    CampaignKind,
    CompanyValue,
    Department,
    Invitation,
    InvitationToken,
    Organization,
    PendingAnswer,
    Question,
    QuestionType,
    SurveyResponse,
    Wave,
)
from surveys.selectors import token_hash  # noqa: E402
from surveys.services.automation import campaign_create  # noqa: E402
from surveys.services.campaigns import wave_close, wave_launch  # noqa: E402
from surveys.services.invitations import TOKEN_BYTES  # noqa: E402
from surveys.services.roster import roster_import  # noqa: E402
from surveys.services.sealing import wave_seal  # noqa: E402

SLUG = "bench"
DEPARTMENTS = ["Engineering", "Sales", "Support", "Operations", "Finance", "People"]
LOCATIONS = ["Berlin", "Lisbon", "Toronto", "Remote"]
LEVELS = ["IC1", "IC2", "IC3", "Manager"]


def roster_csv(count: int, rng: random.Random) -> str:
    lines = ["email,name,department,start_date,location,level"]
    today = dt.date.today()  # noqa: DTZ011 (a date in the past is all that matters)
    for n in range(count):
        start = today - dt.timedelta(days=rng.randint(10, 6 * 365))
        lines.append(
            f"person{n:06d}@bench.example,Person {n},{rng.choice(DEPARTMENTS)},"
            f"{start.isoformat()},{rng.choice(LOCATIONS)},{rng.choice(LEVELS)}"
        )
    return "\n".join(lines) + "\n"


def bench_organization() -> tuple[Organization, Campaign, list[Question]]:
    """The bench organization: six departments, five values with two Likert items each, one
    free-text comment, and a pulse campaign asking all eleven."""
    org = Organization.objects.create(slug=SLUG, name="Bench Corp", min_group_size=5)
    Department.objects.bulk_create(Department(organization=org, name=n) for n in DEPARTMENTS)
    questions = []
    for position, (code, (name, items)) in enumerate(VALUES.items(), 1):
        value = CompanyValue.objects.create(
            organization=org, code=code, name=name, position=position
        )
        for i, text in enumerate(items, 1):
            questions.append(
                Question.objects.create(
                    organization=org,
                    code=f"{code}_{i}",
                    text=text,
                    type=QuestionType.LIKERT,
                    value=value,
                    position=len(questions) + 1,
                )
            )
    questions.append(
        Question.objects.create(
            organization=org,
            code=COMMENT_CODE,
            text=COMMENT_TEXT,
            type=QuestionType.TEXT,
            position=len(questions) + 1,
        )
    )
    campaign = campaign_create(
        organization=org, name="Bench pulse", kind=CampaignKind.PULSE, questions=questions
    )
    return org, campaign, questions


def organization_create(*, employees: int, seed: int) -> dict:
    org, campaign, questions = bench_organization()
    started = time.perf_counter()
    result = roster_import(organization=org, content=roster_csv(employees, random.Random(seed)))
    return {
        "organization": org.pk,
        "campaign": campaign.pk,
        "questions": [q.code for q in questions],
        "employees": result.created,
        "roster_import_s": round(time.perf_counter() - started, 2),
    }


def answers_for(codes: list[str], rng: random.Random) -> dict[str, object]:
    answers: dict[str, object] = {c: rng.randint(1, 5) for c in codes if c != COMMENT_CODE}
    answers[COMMENT_CODE] = rng.choice(COMMENTS)
    return answers


def wave_create(*, campaign_id: int, count: int, kind: str, port: int, out: str, seed: int) -> dict:
    rng = random.Random(seed)
    campaign = Campaign.objects.get(pk=campaign_id)
    started = time.perf_counter()
    wave = wave_launch(campaign=campaign, round_label=f"bench-{seed}")
    launched = time.perf_counter() - started
    codes = list(
        campaign.campaignquestion_set.order_by("position").values_list("question__code", flat=True)
    )
    invitations = list(Invitation.objects.filter(wave=wave).only("pk").order_by("?")[:count])
    started = time.perf_counter()
    # As invitation_issue_token does (a 128-bit token, only its hash stored), in bulk: a
    # 76,000-token pool one INSERT at a time took minutes of setup per run.
    tokens = [secrets.token_urlsafe(TOKEN_BYTES) for _ in invitations]
    with transaction.atomic():
        InvitationToken.objects.bulk_create(
            (
                InvitationToken(invitation=i, token_hash=token_hash(t))
                for i, t in zip(invitations, tokens, strict=True)
            ),
            batch_size=5000,
        )
    issued = time.perf_counter() - started
    requests = []
    for token in tokens:
        answers = answers_for(codes, rng)
        if kind == "api":
            body = json.dumps({"token": token, "answers": answers}).encode()
            requests.append(
                http_request(
                    "POST",
                    "/api/v1/survey/responses/",
                    port,
                    body=body,
                    content_type="application/json",
                )
            )
        else:
            body = urllib.parse.urlencode({k: str(v) for k, v in answers.items()}).encode()
            requests.append(
                http_request(
                    "POST",
                    f"/s/{token}/",
                    port,
                    body=body,
                    content_type="application/x-www-form-urlencoded",
                )
            )
    write_requests(Path(out), requests)
    return {
        "wave": wave.pk,
        "invitations": Invitation.objects.filter(wave=wave).count(),
        "tokens": len(tokens),
        "wave_launch_s": round(launched, 2),
        "token_issue_s": round(issued, 2),
    }


def wave_verify(*, wave_id: int) -> dict:
    """Close the wave and seal it (accepted answers wait sealed until then), then count."""
    accepted_pending = PendingAnswer.objects.filter(wave_id=wave_id).count()
    started = time.perf_counter()
    wave_close(wave=Wave.objects.get(pk=wave_id), analyze=False)
    sealed = wave_seal(wave_id=wave_id, analyze=False)
    seal_s = time.perf_counter() - started
    responses = SurveyResponse.objects.filter(wave_id=wave_id)
    answers = Answer.objects.filter(response__wave_id=wave_id)
    per_response = {
        row["n"] for row in answers.values("response_id").annotate(n=Count("id")).values("n")
    }
    return {
        "responses": responses.count(),
        "answers": answers.count(),
        "answers_per_response": sorted(per_response),
        "answered_invitations": Invitation.objects.filter(wave_id=wave_id, answered=True).count(),
        "invitations": Invitation.objects.filter(wave_id=wave_id).count(),
        "pending_before_seal": accepted_pending,
        "sealed": sealed,
        "pending_after_seal": PendingAnswer.objects.filter(wave_id=wave_id).count(),
        "seal_s": round(seal_s, 2),
        "tokens_left": InvitationToken.objects.filter(invitation__wave_id=wave_id).count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    org = sub.add_parser("org")
    org.add_argument("--employees", type=int, required=True)
    org.add_argument("--seed", type=int, default=1)
    wave = sub.add_parser("wave")
    wave.add_argument("--campaign", type=int, required=True)
    wave.add_argument("--count", type=int, required=True)
    wave.add_argument("--kind", choices=["api", "form"], required=True)
    wave.add_argument("--port", type=int, required=True)
    wave.add_argument("--out", required=True)
    wave.add_argument("--seed", type=int, default=1)
    verify = sub.add_parser("verify")
    verify.add_argument("--wave", type=int, required=True)
    args = parser.parse_args()
    if args.command == "org":
        result = organization_create(employees=args.employees, seed=args.seed)
    elif args.command == "wave":
        result = wave_create(
            campaign_id=args.campaign,
            count=args.count,
            kind=args.kind,
            port=args.port,
            out=args.out,
            seed=args.seed,
        )
    else:
        result = wave_verify(wave_id=args.wave)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
