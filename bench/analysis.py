"""The gap analysis at scale: synthetic organizations of 10,000 to 1,000,000 respondents.

    bench/analysis.sh                              # 10,000, 100,000 and 1,000,000 respondents
    bench/analysis.sh --sizes 10000,100000         # some sizes only
    bench/analysis.sh --workers                    # also: 20 organizations, 1 vs 2 processes
    bench/analysis.sh --report                     # also: the largest organization's report read

Each organization has the shape of a large customer: 8 values of 3 employee items each (one
reverse-scored), a leader rating and a prediction per value, eNPS and a comment; 40 departments
in two levels, 5 tenure bands, 5 locations, 4 levels, 30 leaders; one survey round. It is built
through the product: `load_org` with a generated organization file, then the history import
(`import_responses`) of a generated CSV with one row per respondent and one per leader.

Per size, on PostgreSQL, each step a process of its own, timed from start to exit, with the peak
resident memory the kernel reports for it (getrusage of the child): the import (load) and
`manage.py gap_report ORG --wave W --json` (the analysis: reads the answers, computes, stores
the snapshot). Targets (this machine, 2 cores): 100,000 analysed in < 15 s and < 1 GB;
1,000,000 in < 3 min and < 4 GB; the time per respondent not growing with size.

`--workers`: 20 organizations of 5,000 respondents, analysed by a real Celery worker on Redis
with 1 process and then with 2; the total with 2 must be at most 65% of the total with 1.

`--report`: the largest organization's stored report as a leader reads it, through gunicorn
(the product's configuration): the page at 16 readers (p95 < 150 ms), PDF (< 10 s), CSV and
XLSX (< 5 s each).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    PG_ADMIN_URL,
    PRODUCT_PYTHON,
    ROOT,
    WORK,
    CpuMeter,
    database_drop,
    database_recreate,
    ensure_product_venv,
    ensure_wrk,
    git_state,
    http_request,
    log,
    machine,
    manage,
    product_env,
    product_server,
    psql,
    remove_request_files,
    running,
    sign_in,
    table,
    verdict,
    wait_for_idle,
    write_requests,
    write_result,
    wrk,
)

ROUND = "2026-09"
VALUES = 8
DIVISIONS = 8  # 8 divisions of 4 teams: 40 departments in two levels
TEAMS_PER_DIVISION = 4
LEADERS = 30
LOCATIONS = ["Berlin", "Lisbon", "Toronto", "Singapore", "Remote"]
LEVELS = ["Associate", "Senior", "Lead", "Director"]
BANDS = ["lt_6m", "6_12m", "1_2y", "2_5y", "5y_plus"]
COMMENTS = [
    "Decisions are explained well in my team.",
    "Too many meetings, too little focus time.",
    "I do not hear about changes until they happen.",
    "My manager backs me when I raise a problem.",
    "Recognition depends on who you know.",
]
LEADER = "bench-leader"
PASSWORD = "bench-leader-password"  # noqa: S105 (a throw-away bench account)
TARGETS = {100_000: (15.0, 1024.0), 1_000_000: (180.0, 4096.0)}  # seconds, MB
WORKER_SHARE_TARGET = 0.65
PORT = 8705
PAGE_P95_MS, PDF_S, TABLE_S = 150.0, 10.0, 5.0
BROKER = os.getenv("BENCH_BROKER_URL", "redis://127.0.0.1:6379/13")


# --- The synthetic organization -------------------------------------------------------------


def departments() -> list[dict]:
    tree = []
    for d in range(DIVISIONS):
        tree.append({"name": f"Division {d + 1}"})
        tree += [
            {"name": f"Team {d + 1}.{t + 1}", "parent": f"Division {d + 1}"}
            for t in range(TEAMS_PER_DIVISION)
        ]
    return tree


def teams() -> list[str]:
    return [d["name"] for d in departments() if "parent" in d]


def definition(slug: str) -> dict:
    values = []
    for v in range(VALUES):
        code = f"v{v + 1}"
        values.append(
            {
                "code": code,
                "name": f"Value {v + 1}",
                "claim": f"We live value {v + 1} every day.",
                "questions": [
                    {"code": f"{code}e1", "text": f"Value {v + 1}: item one."},
                    {"code": f"{code}e2", "text": f"Value {v + 1}: item two."},
                    {"code": f"{code}e3", "reverse": True, "text": f"Value {v + 1}: item three."},
                    {"code": f"{code}l", "perspective": "leader", "text": "How well is it lived?"},
                    {
                        "code": f"{code}p",
                        "perspective": "leader_prediction",
                        "type": "percent",
                        "text": "What share of employees will agree?",
                    },
                ],
            }
        )
    return {
        "organization": {"slug": slug, "name": f"Bench {slug}", "min_group_size": 5},
        "departments": departments(),
        "values": values,
        "questions": [
            {"code": "enps", "type": "recommend", "text": "Would you recommend working here?"},
            {"code": "comment", "type": "text", "text": "Anything else?"},
        ],
    }


def history_csv(path: Path, respondents: int, seed: int) -> None:
    """One row per leader and per respondent, written as it is generated."""
    rng = random.Random(seed)
    codes = [f"v{v + 1}e{i}" for v in range(VALUES) for i in (1, 2, 3)]
    leader_codes = [f"v{v + 1}{s}" for v in range(VALUES) for s in ("l", "p")]
    header = ["kind", "wave", "department", "tenure_band", "location", "level"]
    header += codes + leader_codes + ["enps", "comment"]
    # Each value is lived differently in each team; leaders see it rosier on half of them.
    lived = {(t, v): rng.uniform(2.2, 4.2) for t in teams() for v in range(VALUES)}
    team_names = teams()
    with path.open("w", newline="") as file:
        out = csv.writer(file)
        out.writerow(header)
        for _ in range(LEADERS):
            row = ["leadership", ROUND, "", "", "", ""] + [""] * len(codes)
            for v in range(VALUES):
                row += [str(rng.randint(3, 5) if v % 2 else rng.randint(2, 5))]
                row += [str(rng.randint(40, 95))]
            out.writerow([*row, "", ""])
        for _ in range(respondents):
            team = rng.choice(team_names)
            row = ["pulse", ROUND, team, rng.choice(BANDS), rng.choice(LOCATIONS)]
            row.append(rng.choice(LEVELS))
            for v in range(VALUES):
                centre = lived[team, v]
                for item in (1, 2, 3):
                    score = min(5, max(1, round(rng.gauss(centre, 0.9))))
                    row.append(str(6 - score if item == 3 else score))
            row += [""] * len(leader_codes)
            row.append(str(min(10, max(0, round(rng.gauss(7, 2))))))
            row.append(rng.choice(COMMENTS) if rng.random() < 0.1 else "")
            out.writerow(row)


# --- Timing a step ----------------------------------------------------------------------------


def timed(env: dict[str, str], *args: str) -> tuple[float, float, str]:
    """(seconds, peak resident MB, stdout) of one `manage.py` process, waited for with wait4 so
    the kernel's peak for that process alone is read."""
    WORK.mkdir(parents=True, exist_ok=True)
    out_path, err_path = WORK / "step.out", WORK / "step.err"
    with out_path.open("w") as out, err_path.open("w") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            [str(PRODUCT_PYTHON), "manage.py", *args], cwd=ROOT, env=env, stdout=out, stderr=err
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        sys.stderr.write(err_path.read_text()[-4000:])
        raise SystemExit(f"manage.py {' '.join(args)} failed")
    return seconds, usage.ru_maxrss / 1024, out_path.read_text()


def load(env: dict[str, str], slug: str, respondents: int, seed: int) -> dict:
    WORK.mkdir(parents=True, exist_ok=True)
    org_file = WORK / f"{slug}.json"
    org_file.write_text(json.dumps(definition(slug)))
    manage(env, "load_org", str(org_file), capture=True)
    rows = WORK / f"{slug}-history.csv"
    history_csv(rows, respondents, seed)
    log(f"{slug}: {respondents:,} respondents, {rows.stat().st_size / 1e6:.0f} MB of CSV")
    seconds, peak, _out = timed(env, "import_responses", slug, str(rows))
    rows.unlink()
    return {"load_s": seconds, "load_peak_mb": peak}


# --- Sizes ------------------------------------------------------------------------------------


def run_sizes(args: argparse.Namespace, env: dict[str, str]) -> list[dict]:
    results = []
    for size in args.sizes:
        slug = f"size{size}"
        log(f"loading {slug}")
        result = {"respondents": size, **load(env, slug, size, seed=size)}
        psql("VACUUM ANALYZE", args.db)
        result["cpu_idle_before"] = wait_for_idle(args.wait_idle)
        log(f"analysing {slug}")
        seconds, peak, out = timed(env, "gap_report", slug, "--wave", ROUND, "--json")
        report = json.loads(out)
        result |= {
            "analysis_s": seconds,
            "analysis_peak_mb": peak,
            "n_values": len({e["value"] for e in report["stated_vs_lived"]}),
            "method_version": report["method_version"],
        }
        log(f"{slug}: analysed in {seconds:.1f} s, peak {peak:.0f} MB")
        results.append(result)
    return results


# --- Many organizations, one worker -------------------------------------------------------------


WORKER_SCRIPT = """
import os, time
from analytics.models import AnalysisJob
from analytics.services import analysis_request
from surveys.models import Round
slugs = os.environ["BENCH_SLUGS"].split(",")
rounds = [Round.objects.get(organization__slug=s, label="{round}") for s in slugs]
started = time.perf_counter()
jobs = [
    analysis_request(organization=r.organization, round_=r).pk for r in rounds
]
while AnalysisJob.objects.filter(pk__in=jobs, status__in=["queued", "running"]).exists():
    time.sleep(0.2)
failed = AnalysisJob.objects.filter(pk__in=jobs).exclude(status="done").count()
print("BENCH_JSON", {{"seconds": time.perf_counter() - started, "failed": failed}})
"""


def run_workers(args: argparse.Namespace, env: dict[str, str]) -> dict:
    # Each run analyses organizations of its own, never analysed before: the same data (same
    # seeds) under other names, so both runs do exactly the same work.
    names = {p: [f"many{p}x{i:02d}" for i in range(args.orgs)] for p in (1, 2)}
    for slugs in names.values():
        for i, slug in enumerate(slugs):
            load(env, slug, args.org_size, seed=1000 + i)
    psql("VACUUM ANALYZE", args.db)
    totals = {}
    for processes, slugs in names.items():
        worker = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "celery"),
                "-A",
                "culturesurvey",
                "worker",
                "--concurrency",
                str(processes),
                "--prefetch-multiplier",
                "1",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=env | {"CELERY_BROKER_URL": BROKER},
            stdout=subprocess.DEVNULL,
            stderr=(WORK / f"worker-{processes}.log").open("w"),
        )
        try:
            time.sleep(5)  # the worker's processes import the product
            wait_for_idle(args.wait_idle)
            log(f"{len(slugs)} organizations × {args.org_size:,}: worker with {processes}")
            script = WORKER_SCRIPT.format(round=ROUND)
            out = subprocess.run(
                [str(PRODUCT_PYTHON), "manage.py", "shell", "-c", script],
                cwd=ROOT,
                env=env
                | {
                    "CELERY_BROKER_URL": BROKER,
                    "BENCH_SLUGS": ",".join(slugs),
                },
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        finally:
            worker.terminate()
            worker.wait(60)
        line = next(x for x in out.splitlines() if x.startswith("BENCH_JSON"))
        data = eval(line.removeprefix("BENCH_JSON"), {})  # noqa: S307 (our own dict literal)
        if data["failed"]:
            raise SystemExit(f"{data['failed']} analysis job(s) failed with {processes}")
        totals[processes] = data["seconds"]
        log(f"with {processes} process(es): {data['seconds']:.1f} s")
    return {
        "organizations": args.orgs,
        "respondents_each": args.org_size,
        "seconds_1": totals[1],
        "seconds_2": totals[2],
        "share": totals[2] / totals[1],
    }


# --- Reading the report ---------------------------------------------------------------------


LEADER_SCRIPT = """
from django.contrib.auth import get_user_model
from surveys.models import Membership, Organization, Role
user, _ = get_user_model().objects.get_or_create(username="{user}")
user.set_password("{password}")
user.save()
organization = Organization.objects.get(slug="{slug}")
Membership.objects.get_or_create(
    user=user, organization=organization, defaults={{"role": Role.LEADER}}
)
"""


def run_report(args: argparse.Namespace, env: dict[str, str], slug: str) -> dict:
    script = LEADER_SCRIPT.format(user=LEADER, password=PASSWORD, slug=slug)
    manage(env, "shell", "-c", script)
    server = product_server(
        env=env | {"GUNICORN_WORKERS": "2"}, port=PORT, log_name="gunicorn-analysis.log"
    )
    page = f"/o/{slug}/report/{ROUND}/"
    result: dict = {"organization": slug}
    with running(server):
        cookie = sign_in(PORT, LEADER, PASSWORD)
        for fmt, limit in (("pdf", PDF_S), ("csv", TABLE_S), ("xlsx", TABLE_S)):
            request = urllib.request.Request(
                f"http://127.0.0.1:{PORT}/o/{slug}/report/{ROUND}/export.{fmt}",
                headers={"Cookie": cookie},
            )
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=300) as response:
                    body = response.read()
                    status, size = response.status, len(body)
                # Kept for a look (bench/results/work/, git-ignored like the rest).
                (WORK / f"analysis-report.{fmt}").write_bytes(body)
            except urllib.error.HTTPError as error:  # e.g. the web process's time limit
                status, size = error.code, 0
            seconds = time.perf_counter() - started
            result[fmt] = {"seconds": seconds, "bytes": size, "status": status, "target_s": limit}
            log(f"{fmt}: HTTP {status} after {seconds:.2f} s, {size / 1024:.0f} KiB")
        requests_file = WORK / "analysis-report.req"
        write_requests(
            requests_file, [http_request("GET", page, PORT, headers=[("Cookie", cookie)])]
        )
        wrk(
            label="warm-up",
            port=PORT,
            requests_file=requests_file,
            connections=2,
            duration=3,
            mode="cycle",
        )
        wait_for_idle(args.wait_idle)
        meter = CpuMeter(server.process.pid, database=args.db)
        meter.start()
        read = wrk(
            label="report",
            port=PORT,
            requests_file=requests_file,
            connections=16,
            duration=20,
            mode="cycle",
        )
        cpu = meter.stop()
    remove_request_files()
    pages = max(1, read.requests)
    result["page"] = {
        "pages_per_s": read.count(200) / read.duration_s,
        "latency_ms": read.latency_ms,
        "errors": read.requests - read.count(200) + read.socket_errors,
        "cpu_ms_per_page": {
            "app": 1000 * cpu["app_s"] / pages,
            "database": 1000 * cpu["database_s"] / pages,
        },
        "target_p95_ms": PAGE_P95_MS,
    }
    return result


def _export_met(figures: dict) -> bool:
    return figures["status"] == 200 and figures["seconds"] < figures["target_s"]


# --- Main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=lambda text: [int(x.replace("_", "")) for x in text.split(",") if x],
        default=[10_000, 100_000, 1_000_000],
    )
    parser.add_argument("--workers", action="store_true", help="20 organizations, 1 vs 2 processes")
    parser.add_argument("--orgs", type=int, default=20)
    parser.add_argument("--org-size", type=int, default=5_000)
    parser.add_argument("--report", action="store_true", help="read the largest size's report")
    parser.add_argument("--db", default="culturesurvey_bench_analysis")
    parser.add_argument("--drop-db", action="store_true", help="drop the bench database at the end")
    parser.add_argument("--wait-idle", type=float, default=120)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database of an earlier run and only read the report (with --report)",
    )
    args = parser.parse_args()
    ensure_product_venv()
    if args.report:
        ensure_wrk()

    if args.reuse:
        # The organizations and their snapshots stay as the earlier run left them: only the
        # report is read again, e.g. after a change to the pages or the exports.
        log(f"reusing PostgreSQL database {args.db}")
        env = product_env(f"{PG_ADMIN_URL}/{args.db}")
        manage(env, "migrate", "--noinput", "-v0")
        sizes = []
    else:
        log(f"recreating PostgreSQL database {args.db}")
        env = product_env(database_recreate(args.db))
        manage(env, "migrate", "--noinput", "-v0")
        sizes = run_sizes(args, env) if args.sizes else []
    workers = run_workers(args, env) if args.workers else None
    read = args.report and args.sizes and (sizes or args.reuse)
    report = run_report(args, env, f"size{max(args.sizes)}") if read else None
    if args.drop_db:
        database_drop(args.db)

    print()
    rows = []
    for r in sizes:
        per = 1e6 * r["analysis_s"] / r["respondents"]
        target = TARGETS.get(r["respondents"])
        met = target is None or (r["analysis_s"] < target[0] and r["analysis_peak_mb"] < target[1])
        rows.append(
            [
                r["respondents"],
                r["load_s"],
                r["load_peak_mb"],
                r["analysis_s"],
                r["analysis_peak_mb"],
                per,
                "—"
                if target is None
                else f"< {target[0]:.0f} s, < {target[1]:.0f} MB: " + verdict(met),
            ]
        )
        r["target_met"] = met
    if rows:
        headers = ["respondents", "load s", "load MB", "analysis s", "analysis MB", "µs/resp."]
        print(table([*headers, "target"], rows))
    if workers:
        met = workers["share"] <= WORKER_SHARE_TARGET
        workers["target_met"] = met
        print(
            f"\n{workers['organizations']} organizations × {workers['respondents_each']:,}: "
            f"{workers['seconds_1']:.1f} s with 1 worker process, {workers['seconds_2']:.1f} s "
            f"with 2 ({100 * workers['share']:.0f}%; target <= 65%: {verdict(met)})"
        )
    if report:
        page = report["page"]
        print(
            f"\nReport of {report['organization']}: page p95 {page['latency_ms']['p95']:.0f} ms "
            f"at 16 readers ({verdict(page['latency_ms']['p95'] < PAGE_P95_MS)}; "
            f"{page['pages_per_s']:.0f} pages/s, CPU per page: app "
            f"{page['cpu_ms_per_page']['app']:.1f} ms, database "
            f"{page['cpu_ms_per_page']['database']:.1f} ms), "
            + ", ".join(
                f"{fmt.upper()} {report[fmt]['seconds']:.1f} s "
                f"({verdict(_export_met(report[fmt]))})"
                for fmt in ("pdf", "csv", "xlsx")
            )
        )
    path = write_result(
        "analysis",
        {
            "machine": machine(),
            "code": git_state(),
            "sizes": sizes,
            "workers": workers,
            "report": report,
        },
    )
    print(f"\nJSON: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
