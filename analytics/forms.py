"""The form of the report page: recording an action on a flagged value. The report page is
rendered from stored snapshots alone, so a refused action comes back to it as a message that
names each field and its problem."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class ActionForm(forms.Form):
    value = forms.CharField(
        max_length=50, error_messages={"required": _("Choose a value of this report.")}
    )
    owner = forms.CharField(
        max_length=200, error_messages={"required": _("Name who owns the action.")}
    )
    due_on = forms.DateField(
        input_formats=["%Y-%m-%d"],
        error_messages={
            "required": _("Give the due date as YYYY-MM-DD."),
            "invalid": _("Give the due date as YYYY-MM-DD."),
        },
    )
    description = forms.CharField(error_messages={"required": _("Say what will change.")})
    segment = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, segments: set[str], **kwargs: Any) -> None:
        """`segments`: those of the report the reader sees; "all" when none is named."""
        super().__init__(*args, **kwargs)
        self.segments = segments
        self.fields["segment"].choices = [(s, s) for s in sorted(segments)]

    def clean_segment(self) -> str:
        return self.cleaned_data["segment"] or "all"

    def problems(self) -> list[str]:
        """Each problem with the label of its field, for a message on the report page."""
        return [
            f"{self.fields[name].label or name.replace('_', ' ').capitalize()}: {problem}"
            if name in self.fields
            else str(problem)
            for name, errors in self.errors.items()
            for problem in errors
        ]

    def service_errors(self, errors: dict[str, Any]) -> None:
        for name, problem in errors.items():
            self.add_error(name if name in self.fields else None, problem)
