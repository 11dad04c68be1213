"""The demo organization: Northwind Outfitters, six months of surveys with planted gaps.

Everything goes through the services people use: the organization file, the question bank,
a roster CSV, campaigns, launched waves, invitation emails (captured in memory), and answers
submitted with the tokens from those emails.

Planted, so the gap report has something true to find:
- leadership clearly overrates open communication and learning from mistakes (blind spots);
- leadership underrates customer focus (a hidden strength);
- leaders and employees agree on recognition, empowerment and work-life balance;
- new hires found much less open communication than hiring promised (a credibility gap);
- leavers rate recognition far below those who stay (a leaver signal);
- work-life balance slowly declines over the six rounds.
"""

import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction
from django.test.utils import override_settings

from analytics.services import analysis_request
from surveys.models import (
    CampaignKind,
    Department,
    Employee,
    Invitation,
    Membership,
    Organization,
    Perspective,
    Question,
    QuestionType,
    Role,
    Wave,
    WaveStatus,
)
from surveys.services.automation import campaign_create
from surveys.services.campaigns import (
    organization_today,
    wave_close,
    wave_launch,
)
from surveys.services.definitions import (
    organization_edit_definition,
    organization_load_definition,
)
from surveys.services.invitations import invitation_issue_token
from surveys.services.organizations import organization_delete
from surveys.services.question_bank import question_bank_adopt
from surveys.services.responses import response_accept
from surveys.services.roster import roster_import
from surveys.services.sealing import wave_seal
from surveys.tasks import send_wave_invitations

from .demo_translations import with_translations

SLUG = "northwind"
PASSWORD = "northwind-demo"
SEED = 20261123
ROUNDS = 6
TOKEN_IN_URL = re.compile(r"/s/([A-Za-z0-9_\-]+)/")

DEFINITION = {
    "organization": {
        "slug": SLUG,
        "name": "Northwind Outfitters",
        "min_group_size": 5,
        "timezone": "Europe/Berlin",
    },
    "departments": [
        {"name": "Engineering"},
        {"name": "Platform", "parent": "Engineering"},
        {"name": "Product Engineering", "parent": "Engineering"},
        {"name": "Sales"},
        {"name": "Customer Support"},
        {"name": "Operations"},
        {"name": "People & Finance"},
    ],
}
# Department: (head count, mood shift on the latent score).
HEADCOUNT = {
    "Platform": (26, 0.0),
    "Product Engineering": (34, 0.1),
    "Sales": (30, -0.15),
    "Customer Support": (36, 0.05),
    "Operations": (24, -0.05),
    "People & Finance": (16, 0.1),
}
LOCATIONS = ["Berlin", "Berlin", "Lisbon", "Toronto", "Remote"]
LEVELS = ["Associate", "Professional", "Professional", "Senior", "Lead", "Manager"]

# value code: (employee mean, leaders' answers, leaders' prediction of % favorable)
VALUES = {
    "open_communication": (2.75, [5, 5, 4, 5], [80, 85, 75, 80]),
    "learning_from_mistakes": (2.95, [4, 5, 4, 4], [75, 70, 80, 70]),
    "customer_focus": (4.15, [3, 3, 3, 4], [45, 50, 40, 55]),
    "recognition": (3.45, [3, 4, 3, 4], [45, 50, 40, 50]),
    "empowerment": (3.7, [4, 4, 3, 4], [60, 55, 65, 60]),
    "work_life_balance": (3.55, [3, 3, 4, 3], [55, 50, 55, 50]),
}
# Per round, added to work-life balance: a slow decline.
WLB_DRIFT = [0.15, 0.1, 0.0, -0.1, -0.2, -0.3]
# How strongly each value moves people's willingness to recommend the company.
DRIVER_WEIGHTS = {"recognition": 0.45, "open_communication": 0.35, "empowerment": 0.2}
# New hires' expectation of each value, against what they then find.
PROMISED = {"open_communication": 4.4, "learning_from_mistakes": 3.4}
# Leavers' shift against stayers.
LEAVER_SHIFT = {"recognition": -1.3, "work_life_balance": -0.4}

LEADERS = [
    ("ceo", "Maren Holt", None),
    ("cto", "Daniel Okafor", "Engineering"),
    ("cco", "Sofia Lindqvist", None),
    ("coo", "Tomás Reyes", None),
]
COMMENTS = [
    "Leadership says the door is always open, but raising problems in my team gets you labelled negative.",
    "I love working with our customers; the support team really goes the extra mile.",
    "Post-mortems turn into finding someone to blame. People hide mistakes now.",
    "My manager recognises good work, but promotions feel random.",
    "Too many late evenings before every release. It is getting worse.",
    "Great colleagues. Decisions get made far above us and explained afterwards.",
    "If anyone wants to talk about this, write to me at j.doe@example.com.",
    "We were promised an open culture in the interviews. It is not what I found.",
    "Happy here overall. Please keep the remote days.",
    "Call me on +49 151 2345 6789 if you want details, I am not afraid to say it.",
]
# What people write about each value, by how they experience it (low, high): the report finds
# the recurring phrases of each value in these.
VALUE_COMMENTS = {
    "open_communication": (
        [
            "People are afraid to raise a concern with their manager.",
            "Bad news never reaches leadership; people stay silent in meetings.",
            "Raising a concern with leadership gets you labelled difficult, so people stay silent.",
            "The open door is a slogan. Raising a concern feels risky here.",
            "Leadership says the door is always open, but nobody raises concerns in meetings.",
            "Bad news is hidden from leadership until it is too late.",
        ],
        [
            "I can raise a concern with my manager and it is taken seriously.",
            "Leadership is honest with us, even when the news is bad.",
        ],
    ),
    "learning_from_mistakes": (
        [
            "Post-mortems turn into finding someone to blame. People hide mistakes now.",
            "After an incident the first question is who is to blame for the mistake.",
            "People hide mistakes because blame comes fast here.",
            "Mistakes get punished, so nobody admits a mistake in the post-mortem.",
        ],
        [
            "Our post-mortems look for causes, not someone to blame.",
            "I learned a lot from a mistake last quarter and my team helped.",
        ],
    ),
    "customer_focus": (
        [
            "Internal targets win over what the customer needs.",
            "Customer feedback is ignored when it does not fit the quarterly target.",
        ],
        [
            "I love working with our customers; the support team really goes the extra mile.",
            "Customer feedback shapes the roadmap, and I like that we hear from customers every week.",
            "We go the extra mile for customers and I am proud of the customer feedback.",
            "We put the customer first here, even when a quarterly target suffers.",
        ],
    ),
    "recognition": (
        [
            "My manager recognises good work, but promotions feel random.",
            "Good work goes unnoticed and promotions feel random.",
            "Nobody says thank you for good work around here.",
            "Promotions feel random and recognition depends on who you know.",
        ],
        [
            "My manager says thank you and recognises good work in public.",
            "Good work is recognised and celebrated in the team.",
        ],
    ),
    "empowerment": (
        [
            "Decisions get made far above us and explained afterwards.",
            "Every small decision needs approval from above; we are micromanaged.",
            "We need approval from above for every small decision.",
        ],
        [
            "My team decides how to do the work, without asking for approval.",
            "I have the freedom to make decisions about my own work.",
            "We make decisions in the team and leadership trusts us.",
        ],
    ),
    "work_life_balance": (
        [
            "Too much overtime before every release; the workload is getting worse.",
            "Overtime and weekend work before every release; the workload leaves people exhausted.",
            "The workload means overtime every week. Burnout is coming.",
            "Weekend work is normal now and the workload keeps growing.",
        ],
        [
            "I can switch off after work and nobody expects weekend work.",
            "Flexible hours make the workload manageable and my balance is good.",
        ],
    ),
}
FIRST = [
    "Ada",
    "Ben",
    "Cleo",
    "Dev",
    "Ema",
    "Finn",
    "Gia",
    "Hugo",
    "Ines",
    "Jon",
    "Kai",
    "Lena",
    "Milo",
    "Nora",
    "Omar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Umar",
    "Vera",
    "Wim",
    "Xena",
    "Yusuf",
    "Zoe",
]
LAST = [
    "Adler",
    "Brandt",
    "Costa",
    "Diaz",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Meyer",
    "Novak",
    "Olsen",
    "Petrov",
    "Quist",
    "Rossi",
    "Silva",
    "Tanaka",
    "Ueda",
    "Varga",
    "Weber",
    "Young",
    "Zimmer",
]


@dataclass
class DemoResult:
    organization: Organization
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, scope
    links: list[str] = field(default_factory=list)
    responses: int = 0


def _first_of_month(day: dt.date, months_back: int) -> dt.date:
    month = day.month - 1 - months_back
    return dt.date(day.year + month // 12, month % 12 + 1, 1)


def _answer(rng: np.random.Generator, latent: float) -> int:
    return int(np.clip(np.rint(latent + rng.normal(0, 0.55)), 1, 5))


def _round_date(today: dt.date, round_index: int) -> dt.date:
    """Waves open on the 3rd of each of the last ROUNDS months."""
    return _first_of_month(today, ROUNDS - round_index) + dt.timedelta(days=2)


def _roster_csv(rng: np.random.Generator, today: dt.date) -> tuple[str, list[dict]]:
    people = []
    start_window = (today - dt.date(2017, 1, 1)).days
    for department, (count, _shift) in HEADCOUNT.items():
        for _ in range(count):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            n = len(people) + 1
            start = dt.date(2017, 1, 1) + dt.timedelta(
                days=int(rng.integers(0, start_window - 200))
            )
            people.append(
                {
                    "email": f"{first}.{last}.{n}@northwind.example".lower(),
                    "name": f"{first} {last}",
                    "department": department,
                    "start_date": start,
                    "location": str(rng.choice(LOCATIONS)),
                    "level": str(rng.choice(LEVELS)),
                    "leaving_date": None,
                }
            )
    # New hires: four a month, and a hiring push of twelve before the latest closed round, so
    # its onboarding check-in has enough people to report.
    last_round = _round_date(today, ROUNDS - 1)
    hires = [last_round - dt.timedelta(days=2 + 2 * i) for i in range(12)]
    hires += [last_round - dt.timedelta(days=32 + 7 * i) for i in range(20)]
    order = rng.permutation(len(people))
    hired, leaving = order[: len(hires)], order[len(hires) : len(hires) + 20]
    for index, start in zip(hired, hires, strict=True):
        people[int(index)]["start_date"] = start
    # Leavers: about three a month over the last six months.
    for index, person_index in enumerate(leaving):
        people[int(person_index)]["leaving_date"] = today - dt.timedelta(days=int(8 + index * 9))
    for person in people:
        if person["leaving_date"] and person["start_date"] >= person["leaving_date"]:
            person["start_date"] = person["leaving_date"] - dt.timedelta(days=400)
    lines = ["email,name,department,start_date,location,level,language,leaving_date"]
    for n, p in enumerate(people):
        # Some Berlin staff are asked in German and some in Toronto in French; the rest in
        # the organization's default language. No random draw: the planted figures stay.
        p["language"] = {
            "Berlin": "de" if n % 2 else "",
            "Toronto": "fr" if n % 3 == 0 else "",
        }.get(p["location"], "")
        lines.append(
            ",".join(
                [
                    p["email"],
                    p["name"],
                    p["department"],
                    p["start_date"].isoformat(),
                    p["location"],
                    p["level"],
                    p["language"],
                    p["leaving_date"].isoformat() if p["leaving_date"] else "",
                ]
            )
        )
    return "\n".join(lines) + "\n", people


class Demo:
    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.rng = np.random.default_rng(SEED)
        self.responses = 0

    def tokens_from_outbox(self, wave: Wave) -> dict[str, str]:
        # The task a worker runs; called here so the demo does not wait for a commit.
        send_wave_invitations(wave.pk)
        tokens = {}
        for message in mail.outbox:
            found = TOKEN_IN_URL.search(message.body)
            if found:
                tokens[message.to[0]] = found.group(1)
        mail.outbox.clear()
        return tokens

    def questions_by(self, org: Organization) -> dict[str, dict[str, list[Question]]]:
        by: dict[str, dict[str, list[Question]]] = {}
        for q in Question.objects.filter(organization=org).select_related("value"):
            key = q.value.code if q.value else ""
            by.setdefault(key, {}).setdefault(q.perspective, []).append(q)
        return by

    def employee_answers(
        self,
        person: Employee,
        round_index: int,
        questions: list[Question],
        *,
        leaving: bool = False,
    ) -> dict[str, object]:
        rng = self.rng
        mood = HEADCOUNT.get(person.department.name if person.department else "", (0, 0))[1]
        mood += self.person_effect.setdefault(person.pk, float(rng.normal(0, 0.35)))
        latent_by_value = {}
        for code, (mean, _l, _p) in VALUES.items():
            latent = mean + mood
            if code == "work_life_balance":
                latent += WLB_DRIFT[round_index]
            if leaving:
                latent += LEAVER_SHIFT.get(code, -0.2)
            latent_by_value[code] = latent + float(rng.normal(0, 0.3))
        answers: dict[str, object] = {}
        for q in questions:
            if rng.random() < 0.03:  # people skip a question now and then
                continue
            value_code = q.value.code if q.value else None
            if q.type == QuestionType.LIKERT and value_code in latent_by_value:
                latent = latent_by_value[value_code]
                if q.perspective == Perspective.ONBOARDING_EXPECTED:
                    latent = PROMISED.get(value_code, latent + 0.1) + float(rng.normal(0, 0.3))
                answer = _answer(rng, latent)
                answers[q.code] = 6 - answer if q.reverse else answer
            elif q.type == QuestionType.RECOMMEND:
                # Whether people recommend the company follows recognition and open
                # communication most: the key drivers the report should find.
                drive = sum(
                    DRIVER_WEIGHTS.get(code, 0.1) * (latent - VALUES[code][0])
                    for code, latent in latent_by_value.items()
                )
                answers[q.code] = int(
                    np.clip(np.rint(7.6 + 3.0 * drive + rng.normal(0, 1.2)), 0, 10)
                )
            elif q.outcome == "intent_to_stay":
                overall = float(np.mean(list(latent_by_value.values())))
                answers[q.code] = _answer(rng, overall - (1.5 if leaving else 0))
            elif q.type == QuestionType.LIKERT:
                answers[q.code] = _answer(rng, 3.2 - (0.5 if leaving else 0))
            elif q.type == QuestionType.CHOICE:
                answers[q.code] = str(rng.choice(q.choices))
            elif q.type == QuestionType.TEXT and rng.random() < 0.6:
                answers[q.code] = self.comment(latent_by_value)
        return answers

    def comment(self, latent_by_value: dict[str, float]) -> str:
        """A comment about one value, in the direction this person experiences it; now and then
        one about nothing in particular."""
        rng = self.rng
        if rng.random() < 0.15:
            return str(rng.choice(COMMENTS))
        code = str(rng.choice(list(VALUE_COMMENTS)))
        low, high = VALUE_COMMENTS[code]
        return str(rng.choice(high if latent_by_value[code] >= 3.3 else low))

    def leader_answers(self, index: int, questions: list[Question]) -> dict[str, object]:
        answers: dict[str, object] = {}
        for q in questions:
            code = q.value.code if q.value else None
            if code not in VALUES:
                continue
            _mean, stated, predicted = VALUES[code]
            if q.perspective == Perspective.LEADER:
                answers[q.code] = stated[index % len(stated)]
            elif q.perspective == Perspective.LEADER_PREDICTION:
                answers[q.code] = predicted[index % len(predicted)]
        return answers

    def submit(self, tokens: dict[str, str], answers_for, wave_date: dt.date, rate: float) -> int:
        done = 0
        # Each person answers in the language their invitation came in (the roster's).
        languages = dict(Employee.objects.filter(email__in=tokens).values_list("email", "language"))
        for email, token in sorted(tokens.items()):
            if self.rng.random() > rate:
                continue
            answers = answers_for(email)
            if not answers:
                continue
            on_date = wave_date + dt.timedelta(days=int(self.rng.integers(0, 9)))
            response_accept(
                token=token,
                answers=answers,
                on_date=min(on_date, self.today),
                language=languages.get(email, "") or "en",
            )
            done += 1
        self.responses += done
        return done

    def run(self) -> DemoResult:
        org = organization_load_definition(data=DEFINITION)
        question_bank_adopt(organization=org, value_codes=list(VALUES))
        # German and French texts, entered as HR would: through the organization file.
        organization_edit_definition(
            organization=org, change=lambda data: with_translations(data) and {}
        )
        roster_text, _people = _roster_csv(self.rng, self.today)
        roster_import(organization=org, content=roster_text)
        result = DemoResult(organization=org)

        User = get_user_model()
        departments = {d.name: d for d in Department.objects.filter(organization=org)}
        hr = User.objects.create_user("hr", "hr@northwind.example", PASSWORD, first_name="Hanna")
        Membership.objects.create(user=hr, organization=org, role=Role.HR_ADMIN)
        result.logins = demo_logins()
        for username, name, scope in LEADERS:
            first, last = name.split(" ", 1)
            user = User.objects.create_user(
                username,
                f"{username}@northwind.example",
                PASSWORD,
                first_name=first,
                last_name=last,
            )
            Membership.objects.create(
                user=user,
                organization=org,
                role=Role.LEADER,
                department=departments[scope] if scope else None,
            )

        by = self.questions_by(org)
        general = by.get("", {}).get(Perspective.EMPLOYEE, [])
        employee_items = [q for code in VALUES for q in by[code].get(Perspective.EMPLOYEE, [])]
        enps = [q for q in general if q.type == QuestionType.RECOMMEND]
        stay = [q for q in general if q.outcome == "intent_to_stay"]
        comment = [q for q in general if q.type == QuestionType.TEXT]
        exit_items = by.get("", {}).get(Perspective.EXIT, [])
        leader_items = [
            q
            for code in VALUES
            for p in (Perspective.LEADER, Perspective.LEADER_PREDICTION)
            for q in by[code].get(p, [])
        ]
        onboarding_items = [
            q
            for code in VALUES
            for p in (Perspective.ONBOARDING_EXPECTED, Perspective.ONBOARDING_FOUND)
            for q in by[code].get(p, [])
        ]
        leadership = campaign_create(
            organization=org,
            name="Leadership self-assessment",
            kind=CampaignKind.LEADERSHIP,
            questions=leader_items,
            intro="How strongly do we live each of our values today, and what will employees say?",
        )
        pulse = campaign_create(
            organization=org,
            name="Monthly culture pulse",
            kind=CampaignKind.PULSE,
            questions=employee_items + enps + stay + comment,
            intro="Once a month: tell us what working here is really like.",
        )
        onboarding = campaign_create(
            organization=org,
            name="New-hire check-in",
            kind=CampaignKind.ONBOARDING,
            questions=onboarding_items + enps + comment,
            intro="You have been with us a few weeks. Did we keep the promises we made?",
        )
        exit_campaign = campaign_create(
            organization=org,
            name="Exit survey",
            kind=CampaignKind.EXIT,
            questions=employee_items + exit_items + enps + comment,
            intro="Thank you for your time here. Help us learn from it.",
        )
        self.person_effect: dict[int, float] = {}
        employees = {
            e.email: e
            for e in Employee.objects.filter(organization=org).select_related("department")
        }
        leader_index = {f"{u}@northwind.example": i for i, (u, _n, _s) in enumerate(LEADERS)}

        for round_index in range(ROUNDS):
            wave_date = _round_date(self.today, round_index)
            label = wave_date.strftime("%Y-%m")
            waves = []
            wave = wave_launch(campaign=leadership, round_label=label, opens_on=wave_date)
            self.submit(
                self.tokens_from_outbox(wave),
                lambda email: self.leader_answers(leader_index[email], leader_items),
                wave_date,
                1.0,
            )
            waves.append(wave)
            wave = wave_launch(campaign=pulse, round_label=label, opens_on=wave_date)
            pulse_questions = employee_items + enps + stay + comment
            self.submit(
                self.tokens_from_outbox(wave),
                lambda email, r=round_index, qs=pulse_questions: self.employee_answers(
                    employees[email], r, qs
                ),
                wave_date,
                0.78,
            )
            waves.append(wave)
            wave = wave_launch(campaign=onboarding, round_label=label, opens_on=wave_date)
            onboarding_questions = onboarding_items + enps + comment
            self.submit(
                self.tokens_from_outbox(wave),
                lambda email, r=round_index, qs=onboarding_questions: self.employee_answers(
                    employees[email], r, qs
                ),
                wave_date,
                0.9,
            )
            waves.append(wave)
            wave = wave_launch(campaign=exit_campaign, round_label=label, opens_on=wave_date)
            exit_questions = employee_items + exit_items + enps + comment
            self.submit(
                self.tokens_from_outbox(wave),
                lambda email, r=round_index, qs=exit_questions: self.employee_answers(
                    employees[email], r, qs, leaving=True
                ),
                wave_date,
                0.85,
            )
            waves.append(wave)
            # The report of the latest closed round is computed once, below.
            for wave in waves:
                wave_close(wave=wave, analyze=False)
                wave_seal(wave_id=wave.pk, analyze=False)  # now: the report below needs it

        # This month's pulse is open: about a third have answered, the rest have live links.
        label = self.today.strftime("%Y-%m")
        open_wave = wave_launch(
            campaign=pulse,
            round_label=label,
            opens_on=self.today,
            closes_on=self.today + dt.timedelta(days=14),
        )
        tokens = self.tokens_from_outbox(open_wave)
        emails = sorted(tokens)
        pulse_questions = employee_items + enps + stay + comment
        answered = set(emails[: len(emails) // 3])
        self.submit(
            {e: tokens[e] for e in answered},
            lambda email: self.employee_answers(employees[email], ROUNDS - 1, pulse_questions),
            self.today,
            1.0,
        )
        result.links = [f"{settings.SITE_URL}/s/{tokens[e]}/" for e in emails if e not in answered][
            :5
        ]
        result.responses = self.responses
        latest = waves[0].round
        analysis_request(organization=org, round_=latest)
        return result


def demo_load(*, today: dt.date | None = None) -> DemoResult:
    """Create the demo organization (refuses if it exists: remove it with demo_remove)."""
    if Organization.objects.filter(slug=SLUG).exists():
        raise ValueError(f'The demo organization "{SLUG}" already exists.')
    # Capture the invitation emails in memory; their links are how demo employees answer.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        mail.outbox = []
        with transaction.atomic():
            probe = Organization(timezone=DEFINITION["organization"]["timezone"])
            return Demo(today or organization_today(probe)).run()


def demo_remove() -> None:
    org = Organization.objects.filter(slug=SLUG).first()
    if org is not None:
        organization_delete(organization=org)
    get_user_model().objects.filter(username__in=["hr"] + [u for u, _n, _s in LEADERS]).delete()


def demo_logins() -> list[tuple[str, str, str]]:
    logins = [("hr", "HR admin", "whole organization")]
    return logins + [
        (username, "Leader", scope or "whole organization") for username, _n, scope in LEADERS
    ]


def demo_links(*, count: int = 5) -> list[str]:
    """Fresh links for people who have not yet answered the demo's open pulse."""
    invitations = Invitation.objects.filter(
        wave__campaign__organization__slug=SLUG,
        wave__status=WaveStatus.OPEN,
        answered=False,
    ).order_by("email")[:count]
    return [f"{settings.SITE_URL}/s/{invitation_issue_token(invitation=i)}/" for i in invitations]
