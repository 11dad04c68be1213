"""The survey every app under test asks: 10 five-point agreement items (two for each of five
values) and one optional free-text comment. Standard library only: the product and the peers
each build it in their own models from this one description."""

LIKERT_LABELS = [
    "Strongly disagree",
    "Disagree",
    "Neither agree nor disagree",
    "Agree",
    "Strongly agree",
]
VALUES = {
    "openness": ("Openness", ["I can raise problems without fear.", "Bad news travels up fast."]),
    "ownership": ("Ownership", ["I decide how to do my work.", "People here keep promises."]),
    "customers": ("Customers", ["We fix what customers report.", "I know what customers need."]),
    "learning": ("Learning", ["Mistakes are discussed, not punished.", "I learned a lot lately."]),
    "balance": ("Balance", ["My workload is sustainable.", "I can switch off after work."]),
}
COMMENT_CODE = "comment"
COMMENT_TEXT = "Anything else you want leadership to hear?"
# Realistic free text of 100-200 characters (django-form-surveys requires at least 100).
COMMENTS = [
    "Leadership says the door is always open, but raising problems in my team still gets you "
    "labelled negative. I would like to see that change this year.",
    "I love working with our customers; the support team really goes the extra mile, even "
    "when the tooling makes it harder than it should be for all of us.",
    "Planning is better than last quarter, but we still start too many things at once and "
    "finish too few of them. Fewer priorities would help everyone here.",
    "My manager gives clear feedback and makes time for one-to-ones. The wider organization "
    "could explain decisions earlier instead of announcing them at the end.",
    "Workload has been heavy since the reorganisation and on-call is spread unevenly. I enjoy "
    "the work itself and my colleagues a lot, so I hope this gets fixed.",
]


def likert_items() -> list[tuple[str, str, str]]:
    """(code, value name, question text) of the ten agreement items, in order."""
    return [
        (f"{code}_{i}", name, text)
        for code, (name, texts) in VALUES.items()
        for i, text in enumerate(texts, 1)
    ]
