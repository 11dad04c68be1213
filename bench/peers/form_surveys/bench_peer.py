"""The bench survey in django-form-surveys' own models (run in the peer's virtualenv).

    python bench_peer.py setup   -> {"form_path": "/surveys/create/<slug>/", ...}
    python bench_peer.py count   -> {"responses": N, "answers": M}

The survey accepts anonymous submissions (can_anonymous_user=True): ten radio questions on the
five agreement labels and one optional text-area question.
"""

import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent.parent)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerproject.settings")

import django  # noqa: E402

django.setup()

from djf_surveys.models import TYPE_FIELD, Answer, Question, Survey, UserAnswer  # noqa: E402
from survey_spec import COMMENT_TEXT, LIKERT_LABELS, likert_items  # noqa: E402


def setup() -> dict:
    survey = Survey.objects.create(
        name="Bench pulse",
        description="Ten minutes, once a month: tell us what working here is really like.",
        can_anonymous_user=True,
    )
    order = 0
    for _code, _value_name, text in likert_items():
        order += 1
        Question.objects.create(
            survey=survey,
            label=text,
            type_field=TYPE_FIELD.radio,
            choices=",".join(LIKERT_LABELS),
            required=True,
            ordering=order,
        )
    Question.objects.create(
        survey=survey,
        label=COMMENT_TEXT,
        type_field=TYPE_FIELD.text_area,
        required=False,
        ordering=order + 1,
    )
    return {
        "survey": survey.pk,
        "form_path": f"/surveys/create/{survey.slug}/",
        "questions": order + 1,
    }


def count() -> dict:
    return {"responses": UserAnswer.objects.count(), "answers": Answer.objects.count()}


if __name__ == "__main__":
    print(json.dumps(setup() if sys.argv[1] == "setup" else count()))
