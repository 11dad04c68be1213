"""What the comments say about each value, at scale: the report's theme step alone.

    .venv/bin/python bench/themes.py                       # 100,000 and 1,000,000 respondents
    .venv/bin/python bench/themes.py --sizes 10000,100000  # some sizes only

A synthetic round shaped as bench/analysis.py's organizations (40 departments in 8 divisions of
4 teams, 5 tenure bands, 5 locations, 4 levels; k = 5) with the demo's six values and their
texts from the starter question bank. 30% of respondents write one comment to the general
question "Anything else?", drawn from the demo's comment pools (culturesurvey/demo.py): a
sentence about a value, now and then two, with one of a few openings and endings and a team or
a month named, so that most comments differ from each other as real ones do. 15% are the demo's
comments about nothing in particular.

Per size, in a process of its own: the round is generated, then `comment_themes` (matching the
comments to values, the themes, leaning and quotes of each value and segment, the anonymity
rules and the differencing auditor) is timed, with the peak resident memory it adds to what the
generated round already holds (the kernel's peak, reset just before the step), and its CPU
time (less sensitive to other work on a shared machine). Before each size the script waits (up
to --wait-idle seconds) for a quiet machine, as the other benchmarks do. Target (this
machine, 2 cores): 1,000,000 respondents in < 60 s and < 1.5 GB extra. No database is used.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    PRODUCT_PYTHON,
    ROOT,
    git_state,
    log,
    machine,
    table,
    verdict,
    wait_for_idle,
    write_result,
)

SHARE = 0.3
K = 5
DIVISIONS, TEAMS = 8, 4
BANDS = ["lt_6m", "6_12m", "1_2y", "2_5y", "5y_plus"]
LOCATIONS = ["Berlin", "Lisbon", "Toronto", "Singapore", "Remote"]
LEVELS = ["Associate", "Senior", "Lead", "Director"]
OPENINGS = [
    "",
    "",
    "Honestly, ",
    "To be fair, ",
    "Same as last time: ",
    "In short: ",
    "As a {level}: ",
    "After {years} years here: ",
]
ENDINGS = [
    "",
    " This has not changed since {month}.",
    " Please do something about it.",
    " It is better than it was in {month}.",
    " In the {team} team at least.",
    " The {team} team feels the same.",
    " I have seen it for {years} years.",
    " Since {month}, in {team}.",
]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August"]
TEAMS_NAMED = ["payments", "search", "mobile", "billing", "data", "support", "sales", "design"]


def generate(n: int, seed: int):
    """A round of n respondents: (Inputs-like object, plan) for `comment_themes`."""
    import numpy as np
    import yaml

    from analytics.selectors import QuestionMeta, ResponseSet
    from culturesurvey.demo import COMMENTS, VALUE_COMMENTS

    rng = np.random.default_rng(seed)
    bank = yaml.safe_load((ROOT / "surveys" / "question_bank.yaml").read_text(encoding="utf-8"))
    bank_values = bank["values"] if isinstance(bank, dict) else bank
    values = [v for v in bank_values if v["code"] in VALUE_COMMENTS]
    departments = rng.integers(0, DIVISIONS * TEAMS, n) + 1  # teams 1..32; divisions 33..40
    lived = ResponseSet(
        round_index=np.zeros(n, dtype=int),
        department=departments,
        tenure_band=np.array(BANDS, dtype=object)[rng.integers(0, len(BANDS), n)],
        location=np.array(LOCATIONS, dtype=object)[rng.integers(0, len(LOCATIONS), n)],
        level=np.array(LEVELS, dtype=object)[rng.integers(0, len(LEVELS), n)],
        numbers=np.zeros((n, 1)),
        asked=np.ones((n, 1), dtype=bool),
        imported=np.zeros(n, dtype=bool),
    )
    codes = list(VALUE_COMMENTS)
    writers = np.flatnonzero(rng.random(n) < SHARE)
    general = rng.random(writers.size) < 0.15
    picks = rng.integers(0, 1 << 30, (writers.size, 8))
    for row, is_general, pick in zip(writers, general, picks, strict=True):
        if is_general:
            text = COMMENTS[pick[0] % len(COMMENTS)]
        else:
            low, high = VALUE_COMMENTS[codes[pick[0] % len(codes)]]
            pool = high if pick[1] % 2 else low
            text = pool[pick[2] % len(pool)]
            if pick[3] % 5 < 2:
                text += " " + pool[pick[4] % len(pool)]
            named = {
                "team": TEAMS_NAMED[pick[7] % len(TEAMS_NAMED)],
                "month": MONTHS[(pick[7] >> 4) % len(MONTHS)],
                "years": 2 + (pick[7] >> 8) % 12,
                "level": LEVELS[(pick[7] >> 12) % len(LEVELS)].lower(),
            }
            opening = OPENINGS[pick[5] % len(OPENINGS)].format(**named)
            text = opening + text + ENDINGS[pick[6] % len(ENDINGS)].format(**named)
        lived.texts.append((int(row), 0, text))

    question = QuestionMeta(0, 1, "comment", None, "employee", "text", False, "", None)

    class Input:
        questions = [question]
        values_ = [(v["code"], v["name"]) for v in values]
        value_texts = {
            v["code"]: (
                v.get("claim", ""),
                v.get("description", ""),
                [q["text"] for q in v.get("questions", []) if q.get("perspective") == "employee"],
            )
            for v in values
        }

    Input.values = Input.values_

    class Inputs:
        inp = Input
        k = K
        need = max(K, 10)

        def __init__(self):
            self.lived = lived

        def segment_masks(self, rs):
            cells = []
            for division in range(DIVISIONS):
                teams = np.arange(division * TEAMS, (division + 1) * TEAMS) + 1
                cells.append(
                    ("department", f"department:{33 + division}", np.isin(rs.department, teams))
                )
                for team in teams:
                    cells.append(("department", f"department:{team}", rs.department == team))
            for dimension, categories in (
                ("tenure_band", BANDS),
                ("location", LOCATIONS),
                ("level", LEVELS),
            ):
                column = getattr(rs, dimension)
                for category in categories:
                    cells.append((dimension, f"{dimension}:{category}", column == category))
            return cells

    class Plan:
        def __getitem__(self, key):
            return True  # every segment's figures published: the most work for the step

    return Inputs(), Plan(), len(lived.texts)


def rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def one(n: int, seed: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "culturesurvey.settings")
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from analytics.report.value_comments import comment_themes

    inputs, plan, comments = generate(n, seed)
    distinct = len({text for _row, _column, text in inputs.lived.texts})
    # Reset the kernel's peak resident memory to what the process holds now.
    Path("/proc/self/clear_refs").write_text("5")
    before = rss_kib("VmRSS")
    start, cpu = time.perf_counter(), time.process_time()
    result = comment_themes(inputs, plan)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = rss_kib("VmHWM")
    shown = [e for e in result["values"] if e["shown"]]
    return {
        "respondents": n,
        "comments": comments,
        "distinct_comments": distinct,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "extra_peak_mb": round((peak - before) / 1024, 1),
        "rss_before_mb": round(before / 1024, 1),
        "shown_entries": len(shown),
        "values_with_themes": len(
            {e["value"] for e in shown if e["segment"] == "all" and e["themes"]}
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="respondents, comma-separated")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--wait-idle", type=float, default=120, help="seconds to wait for a quiet machine"
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.seed)))
        return
    rows, results = [], []
    for size in [int(s) for s in args.sizes.split(",") if s]:
        log(f"{size:,} respondents ...")
        idle = wait_for_idle(args.wait_idle)
        python = PRODUCT_PYTHON if PRODUCT_PYTHON.exists() else Path(sys.executable)
        out = subprocess.run(
            [str(python), __file__, "--one", str(size), "--seed", str(args.seed)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        found = json.loads(out.strip().splitlines()[-1])
        found["cpu_idle_before"] = round(idle, 2)
        results.append(found)
        target = ""
        if size >= 1_000_000:
            met = found["seconds"] < 60 and found["extra_peak_mb"] < 1536
            target = f"< 60 s, < 1.5 GB extra: {verdict(met)}"
        rows.append(
            [
                size,
                found["comments"],
                found["distinct_comments"],
                found["seconds"],
                found["cpu_seconds"],
                found["extra_peak_mb"],
                found["values_with_themes"],
                target,
            ]
        )
    print(
        table(
            [
                "respondents",
                "comments",
                "distinct",
                "theme step s",
                "CPU s",
                "extra peak MB",
                "values with themes",
                "target",
            ],
            rows,
        )
    )
    path = write_result("themes", {"machine": machine(), "git": git_state(), "runs": results})
    log(f"figures written to {path}")


if __name__ == "__main__":
    main()
