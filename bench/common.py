"""What the benchmark scripts share: paths, the bench database, servers, wrk, and tables.

Standard library only, so any Python 3.11 can drive the runs; Django code runs in
subprocesses with the product's (or a peer's) own virtualenv.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
WORK = RESULTS / "work"
VENVS = RESULTS / "venvs"
LUA = BENCH / "lua" / "replay.lua"
PRODUCT_PYTHON = ROOT / ".venv" / "bin" / "python"
PRODUCT_GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"

PG_ADMIN_URL = os.getenv("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
# Fixed for the bench only; the product refuses to start on PostgreSQL without one.
SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789abcdefghijklmnop"  # noqa: S105


def log(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": os.cpu_count(),
        "arch": platform.machine(),
        "cpu": model,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def ensure_product_venv() -> None:
    if not PRODUCT_PYTHON.exists():
        log("no .venv yet: running `make venv`")
        subprocess.run(["make", "venv"], cwd=ROOT, check=True)


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    sys.exit(
        "wrk is not installed. Install it with `apt-get install -y wrk` (Debian) and run again."
    )


# --- PostgreSQL ---------------------------------------------------------------------------


def psql(sql: str, database: str = "postgres") -> str:
    result = subprocess.run(
        ["psql", f"{PG_ADMIN_URL}/{database}", "-v", "ON_ERROR_STOP=1", "-Atqc", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def database_recreate(name: str) -> str:
    """Drop and create a dedicated database; returns its DATABASE_URL."""
    database_drop(name)
    psql(f'CREATE DATABASE "{name}"')
    return f"{PG_ADMIN_URL}/{name}"


def database_drop(name: str) -> None:
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def product_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a production-like culturesurvey process on the bench database."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "CELERY_BROKER_URL",
            "CACHE_URL",
            "SURVEY_API_RATE",
            "DEBUG",
            "DJANGO_SETTINGS_MODULE",
        }
    }
    env.update(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET_KEY,
            "DEBUG": "False",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DB_CONN_MAX_AGE": "600",
            "LOG_LEVEL": "WARNING",
            "PYTHONDONTWRITEBYTECODE": "1",
            "DJANGO_SETTINGS_MODULE": "culturesurvey.settings",
        }
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [str(PRODUCT_PYTHON), "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=capture,
        text=True,
    )
    return result.stdout if capture else ""


def run_json(cmd: Sequence[str], *, cwd: Path, env: dict[str, str]) -> Any:
    """Run a helper that prints one JSON document as its last stdout line."""
    result = subprocess.run(
        list(cmd), cwd=cwd, env=env, check=False, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"helper failed: {' '.join(cmd)}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- Servers ------------------------------------------------------------------------------


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@dataclass
class Server:
    """A gunicorn started by the bench; stopped on exit, whatever happens."""

    name: str
    cmd: list[str]
    cwd: Path
    env: dict[str, str]
    port: int
    log_path: Path
    health_path: str = "/"
    process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> None:
        if not port_free(self.port):
            raise SystemExit(f"port {self.port} is busy; stop whatever listens there first")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self.cmd,
            cwd=self.cwd,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: we stop it and its workers only
        )
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.port}{self.health_path}"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited at start; see {self.log_path}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status < 500:
                        return
            except urllib.error.HTTPError as exc:
                if exc.code < 500:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"{self.name} did not answer {url} within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        self._log.close()

    def log_offset(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def access_statuses(self, since: int, path_prefix: str, method: str = "POST") -> dict[str, int]:
        """Status counts the server itself logged (gunicorn's access log) for requests to
        a path prefix, from a byte offset of the log on."""
        with self.log_path.open("rb") as handle:
            handle.seek(since)
            text = handle.read().decode("utf-8", "replace")
        counts: dict[str, int] = {}
        needle = f'"{method} {path_prefix}'
        for line in text.splitlines():
            at = line.find(needle)
            if at < 0:
                continue
            rest = line[line.find('"', at + 1) + 1 :].split()
            if rest:
                counts[rest[0]] = counts.get(rest[0], 0) + 1
        return counts


@contextlib.contextmanager
def running(server: Server) -> Iterator[Server]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


def wait_drained(
    server: Server, since: int, path_prefix: str, expected: int, timeout: float = 90
) -> bool:
    """Wait until the server has logged every request wrk sent (those still queued or running
    when wrk stopped are processed all the same), so nothing is counted too early."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(server.access_statuses(since, path_prefix).values()) >= expected:
            time.sleep(0.3)
            return True
        time.sleep(0.2)
    log(f"WARNING: {server.name} did not log all {expected} requests within {timeout:.0f} s")
    return False


# --- wrk ----------------------------------------------------------------------------------


@dataclass
class WrkResult:
    label: str
    connections: int
    threads: int
    duration_s: float
    requests: int
    statuses: dict[str, int]
    errors: dict[str, int]
    latency_ms: dict[str, float]
    issued: int
    exhausted: bool
    cpu_s: float = 0.0  # CPU time wrk itself used
    raw: dict[str, Any] = field(default_factory=dict)

    def count(self, *codes: int) -> int:
        return sum(self.statuses.get(str(c), 0) for c in codes)

    @property
    def rate(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def socket_errors(self) -> int:
        return sum(v for k, v in self.errors.items() if k != "status")


def write_requests(path: Path, requests: Sequence[bytes]) -> None:
    """Raw HTTP requests, NUL-separated, for lua/replay.lua."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        for raw in requests:
            assert b"\0" not in raw
            handle.write(raw)
            handle.write(b"\0")


def http_request(
    method: str,
    path: str,
    port: int,
    *,
    body: bytes = b"",
    content_type: str | None = None,
    headers: Sequence[tuple[str, str]] = (),
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{k}: {v}" for k, v in headers]
    if content_type:
        lines.append(f"Content-Type: {content_type}")
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def wrk(
    *,
    label: str,
    port: int,
    requests_file: Path,
    connections: int,
    duration: int,
    threads: int = 2,
    mode: str = "once",
) -> WrkResult:
    threads = max(1, min(threads, connections))
    env = dict(os.environ)
    env.update(
        {"BENCH_REQUESTS": str(requests_file), "BENCH_THREADS": str(threads), "BENCH_MODE": mode}
    )
    cmd = [
        ensure_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA),
        f"http://127.0.0.1:{port}/",
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(
        (x for x in result.stdout.splitlines() if x.startswith("BENCH_JSON ")),
        None,
    )
    if result.returncode != 0 or line is None:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"wrk failed for {label}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    latency = {k: v / 1000.0 for k, v in data["latency_us"].items()}
    return WrkResult(
        label=label,
        connections=connections,
        threads=threads,
        duration_s=data["duration_us"] / 1e6,
        requests=int(data["requests"]),
        statuses={k: int(v) for k, v in data["statuses"].items()},
        errors={k: int(v) for k, v in data["errors"].items()},
        latency_ms=latency,
        issued=int(data["issued"]),
        exhausted=bool(data["exhausted"]),
        cpu_s=(after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        raw=data,
    )


# --- The machine ---------------------------------------------------------------------------


def _cpu_times() -> tuple[int, int]:
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return idle, sum(fields)


def cpu_idle(seconds: float = 1.0) -> float:
    """Share of the machine's CPU time left idle over a short sample (0..1)."""
    idle0, total0 = _cpu_times()
    time.sleep(seconds)
    idle1, total1 = _cpu_times()
    return (idle1 - idle0) / max(1, total1 - total0)


def wait_for_idle(max_wait: float, threshold: float = 0.85) -> float:
    """Wait (up to max_wait seconds) until other work on this shared machine has calmed down,
    so it does not eat into a measurement. Returns the last idle share seen."""
    deadline = time.monotonic() + max_wait
    idle = cpu_idle()
    warned = False
    while idle < threshold and time.monotonic() < deadline:
        if not warned:
            log(f"machine busy ({100 * (1 - idle):.0f}% CPU used by others); waiting...")
            warned = True
        idle = cpu_idle(2.0)
    if idle < threshold:
        log(f"WARNING: still {100 * (1 - idle):.0f}% CPU busy before the run; figures are noisy")
    return idle


def _proc_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            if ppid == pid:
                found.append(int(entry.name))
    return found


def _postgres_backends(database: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if title.startswith("postgres: ") and f" {database} " in title:
                found.append(int(entry.name))
    return found


class CpuMeter:
    """CPU seconds used by the server's processes and (for PostgreSQL) by the database's
    backends serving it, between start() and stop(). CPU time per response is far less
    disturbed by other work on a shared machine than wall-clock throughput, and it shows
    where the two cores go."""

    def __init__(self, server_pid: int, database: str | None = None) -> None:
        self.server_pid = server_pid
        self.database = database

    def _sample(self) -> dict[int, float]:
        pids = [self.server_pid, *_children(self.server_pid)]
        if self.database:
            pids += _postgres_backends(self.database)
        return {pid: _proc_cpu(pid) for pid in pids}

    def start(self) -> None:
        self._server = {self.server_pid, *_children(self.server_pid)}
        self._before = self._sample()
        self._machine = _cpu_times()

    def stop(self) -> dict[str, float]:
        after = self._sample()
        app = db = 0.0
        for pid, value in after.items():
            used = value - self._before.get(pid, 0.0)
            if pid in self._server or pid == self.server_pid:
                app += used
            else:
                db += used
        idle0, total0 = self._machine
        idle1, total1 = _cpu_times()
        busy = ((total1 - idle1) - (total0 - idle0)) / os.sysconf("SC_CLK_TCK")
        return {"app_s": app, "database_s": db, "machine_busy_s": busy}


# --- HTML forms (to submit a peer's form the way a browser does) ----------------------------


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._in_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._in_form = True
            self.forms.append({"action": a.get("action", ""), "fields": []})
        elif self._in_form and tag in {"input", "textarea", "select"} and a.get("name"):
            kind = a.get("type", "text").lower() if tag == "input" else tag
            self.forms[-1]["fields"].append((a["name"], kind, a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False


def parse_post_form(html: str) -> dict[str, Any]:
    """The first POST form of a page: its action and (name, type, value) of every field."""
    parser = _FormParser()
    parser.feed(html)
    if not parser.forms:
        raise SystemExit("no POST form on the page")
    return parser.forms[0]


def fetch(url: str) -> tuple[str, dict[str, str]]:
    """GET a page; returns its text and the cookies it sets (name -> value)."""
    with urllib.request.urlopen(url, timeout=10) as response:
        cookies = {}
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            cookies[name.strip()] = rest.split(";", 1)[0]
        return response.read().decode("utf-8"), cookies


def sign_in(port: int, username: str, password: str, path: str = "/accounts/login/") -> str:
    """Sign in through the running server's login page, as a browser does (GET the form for
    its CSRF cookie and token, POST the credentials); returns the Cookie header to reuse."""
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"
    with opener.open(base + path, timeout=10) as response:
        form = parse_post_form(response.read().decode())
    data = {name: value for name, kind, value in form["fields"] if kind == "hidden"}
    data.update({"username": username, "password": password})
    body = urllib.parse.urlencode(data).encode()
    with opener.open(base + (form["action"] or path), data=body, timeout=30) as response:
        if "/accounts/login/" in response.url:
            raise SystemExit(f"cannot sign in as {username}")
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise SystemExit(f"no session cookie after signing in as {username}")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def product_server(*, env: dict[str, str], port: int, log_name: str) -> Server:
    """culturesurvey as docker-compose runs it: gunicorn with the product's gunicorn.conf.py."""
    return Server(
        name="culturesurvey",
        cmd=[
            str(PRODUCT_GUNICORN),
            "culturesurvey.wsgi:application",
            "-c",
            "culturesurvey/gunicorn.conf.py",
        ],
        cwd=ROOT,
        env=env | {"GUNICORN_BIND": f"127.0.0.1:{port}"},
        port=port,
        log_path=WORK / log_name,
        health_path="/healthz",
    )


def git_state() -> dict[str, Any]:
    """Which product code was measured: the commit, and any uncommitted changes."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    return {"commit": git("rev-parse", "HEAD"), "changed_files": git("status", "--porcelain")}


# --- Output -------------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def write_result(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    path = RESULTS / f"{name}-{stamp}.json"
    text = json.dumps(data, indent=2, default=str)
    path.write_text(text)
    (RESULTS / f"{name}-latest.json").write_text(text)
    return path


def remove_request_files() -> None:
    """The request files are large (and hold live bench tokens): remove them after a run."""
    for path in WORK.rglob("*.req"):
        path.unlink(missing_ok=True)


def verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"
