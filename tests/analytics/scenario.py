"""Survey rounds run through the product's own services, for the attack tests.

A `Company` has stayers who answer a monthly pulse and leavers who answer the exit survey in the
month they leave; each round's waves are closed and its report published, as HR would. The
test keeps what it submitted (`ledger`), so an attacker can be checked against the truth.
"""

import datetime as dt
from dataclasses import dataclass, field

from analytics.services import snapshot_compute
from surveys.models import CampaignKind, Employee, Invitation, Organization, Question, Round
from surveys.services.automation import campaign_create
from surveys.services.campaigns import wave_close, wave_launch
from surveys.services.invitations import invitation_issue_token
from surveys.services.responses import response_accept
from surveys.services.sealing import wave_seal
from tests.factories import EmployeeFactory


@dataclass
class Submitted:
    round: str
    group: str  # "lived" or "exit"
    department: str
    location: str
    scores: dict[str, float]  # value code -> score
    comment: str = ""


@dataclass
class Company:
    org: Organization
    ledger: list[Submitted] = field(default_factory=list)
    count: int = 0

    def __post_init__(self) -> None:
        employee = list(Question.objects.filter(organization=self.org, perspective="employee"))
        self.pulse = campaign_create(
            organization=self.org, name="Pulse", kind=CampaignKind.PULSE, questions=employee
        )
        self.exit = campaign_create(
            organization=self.org,
            name="Exit",
            kind=CampaignKind.EXIT,
            questions=[q for q in employee if q.type != "recommend"],
        )

    def hire(self, n: int, *, department: str = "Sales", location: str = "Berlin") -> list:
        people = []
        for _ in range(n):
            self.count += 1
            people.append(
                EmployeeFactory(
                    organization=self.org,
                    email=f"p{self.count}@acme.example",
                    department=self.org.departments.get(name=department),
                    location=location,
                    start_date=dt.date(2024, 1, 1),
                )
            )
        return people

    def round(
        self,
        day: dt.date,
        *,
        answering: list[Employee],
        leaving: list[Employee] = (),
        answers=lambda i: {"od1": 1 + i % 5, "od2": 1 + (i * 3) % 5, "enps": i % 11},
    ) -> Round:
        """One month: leavers leave (and answer the exit survey), the others answer the pulse;
        both waves close and the round's report is published."""
        label = day.strftime("%Y-%m")
        for person in leaving:
            person.leaving_date = day + dt.timedelta(days=3)
            person.save(update_fields=["leaving_date"])
        pulse = wave_launch(campaign=self.pulse, round_label=label, opens_on=day)
        exit_wave = wave_launch(campaign=self.exit, round_label=label, opens_on=day)
        for wave, people, group in ((pulse, answering, "lived"), (exit_wave, leaving, "exit")):
            for i, person in enumerate(people):
                invitation = Invitation.objects.get(wave=wave, email=person.email)
                given = answers(i)
                if group == "exit":  # the exit survey asks no recommend question
                    given = {k: v for k, v in given.items() if k != "enps"}
                response_accept(token=invitation_issue_token(invitation=invitation), answers=given)
                od = (given["od1"] + 6 - given["od2"]) / 2
                self.ledger.append(
                    Submitted(
                        label,
                        group,
                        person.department.name,
                        person.location,
                        {"open_door": od},
                        given.get("comment", ""),
                    )
                )
        for wave in (pulse, exit_wave):
            wave_close(wave=wave, analyze=False)
            wave_seal(wave_id=wave.pk, analyze=False)  # the worker's job, once the close commits
        round_ = Round.objects.get(organization=self.org, label=label)
        snapshot_compute(organization=self.org, round_=round_)
        return round_
