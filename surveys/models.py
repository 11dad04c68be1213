"""The survey domain: organizations, people, values, campaigns, and anonymous responses.

The anonymity rules of PRODUCT.md are kept by the shape of these tables: `SurveyResponse` has no
foreign key, column or shared value that leads back to an `Invitation`, an `Employee` or a user.
Invitations keep only hashes of their tokens and an `answered` flag, never when they were used.
"""

import datetime as dt
import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

MIN_GROUP_SIZE_FLOOR = 3


def language_choices() -> list[tuple[str, str]]:
    """The product's languages (settings.LANGUAGES): the interface's, and those HR can
    translate into and employees can be asked in."""
    return list(settings.LANGUAGES)


def validate_language(value: str) -> None:
    if value and value not in dict(settings.LANGUAGES):
        raise ValidationError(
            _("%(value)s is not one of the languages: %(languages)s."),
            params={"value": value, "languages": ", ".join(dict(settings.LANGUAGES))},
        )


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Organization(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    min_group_size = models.PositiveSmallIntegerField(
        _("minimum reporting group size (k)"),
        default=5,
        validators=[MinValueValidator(MIN_GROUP_SIZE_FLOOR)],
        help_text=_("No figure is shown for fewer respondents than this. Never below 3."),
    )
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    language = models.CharField(
        _("default language"),
        max_length=8,
        default="en",
        validators=[validate_language],
        help_text=_(
            "The language values, questions and intros are written in first; others are "
            "translations of it, and a missing translation shows this one."
        ),
    )
    leaver_retention_days = models.PositiveIntegerField(
        _("keep leavers' roster data for N days"),
        null=True,
        blank=True,
        help_text=_(
            "After this many days past their leaving date, a leaver's roster entry and "
            "invitations are deleted. Empty keeps them."
        ),
    )
    password_sign_in = models.BooleanField(
        _("members may sign in with a password"),
        default=True,
        help_text=_(
            "Off: HR admins and leaders of this organization sign in with single sign-on only, "
            "and cannot reset a password."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_group_size__gte=MIN_GROUP_SIZE_FLOOR),
                name="organization_min_group_size_at_least_3",
            )
        ]

    def __str__(self) -> str:
        return self.name


class CurrentDepartments(models.Manager):
    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(deleted_at__isnull=True)


class Department(models.Model):
    """A department of the tree. Deleting one keeps its row (`deleted_at`): survey responses,
    answers still sealed in an open wave, and stored reports hold its id, and whether any do
    must not show (it would tell HR that someone there answered). `current` is the tree."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="departments"
    )
    name = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = models.Manager()
    current = CurrentDepartments()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"],
                condition=models.Q(deleted_at__isnull=True),
                name="department_unique_name_per_organization",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    HR_ADMIN = "hr_admin", _("HR admin")
    LEADER = "leader", _("Leader")


def leader_scope(**options: str) -> models.ForeignKey:
    """The department subtree a leader is limited to (None: the whole organization)."""
    return models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text=_("For a leader: only this department and the ones below it."),
        **options,
    )


class Membership(models.Model):
    """A user's role in one organization; a leader may be scoped to a department subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    department = leader_scope()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="membership_one_role_per_organization"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.organization})"


class AccessInvite(models.Model):
    """An HR admin's invitation to an HR admin or a leader: accepted once, by setting a name
    and a password, through a signed link that expires (`surveys.services.people`)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="access_invites"
    )
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices)
    department = leader_scope(related_name="+")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()}, {self.organization})"


class Employee(models.Model):
    """A roster entry. Only invitations point here; responses never do."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="employees"
    )
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="employees"
    )
    start_date = models.DateField(null=True, blank=True)
    location = models.CharField(max_length=100, blank=True)
    level = models.CharField(max_length=100, blank=True)
    # The language the employee is asked in; empty means the organization's default.
    language = models.CharField(
        _("language"), max_length=8, blank=True, validators=[validate_language]
    )
    leaving_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email"], name="employee_unique_email_per_organization"
            )
        ]

    def __str__(self) -> str:
        return self.email


class CompanyValue(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="values")
    code = models.SlugField(max_length=50)
    name = models.CharField(max_length=200)
    claim = models.TextField(_("the claim as worded publicly"), blank=True)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"], name="value_unique_code_per_organization"
            )
        ]

    def __str__(self) -> str:
        return self.name


class QuestionType(models.TextChoices):
    LIKERT = "likert", _("Agreement, 1 to 5")
    RECOMMEND = "recommend", _("Recommend, 0 to 10")
    PERCENT = "percent", _("Percent, 0 to 100")
    TEXT = "text", _("Free text")
    CHOICE = "choice", _("Single choice")


# The range each numeric type accepts; free text and choices are checked separately.
QUESTION_TYPE_RANGES: dict[str, tuple[int, int]] = {
    QuestionType.LIKERT: (1, 5),
    QuestionType.RECOMMEND: (0, 10),
    QuestionType.PERCENT: (0, 100),
}


class Perspective(models.TextChoices):
    EMPLOYEE = "employee", _("Employee experience")
    LEADER = "leader", _("Leader rating")
    LEADER_PREDICTION = "leader_prediction", _("Leader prediction")
    ONBOARDING_EXPECTED = "onboarding_expected", _("Onboarding: what I was led to expect")
    ONBOARDING_FOUND = "onboarding_found", _("Onboarding: what I found")
    # About leaving itself (the main reason, would you come back): asked of leavers only.
    EXIT = "exit", _("Exit: about leaving")


class Outcome(models.TextChoices):
    NONE = "", _("None")
    INTENT_TO_STAY = "intent_to_stay", _("Intent to stay")


class Question(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="questions"
    )
    code = models.SlugField(max_length=50)
    text = models.TextField()
    type = models.CharField(max_length=16, choices=QuestionType.choices, default="likert")
    value = models.ForeignKey(
        CompanyValue,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="questions",
        help_text=_("The value this question measures."),
    )
    reverse = models.BooleanField(
        _("reverse-scored"), default=False, help_text=_("Agreement means the value is not lived.")
    )
    perspective = models.CharField(
        max_length=32, choices=Perspective.choices, default=Perspective.EMPLOYEE
    )
    choices = models.JSONField(default=list, blank=True)
    pairs_with = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="paired_by",
        help_text=_("For an onboarding 'found' item: its 'expected' twin."),
    )
    outcome = models.CharField(max_length=32, choices=Outcome.choices, default="", blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"], name="question_unique_code_per_organization"
            )
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def answer_range(self) -> tuple[int, int] | None:
        return QUESTION_TYPE_RANGES.get(self.type)


class CampaignKind(models.TextChoices):
    PULSE = "pulse", _("Pulse")
    ENGAGEMENT = "engagement", _("Engagement")
    ONBOARDING = "onboarding", _("Onboarding")
    EXIT = "exit", _("Exit")
    LEADERSHIP = "leadership", _("Leadership self-assessment")


# Which question perspectives each kind of campaign may ask.
KIND_PERSPECTIVES: dict[str, set[str]] = {
    CampaignKind.PULSE: {Perspective.EMPLOYEE},
    CampaignKind.ENGAGEMENT: {Perspective.EMPLOYEE},
    CampaignKind.EXIT: {Perspective.EMPLOYEE, Perspective.EXIT},
    CampaignKind.ONBOARDING: {
        Perspective.EMPLOYEE,
        Perspective.ONBOARDING_EXPECTED,
        Perspective.ONBOARDING_FOUND,
    },
    CampaignKind.LEADERSHIP: {Perspective.LEADER, Perspective.LEADER_PREDICTION},
}


# The respondent group each kind of campaign feeds. A person is asked at most once per round
# and group: a pulse and an engagement survey of one round describe the same lived experience,
# and answering both would count one person twice.
GROUP_OF_KIND: dict[str, str] = {
    CampaignKind.LEADERSHIP: "leadership",
    CampaignKind.PULSE: "lived",
    CampaignKind.ENGAGEMENT: "lived",
    CampaignKind.ONBOARDING: "onboarding",
    CampaignKind.EXIT: "exit",
}


def kinds_of_group(kind: str) -> list[str]:
    """The campaign kinds that feed the same respondent group as `kind`."""
    return [k for k, group in GROUP_OF_KIND.items() if group == GROUP_OF_KIND[kind]]


class SegmentAttribute(models.TextChoices):
    DEPARTMENT = "department", _("Department")
    TENURE_BAND = "tenure_band", _("Tenure band")
    LOCATION = "location", _("Location")
    LEVEL = "level", _("Level")
    # The language the response was given in (chosen by the respondent on the survey page).
    LANGUAGE = "language", _("Language")


class TenureBand(models.TextChoices):
    UNDER_6M = "lt_6m", _("Less than 6 months")
    FROM_6M = "6_12m", _("6 to 12 months")
    FROM_1Y = "1_2y", _("1 to 2 years")
    FROM_2Y = "2_5y", _("2 to 5 years")
    OVER_5Y = "5y_plus", _("5 years or more")


def tenure_band(*, start_date: dt.date | None, on_date: dt.date) -> str:
    """Coarsen a start date into a band (a TenureBand); the date itself is never stored with a
    response."""
    if start_date is None:
        return ""
    months = (on_date.year - start_date.year) * 12 + on_date.month - start_date.month
    if on_date.day < start_date.day:
        months -= 1
    if months < 6:
        return TenureBand.UNDER_6M
    if months < 12:
        return TenureBand.FROM_6M
    if months < 24:
        return TenureBand.FROM_1Y
    if months < 60:
        return TenureBand.FROM_2Y
    return TenureBand.OVER_5Y


class Campaign(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="campaigns"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=CampaignKind.choices)
    intro = models.TextField(blank=True, help_text=_("Shown to respondents above the questions."))
    questions = models.ManyToManyField(Question, through="CampaignQuestion", related_name="+")
    min_group_size = models.PositiveSmallIntegerField(
        _("minimum reporting group size (k)"),
        validators=[MinValueValidator(MIN_GROUP_SIZE_FLOOR)],
    )
    kept_attributes = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Segment attributes kept with each response (coarsened)."),
    )
    # Set when responses came from another tool through the history import.
    imported = models.BooleanField(default=False)
    # Audience and schedule.
    audience_department = models.ForeignKey(
        "Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Only this department and the ones below it; everyone when empty."),
    )
    wave_days = models.PositiveSmallIntegerField(
        _("days a wave stays open"), default=14, validators=[MinValueValidator(1)]
    )
    recurrence_weeks = models.PositiveSmallIntegerField(
        _("repeat every N weeks"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    rotation_values = models.PositiveSmallIntegerField(
        _("values asked per wave"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Rotate through the values, asking this many per wave; all when empty."),
    )
    reminder_days = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Days after a wave opens to remind those who have not answered."),
    )
    onboarding_after_days = models.PositiveSmallIntegerField(
        _("invite new hires after N days"), null=True, blank=True
    )
    next_wave_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_group_size__gte=MIN_GROUP_SIZE_FLOOR),
                name="campaign_min_group_size_at_least_3",
            )
        ]

    def __str__(self) -> str:
        return self.name


class CampaignQuestion(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE)
    question = models.ForeignKey(Question, on_delete=models.PROTECT)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "question"], name="campaign_question_once")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.question_id}"


class Round(models.Model):
    """A survey round such as "2026-08": the waves of every campaign reported together.

    Once a report of this round or of a later one is published, the round is frozen: no wave
    is launched into it and no import adds to it (`surveys.services.rounds`), so a figure once
    published can never be recomputed over a slightly different group of people.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="rounds")
    label = models.CharField(max_length=50)
    sequence = models.PositiveIntegerField()
    # Set by the analysis when the round's first report is stored.
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "label"], name="round_unique_label_per_organization"
            ),
            models.UniqueConstraint(
                fields=["organization", "sequence"], name="round_unique_sequence_per_organization"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class WaveStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Wave(models.Model):
    """One run of a campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="waves")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="waves")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=8, choices=WaveStatus.choices, default=WaveStatus.OPEN)
    # The questions this wave asks, in order, when a rotation asks only some of the campaign's;
    # empty means all of them.
    asked = models.JSONField(default=list, blank=True)
    opens_on = models.DateField()
    closes_on = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Set once a closed wave's pending answers are written as responses (surveys.services.sealing);
    # only sealed waves are reported.
    sealed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["campaign", "number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="wave_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.campaign} #{self.number} ({self.round})"

    @property
    def is_open(self) -> bool:
        return self.status == WaveStatus.OPEN


class Invitation(models.Model):
    """One person asked to answer one wave. Knows whether they answered, never what or when."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="invitations")
    employee = models.ForeignKey(
        Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations"
    )
    email = models.EmailField()
    answered = models.BooleanField(default=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(fields=["wave", "email"], name="invitation_once_per_wave")
        ]
        indexes = [models.Index(fields=["wave", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.email} → {self.wave}"


class InvitationToken(models.Model):
    """The SHA-256 of a 128-bit random token sent in one email.

    Each email (the invitation, every reminder) carries a fresh token, issued as it is sent, so
    the plain token exists only in that email; any of an invitation's tokens works until the
    invitation is answered once.
    """

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return f"token of invitation {self.invitation_id}"


class PendingAnswer(models.Model):
    """An accepted answer waiting, encrypted, for its wave to close.

    The answer is not written as a response in the transaction that claims its token: that
    transaction would leave its id, its row position and its system columns (PostgreSQL's
    `xmin`) beside the claim. It waits here instead, sealed with a key derived from SECRET_KEY,
    with a random id and no time, and is written as a response in a shuffled batch when the
    wave closes (surveys.services.sealing).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="pending_answers")
    # The submission day, the coarsened segment and the answers, padded and encrypted.
    sealed = models.BinaryField()

    def __str__(self) -> str:
        return f"pending answer to {self.wave}"


class SurveyResponse(models.Model):
    """An anonymous response: a wave, a coarsened segment, a day, and its answers.

    On purpose there is no link to an invitation, an employee or a user; the id is random.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wave = models.ForeignKey(Wave, on_delete=models.PROTECT, related_name="responses")
    submitted_on = models.DateField()
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tenure_band = models.CharField(max_length=8, choices=TenureBand.choices, blank=True)
    location = models.CharField(max_length=100, blank=True)
    level = models.CharField(max_length=100, blank=True)
    # The language the survey was answered in, kept only when the campaign keeps the language
    # attribute (like every segment attribute); empty otherwise.
    language = models.CharField(max_length=8, blank=True)

    def __str__(self) -> str:
        return f"response to {self.wave}"


class Answer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    number = models.SmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="answer_once_per_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.number if self.number is not None else self.text}"


class StaffPreference(models.Model):
    """What an HR admin or a leader chose for themselves: the interface's language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_preference"
    )
    language = models.CharField(max_length=8, validators=[validate_language])

    def __str__(self) -> str:
        return f"{self.user}: {self.language}"


class ResponseImport(models.Model):
    """An imported history file, remembered by its hash so it is not imported twice."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    sha256 = models.CharField(max_length=64)
    responses = models.PositiveIntegerField()
    imported_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "sha256"], name="response_import_once")
        ]

    def __str__(self) -> str:
        return f"{self.responses} responses imported on {self.imported_on}"


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class ApiToken(models.Model):
    """A per-organization key for integrations (HRIS sync, BI). Only its hash is kept; the
    token itself is shown once, when it is created. It acts with an HR admin's reach in its
    organization, read-only or read-write."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)  # shown in lists so people can tell tokens apart
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=8, choices=TokenScope.choices, default=TokenScope.READ)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_on = models.DateField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
