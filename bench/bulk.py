"""Bulk operations: a roster import of 50,000 rows, and invitations for 50,000 people created and
queued, on PostgreSQL with a real Redis broker.

    python bench/bulk.py                 # 50,000 people (re-runs itself in .venv)
    python bench/bulk.py --people 20000 --drop-db

Each step goes through the product's service and is timed with time.perf_counter:
  1. roster_import of a generated 50,000-row CSV (email, name, department, start date,
     location, level) into an empty organization             target < 30 s
  2. the same file again (nothing changes; informational)
  3. wave_launch of a pulse campaign over those 50,000 people: the wave, 50,000 invitations,
     and the send task queued on Redis (CELERY_BROKER_URL=redis://127.0.0.1:6379/14) once the
     transaction commits; measured until wave_launch returns      target < 60 s
     Sending the emails is the workers' job and is not part of it; the queued task is checked
     on the broker and then removed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from common import (  # noqa: E402
    PRODUCT_PYTHON,
    ROOT,
    database_drop,
    database_recreate,
    ensure_product_venv,
    git_state,
    log,
    machine,
    manage,
    product_env,
    table,
    verdict,
    wait_for_idle,
    write_result,
)

BROKER = os.getenv("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
ROSTER_TARGET_S = 30.0
INVITE_TARGET_S = 60.0


def prepare(args: argparse.Namespace) -> dict[str, str]:
    """Fresh database, migrated; returns the environment for the Django part."""
    log(f"recreating PostgreSQL database {args.db}")
    env = product_env(database_recreate(args.db), CELERY_BROKER_URL=BROKER)
    manage(env, "migrate", "--noinput", "-v0")
    return env


def measure(args: argparse.Namespace) -> dict:
    """Runs in this process, with Django set up on the bench database."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import cs_setup
    import redis
    from django.db import connection

    from surveys.models import Employee, Invitation
    from surveys.services.campaigns import wave_launch
    from surveys.services.roster import roster_import

    broker = redis.Redis.from_url(BROKER)
    broker.delete("celery")  # db 14 is the bench's own; start from an empty queue
    org, campaign, _questions = cs_setup.bench_organization()
    content = cs_setup.roster_csv(args.people, random.Random(7)).encode()
    log(f"roster CSV: {args.people:,} rows, {len(content) / 1e6:.1f} MB")

    results = {}
    wait_for_idle(args.wait_idle)
    started = time.perf_counter()
    first = roster_import(organization=org, content=content)
    results["roster_import_s"] = time.perf_counter() - started
    assert first.created == args.people, first
    assert Employee.objects.filter(organization=org).count() == args.people

    wait_for_idle(args.wait_idle)
    started = time.perf_counter()
    again = roster_import(organization=org, content=content)
    results["roster_reimport_unchanged_s"] = time.perf_counter() - started
    assert again.unchanged == args.people, again

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    wait_for_idle(args.wait_idle)
    started = time.perf_counter()
    wave = wave_launch(campaign=campaign, round_label="bench")
    results["wave_launch_s"] = time.perf_counter() - started
    invited = Invitation.objects.filter(wave=wave).count()
    queued = [json.loads(m) for m in broker.lrange("celery", 0, -1)]
    tasks = [
        (m["headers"]["task"], m["headers"].get("argsrepr", "")) for m in queued if "headers" in m
    ]
    broker.delete("celery")
    results.update(
        {
            "employees": Employee.objects.filter(organization=org).count(),
            "invitations": invited,
            "queued_tasks": tasks,
        }
    )
    assert invited == args.people, invited
    assert any(
        name == "surveys.tasks.send_wave_invitations"
        and argsrepr in (f"[{wave.pk}]", f"({wave.pk},)")
        for name, argsrepr in tasks
    ), tasks
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=50000)
    parser.add_argument("--db", default="culturesurvey_bench_bulk")
    parser.add_argument("--drop-db", action="store_true", help="drop the bench database at the end")
    parser.add_argument("--wait-idle", type=float, default=120)
    parser.add_argument("--in-django", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.in_django:
        print("BENCH_JSON " + json.dumps(measure(args)))
        return

    ensure_product_venv()
    env = prepare(args)
    log(f"timing roster import and wave launch for {args.people:,} people (broker {BROKER})")
    import subprocess

    child = subprocess.run(
        [str(PRODUCT_PYTHON), __file__, "--in-django", *sys.argv[1:]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    sys.stderr.write(child.stderr[-3000:])
    line = next((x for x in child.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if child.returncode != 0 or line is None:
        sys.stdout.write(child.stdout[-3000:])
        raise SystemExit("bulk measurement failed")
    results = json.loads(line.removeprefix("BENCH_JSON "))
    if args.drop_db:
        database_drop(args.db)

    rows = [
        [
            f"roster import, {args.people:,} new rows",
            results["roster_import_s"],
            ROSTER_TARGET_S,
            verdict(results["roster_import_s"] < ROSTER_TARGET_S),
        ],
        [
            f"roster import again, {args.people:,} unchanged",
            results["roster_reimport_unchanged_s"],
            "-",
            "-",
        ],
        [
            f"wave launch: {results['invitations']:,} invitations + send task queued",
            results["wave_launch_s"],
            INVITE_TARGET_S,
            verdict(results["wave_launch_s"] < INVITE_TARGET_S),
        ],
    ]
    print()
    print(table(["step", "seconds", "target s", "result"], rows))
    print(f"queued on {BROKER}: {results['queued_tasks']}")
    path = write_result(
        "bulk",
        {
            "machine": machine(),
            "code": git_state(),
            "people": args.people,
            "broker": BROKER,
            "results": results,
            "targets": {"roster_import_s": ROSTER_TARGET_S, "wave_launch_s": INVITE_TARGET_S},
        },
    )
    print(f"\nJSON: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
