"""The forms of the HR pages and of the campaign wizard. A form checks the shape of the input
and says what is wrong next to the field; the rules of the product stay in the services, whose
errors a view hands back to the form (`add_error`)."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.validators import RegexValidator
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import (
    MIN_GROUP_SIZE_FLOOR,
    CampaignKind,
    Department,
    Perspective,
    Question,
    Role,
    SegmentAttribute,
)
from .services.automation import (
    MAX_ONBOARDING_AFTER_DAYS,
    MAX_RECURRENCE_WEEKS,
    MAX_WAVE_DAYS,
    RECURRING_KINDS,
)
from .services.rounds import round_label_problem

CODE = RegexValidator(r"^[-a-zA-Z0-9_]+$", _("Use letters, digits, - and _ only."))
DEFAULT_WAVE_DAYS = 14
MAX_MIN_GROUP_SIZE = 1000


def _out_of_range(low: int, high: int) -> str:
    return gettext("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high}


# Fields are built at import; their messages are translated when shown, in the reader's language.
out_of_range_lazy = lazy(_out_of_range, str)


def number_field(*, low: int, high: int, required: bool = False) -> forms.IntegerField:
    """A whole number within bounds, with the wizard's wording for every way it can be wrong."""
    out_of_range = out_of_range_lazy(low, high)
    return forms.IntegerField(
        required=required,
        min_value=low,
        max_value=high,
        error_messages={
            "invalid": _("Enter a whole number."),
            "min_value": out_of_range,
            "max_value": out_of_range,
            "required": out_of_range,
        },
    )


# --- Uploads and small page forms -----------------------------------------------------------


class UploadForm(forms.Form):
    file = forms.FileField(error_messages={"required": _("Choose a CSV file to upload.")})

    def content(self) -> bytes:
        return self.cleaned_data["file"].read()


class RosterImportForm(UploadForm):
    create_departments = forms.BooleanField(
        required=False,
        label=_("Create missing departments"),
        help_text=_("Departments the file names that do not exist yet are added at the top."),
    )


class HistoryImportForm(UploadForm):
    pass


class DefinitionUploadForm(UploadForm):
    file = forms.FileField(error_messages={"required": _("Choose a definition file to upload.")})


class LeaverForm(forms.Form):
    leaving_date = forms.DateField(
        input_formats=["%Y-%m-%d"],
        error_messages={
            "required": _("Give the leaving date as YYYY-MM-DD."),
            "invalid": _("Give the leaving date as YYYY-MM-DD."),
        },
    )


class SignInSettingsForm(forms.Form):
    password_sign_in = forms.BooleanField(
        label=_("Members may sign in with a password"),
        required=False,
        help_text=_("Off: single sign-on only, and no password reset."),
    )


class BankAdoptForm(forms.Form):
    # None chosen still adds the bank's general questions the organization lacks.
    values = forms.MultipleChoiceField(required=False)

    def __init__(self, *args: Any, bank: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["values"].choices = [(v["code"], v["name"]) for v in bank]


class WaveLaunchForm(forms.Form):
    # round_label_problem words every problem, its length too (at most ROUND_LABEL_MAX).
    round = forms.CharField(required=False, strip=True)
    closes_on = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Give the closing date as YYYY-MM-DD.")},
    )

    def clean_round(self) -> str | None:
        label = self.cleaned_data["round"]
        problem = round_label_problem(label) if label else None
        if problem:
            raise forms.ValidationError(_("The survey round %(problem)s.") % {"problem": problem})
        return label or None


COMMENT_CHOICE = "comment"  # "asked of" for a value's comment box: employees, free text


class ValueForm(forms.Form):
    """A value and its questions, with one new question, as the organization file loader takes
    them (`definition_item`). Questions already asked keep their meaning: only the wording of
    those is a field."""

    code = forms.CharField(max_length=50, validators=[CODE])
    name = forms.CharField(max_length=200, error_messages={"required": _("Give the value a name.")})
    claim = forms.CharField(required=False)
    description = forms.CharField(required=False, widget=forms.Textarea)
    new_code = forms.CharField(max_length=50, required=False, validators=[CODE])
    new_text = forms.CharField(required=False, widget=forms.Textarea)
    new_perspective = forms.ChoiceField(required=False)
    new_pairs_with = forms.ChoiceField(required=False)
    new_reverse = forms.BooleanField(required=False)

    def __init__(
        self,
        *args: Any,
        current: dict[str, Any],
        answered: set[str],
        is_new: bool,
        default_language: str = "en",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.current, self.answered, self.is_new = current, answered, is_new
        # The main inputs hold the organization's default language; one more input per other
        # language holds its translation (`name__de`, `text_<code>__de`).
        self.default_language = default_language
        self.other_languages = [c for c, _n in settings.LANGUAGES if c != default_language]
        for language in self.other_languages:
            self.fields[f"name__{language}"] = forms.CharField(max_length=200, required=False)
            self.fields[f"claim__{language}"] = forms.CharField(required=False)
            self.fields[f"description__{language}"] = forms.CharField(
                required=False, widget=forms.Textarea
            )
        if is_new:
            for name in ("new_code", "new_text", "new_perspective", "new_pairs_with"):
                del self.fields[name]
            del self.fields["new_reverse"]
        else:
            del self.fields["code"]
            self.fields["new_perspective"].choices = [
                (Perspective.EMPLOYEE, _("Employee experience")),
                # A free-text box asked of employees: the report reads its comments as being
                # about this value.
                (COMMENT_CHOICE, _("Employee comment about this value (free text)")),
                # Exit questions are about leaving, not about a value.
                *(
                    (p, label)
                    for p, label in Perspective.choices
                    if p not in (Perspective.EMPLOYEE, Perspective.EXIT)
                ),
            ]
            self.fields["new_pairs_with"].choices = [
                ("", "–"),
                *((code, code) for code in self.expected_codes()),
            ]
        for question in current["questions"]:
            self.fields[f"text_{question['code']}"] = forms.CharField(
                required=False, widget=forms.Textarea
            )
            for language in self.other_languages:
                self.fields[f"text_{question['code']}__{language}"] = forms.CharField(
                    required=False, widget=forms.Textarea
                )
            if self.reverse_editable(question):
                self.fields[f"reverse_{question['code']}"] = forms.BooleanField(required=False)

    def reverse_editable(self, question: dict[str, Any]) -> bool:
        return question["code"] not in self.answered and question.get("type", "likert") == "likert"

    def expected_codes(self) -> list[str]:
        return [
            q["code"]
            for q in self.current["questions"]
            if q.get("perspective") == Perspective.ONBOARDING_EXPECTED
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("new_code") and not data.get("new_text", "").strip():
            self.add_error("new_text", _("Give the new question a text."))
        return data

    def definition_item(self) -> dict[str, Any]:
        data = self.cleaned_data
        item: dict[str, Any] = {
            "code": data["code"] if self.is_new else self.current["code"],
            "name": self.translated(data["name"].strip(), "name"),
            "claim": self.translated(data["claim"].strip(), "claim"),
            "description": self.translated(data["description"].strip(), "description"),
            "questions": [],
        }
        for question in self.current["questions"]:
            edited = dict(question)
            # A text left out of the post keeps its wording; one sent empty is the loader's
            # to refuse.
            if f"text_{question['code']}" in self.data:
                edited["text"] = self.translated(
                    data[f"text_{question['code']}"], f"text_{question['code']}"
                )
            if self.reverse_editable(question):
                edited["reverse"] = data[f"reverse_{question['code']}"]
            item["questions"].append(edited)
        if not self.is_new and data.get("new_code"):
            perspective = data["new_perspective"] or Perspective.EMPLOYEE
            if perspective == COMMENT_CHOICE:
                new = {
                    "code": data["new_code"],
                    "text": data["new_text"],
                    "perspective": Perspective.EMPLOYEE,
                    "type": "text",
                    "reverse": False,
                }
                item["questions"].append(new)
                return item
            new = {
                "code": data["new_code"],
                "text": data["new_text"],
                "perspective": perspective,
                "type": "percent" if perspective == Perspective.LEADER_PREDICTION else "likert",
                "reverse": data["new_reverse"],
            }
            if perspective == Perspective.ONBOARDING_FOUND:
                new["pairs_with"] = data["new_pairs_with"] or None
            item["questions"].append(new)
        return item

    def translated(self, text: str, field: str) -> Any:
        """The default language's text, with each translation the post holds (an empty one
        clears it); a plain string when the post holds none."""
        given = {
            language: self.cleaned_data[f"{field}__{language}"].strip()
            for language in self.other_languages
            if f"{field}__{language}" in self.data
        }
        return {self.default_language: text, **given} if given else text

    def add_loader_errors(self, errors: list[tuple[str, str]]) -> None:
        """Put the organization file loader's problems next to the fields they are about."""
        codes = [q["code"] for q in self.definition_item()["questions"]]
        for key, problem in errors:
            field = None
            tail = key.split(".", 1)[1] if "." in key else key
            if tail in self.fields:
                field = tail
            elif tail.startswith("questions["):
                index = int(tail[len("questions[") : tail.index("]")])
                attribute = tail.rsplit(".", 1)[-1]
                code = codes[index] if index < len(codes) else ""
                existing = index < len(self.current["questions"])
                if existing and f"{attribute}_{code}" in self.fields:
                    field = f"{attribute}_{code}"
                elif not existing and f"new_{attribute}" in self.fields:
                    field = f"new_{attribute}"
            self.add_error(field, f"{key}: {problem}")


# --- The campaign wizard, one form per step -------------------------------------------------


class BasicsStep(forms.Form):
    name = forms.CharField(
        max_length=200, error_messages={"required": _("Give the campaign a name.")}
    )
    kind = forms.ChoiceField(
        choices=CampaignKind.choices,
        error_messages={
            "required": _("Choose a kind of survey."),
            "invalid_choice": _("Choose a kind of survey."),
        },
    )
    intro = forms.CharField(required=False, widget=forms.Textarea)


class QuestionsStep(forms.Form):
    questions = forms.MultipleChoiceField(
        error_messages={
            "required": _("Choose at least one question."),
            "invalid_choice": _("Choose questions from the list."),
        }
    )

    def __init__(self, *args: Any, fitting: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fitting = fitting
        self.fields["questions"].choices = [(str(q.pk), q.text) for q in fitting]

    def clean_questions(self) -> list[int]:
        # In the order the campaign asks them, not the order the browser sent them.
        chosen = set(self.cleaned_data["questions"])
        return [q.pk for q in self.fitting if str(q.pk) in chosen]


class ScheduleStep(forms.Form):
    audience_department = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": _("Choose a department from the list.")},
    )
    wave_days = number_field(low=1, high=MAX_WAVE_DAYS)
    recurrence_weeks = number_field(low=1, high=MAX_RECURRENCE_WEEKS)
    rotation_values = number_field(low=1, high=50)
    onboarding_after_days = number_field(low=1, high=MAX_ONBOARDING_AFTER_DAYS)
    reminder_days = forms.CharField(required=False)

    def __init__(
        self, *args: Any, kind: str, departments: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        initial = dict(kwargs.pop("initial", None) or {})
        if isinstance(initial.get("reminder_days"), list):
            initial["reminder_days"] = ", ".join(map(str, initial["reminder_days"]))
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["audience_department"].choices = [("", ""), *departments]
        if kind not in RECURRING_KINDS:
            del self.fields["recurrence_weeks"]
            del self.fields["rotation_values"]
        if kind != CampaignKind.ONBOARDING:
            del self.fields["onboarding_after_days"]

    def clean_wave_days(self) -> int:
        return self.cleaned_data["wave_days"] or DEFAULT_WAVE_DAYS

    def clean_reminder_days(self) -> list[int]:
        days = set()
        field = number_field(low=1, high=MAX_WAVE_DAYS - 1, required=True)
        for part in self.cleaned_data["reminder_days"].replace(";", ",").split(","):
            if part.strip():
                days.add(field.clean(part.strip()))
        return sorted(days)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        wave_days = data.get("wave_days")
        if wave_days and any(day >= wave_days for day in data.get("reminder_days", [])):
            self.add_error("reminder_days", _("Reminders must go out while the wave is open."))
        for name in ("recurrence_weeks", "rotation_values", "onboarding_after_days"):
            data.setdefault(name, None)
        return data


class AnonymityStep(forms.Form):
    min_group_size = forms.IntegerField(required=False)
    kept_attributes = forms.MultipleChoiceField(required=False, choices=SegmentAttribute.choices)

    def __init__(self, *args: Any, kind: str, organization_k: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization_k = organization_k
        self.fields["min_group_size"] = number_field(low=organization_k, high=MAX_MIN_GROUP_SIZE)
        self.leadership = kind == CampaignKind.LEADERSHIP
        if self.leadership:
            del self.fields["kept_attributes"]

    def clean_min_group_size(self) -> int:
        return self.cleaned_data["min_group_size"] or self.organization_k

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.leadership:
            data["kept_attributes"] = []
        return data


class PreviewStep(forms.Form):
    """The last step: create the campaign, and launch its first wave now or not."""

    launch = forms.TypedChoiceField(
        choices=[("1", _("Create and launch")), ("0", _("Create without launching"))],
        coerce=lambda value: value == "1",
        error_messages={"required": _("Choose whether to launch now.")},
    )


# --- Setting up: the first run, departments, people with access -----------------------------


class PasswordForm(forms.Form):
    """A name and a new password, twice, checked by the product's password validators against
    the person it will belong to (`email`)."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=300,
        error_messages={"required": _("Give your name.")},
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def password_owner_email(self) -> str:
        return ""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            email = self.password_owner_email()
            name = data.get("name", "")
            owner = get_user_model()(username=email, email=email, first_name=name)
            try:
                password_validation.validate_password(first, owner)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class FirstRunForm(PasswordForm):
    organization_name = forms.CharField(
        label=_("Organization name"),
        max_length=200,
        error_messages={"required": _("Give your organization's name.")},
    )
    min_group_size = forms.IntegerField(
        label=_("Minimum reporting group size (k)"),
        initial=5,
        min_value=MIN_GROUP_SIZE_FLOOR,
        max_value=MAX_MIN_GROUP_SIZE,
        help_text=_("No figure is ever shown for fewer respondents than this. Never below 3."),
    )
    email = forms.EmailField(
        label=_("Your work email"),
        help_text=_("You sign in with it."),
        error_messages={"required": _("Give your work email.")},
    )
    field_order = ["organization_name", "min_group_size", "name", "email", "password1", "password2"]

    def password_owner_email(self) -> str:
        return self.cleaned_data.get("email", "")


class InviteAcceptForm(PasswordForm):
    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def password_owner_email(self) -> str:
        return self.email


def department_choices(
    tree: list[dict[str, Any]], *, outside: Department | None = None
) -> list[tuple[str, str]]:
    """(id, path) of the departments of a tree, without `outside` and those below it."""
    below: set[int] = set()
    if outside is not None:
        below.add(outside.pk)
        for row in tree:  # tree order: a parent always comes before its children
            if row["department"].parent_id in below:
                below.add(row["department"].pk)
    return [(str(r["department"].pk), r["path"]) for r in tree if r["department"].pk not in below]


class DepartmentForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        error_messages={"required": _("Give the department a name.")},
    )
    parent = forms.TypedChoiceField(
        label=_("Part of"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": _("Choose a department from the list.")},
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", _("(top level)")), *choices]


class AccessInviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"), error_messages={"required": _("Give an email.")})
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.LEADER)
    department = forms.TypedChoiceField(
        label=_("Limit a leader to the department"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("A leader then sees this department and the ones below it only."),
        error_messages={"invalid_choice": _("Choose a department from the list.")},
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", _("(the whole organization)")), *choices]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("department") and data.get("role") != Role.LEADER:
            self.add_error("department", _("Only a leader is limited to a department."))
        return data
