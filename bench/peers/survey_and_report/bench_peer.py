"""The bench survey in django-survey-and-report's own models (run in the peer's virtualenv).

    python bench_peer.py setup   -> {"form_path": "/survey/1/", ...}
    python bench_peer.py count   -> {"responses": N, "answers": M}

The survey is anonymous (need_logged_user=False), on one page, with the five values as
categories: ten radio questions on the five agreement labels and one optional text question.
"""

import datetime as dt
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent.parent)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerproject.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402
from survey.models import Answer, Category, Question, Response, Survey  # noqa: E402
from survey_spec import COMMENT_TEXT, LIKERT_LABELS, VALUES, likert_items  # noqa: E402


def setup() -> dict:
    today = timezone.now().date()
    survey = Survey.objects.create(
        name="Bench pulse",
        description="Ten minutes, once a month: tell us what working here is really like.",
        is_published=True,
        need_logged_user=False,
        display_method=Survey.ALL_IN_ONE_PAGE,
        publish_date=today,
        expire_date=today + dt.timedelta(days=365),
    )
    categories = {
        name: Category.objects.create(name=name, survey=survey, order=n)
        for n, (name, _items) in enumerate(VALUES.values(), 1)
    }
    order = 0
    for _code, value_name, text in likert_items():
        order += 1
        Question.objects.create(
            survey=survey,
            text=text,
            order=order,
            required=True,
            category=categories[value_name],
            type=Question.RADIO,
            choices=",".join(LIKERT_LABELS),
        )
    Question.objects.create(
        survey=survey, text=COMMENT_TEXT, order=order + 1, required=False, type=Question.TEXT
    )
    return {"survey": survey.pk, "form_path": f"/survey/{survey.pk}/", "questions": order + 1}


def count() -> dict:
    return {"responses": Response.objects.count(), "answers": Answer.objects.count()}


if __name__ == "__main__":
    print(json.dumps(setup() if sys.argv[1] == "setup" else count()))
