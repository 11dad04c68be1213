"""Report page from a stored snapshot: 16 concurrent readers, signed in as a leader.

    python bench/report_page.py                  # 16 readers, 20 s
    python bench/report_page.py --clients 32 --duration 30 --drop-db

Loads the demo organization (`manage.py load_demo`: six months of surveys; it computes the
latest round's report snapshot) into a dedicated PostgreSQL database, starts gunicorn (2
sync workers, the product's gunicorn.conf.py), signs the leader `ceo` in through the
login page as a browser does, and has wrk read /o/northwind/report/ with that session cookie.
"""

from __future__ import annotations

import argparse
import os
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
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

PORT = 8704
TARGET_P95_MS = 150.0
LEADER, PASSWORD = "ceo", "northwind-demo"  # the demo's published sign-in
REPORT_PATH = "/o/northwind/report/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--db", default="culturesurvey_bench_report")
    parser.add_argument("--drop-db", action="store_true", help="drop the bench database at the end")
    parser.add_argument("--wait-idle", type=float, default=120)
    args = parser.parse_args()
    ensure_wrk()
    ensure_product_venv()
    WORK.mkdir(parents=True, exist_ok=True)

    log(f"recreating PostgreSQL database {args.db} and loading the demo (takes a while)")
    url = database_recreate(args.db)
    # No broker: the demo computes its snapshot in-process, as `make demo` does.
    setup_env = product_env(url)
    manage(setup_env, "migrate", "--noinput", "-v0")
    manage(setup_env, "load_demo", capture=True)
    psql("VACUUM ANALYZE", args.db)
    server = product_server(
        env=product_env(url, GUNICORN_WORKERS="2"), port=PORT, log_name="gunicorn-report.log"
    )
    requests_file = WORK / "report.req"
    with running(server):
        cookie = sign_in(PORT, LEADER, PASSWORD)
        write_requests(
            requests_file, [http_request("GET", REPORT_PATH, PORT, headers=[("Cookie", cookie)])]
        )
        page = urllib.request.Request(
            f"http://127.0.0.1:{PORT}{REPORT_PATH}", headers={"Cookie": cookie}
        )
        with urllib.request.urlopen(page, timeout=30) as response:
            html = response.read().decode()
            if response.status != 200 or "/accounts/login/" in response.url:
                raise SystemExit(f"the leader cannot read {REPORT_PATH}: {response.url}")
        if "has not been computed yet" in html or "There is no report yet" in html:
            raise SystemExit("the demo has no stored snapshot to read")
        log(f"report page: {len(html) / 1024:.0f} KiB of HTML")
        wrk(
            label="warm-up",
            port=PORT,
            requests_file=requests_file,
            connections=2,
            duration=3,
            mode="cycle",
        )
        idle = wait_for_idle(args.wait_idle)
        log(f"{args.clients} readers for {args.duration} s")
        meter = CpuMeter(server.process.pid, database=args.db)
        meter.start()
        result = wrk(
            label="report",
            port=PORT,
            requests_file=requests_file,
            connections=args.clients,
            duration=args.duration,
            threads=args.threads,
            mode="cycle",
        )
        cpu = meter.stop()
    remove_request_files()
    if args.drop_db:
        database_drop(args.db)

    ok = result.count(200)
    errors = result.requests - ok + result.socket_errors
    p95 = result.latency_ms["p95"]
    print()
    print(
        table(
            ["page", "readers", "pages/s", "p50 ms", "p95 ms", "p99 ms", "errors"],
            [
                [
                    "leader report (stored snapshot)",
                    args.clients,
                    ok / result.duration_s,
                    result.latency_ms["p50"],
                    p95,
                    result.latency_ms["p99"],
                    errors,
                ]
            ],
        )
    )
    pages = max(1, result.requests)
    cpu_ms = {
        "app": 1000 * cpu["app_s"] / pages,
        "database": 1000 * cpu["database_s"] / pages,
        "load_generator": 1000 * result.cpu_s / pages,
    }
    others = cpu["machine_busy_s"] - cpu["app_s"] - cpu["database_s"] - result.cpu_s
    others_share = max(0.0, others) / ((os.cpu_count() or 1) * result.duration_s)
    print(
        f"CPU per page: app {cpu_ms['app']:.1f} ms, database {cpu_ms['database']:.1f} ms, "
        f"wrk {cpu_ms['load_generator']:.1f} ms; other processes used "
        f"{100 * others_share:.0f}% of the machine meanwhile"
    )
    met = p95 < TARGET_P95_MS and errors == 0
    print(
        f"Target: p95 < {TARGET_P95_MS:.0f} ms at {args.clients} readers: {p95:.1f} ms -> "
        f"{verdict(met)}"
    )
    path = write_result(
        "report_page",
        {
            "machine": machine(),
            "code": git_state(),
            "page": REPORT_PATH,
            "user": LEADER,
            "html_bytes": len(html),
            "clients": args.clients,
            "duration_s": result.duration_s,
            "pages_per_s": ok / result.duration_s,
            "latency_ms": result.latency_ms,
            "statuses": result.statuses,
            "socket_errors": result.errors,
            "cpu_idle_before": idle,
            "cpu_ms_per_page": cpu_ms,
            "others_cpu_share": others_share,
            "target_p95_ms": TARGET_P95_MS,
            "target_met": met,
        },
    )
    print(f"\nJSON: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
