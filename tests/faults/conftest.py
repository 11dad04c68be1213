"""Real processes for fault tests: a private Redis, gunicorn serving the test database, and a
Celery worker, each started and stopped by the test."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, WorkerProcess


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisProcess:
    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "/usr/bin/redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


class AppServer:
    """gunicorn serving the app on the test database."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env, self.log_path = env, log_path
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, workers: int = 2) -> None:
        self.log = self.log_path.open("ab")
        env = self.env | {
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": str(workers),
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "culturesurvey.wsgi:application",
                "-c",
                "culturesurvey/gunicorn.conf.py",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/healthz", timeout=2)  # noqa: S310
                return
            except OSError:
                time.sleep(0.2)
        self.stop()  # never leave a server behind
        raise RuntimeError(f"gunicorn did not start:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.log.close()


@pytest.fixture
def test_database_env(worker_environment):
    env, _log, _mail = worker_environment
    return dict(env) | {
        "SURVEY_API_RATE": "1000000/minute",
        "API_RATE": "1000000/minute",
        "DEBUG": "False",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "test-secret-key-not-for-production"),
    }


@pytest.fixture
def private_redis():
    redis = RedisProcess(free_port())
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def app_server_factory(test_database_env, tmp_path, transactional_db):
    servers = []

    def make(**extra: str) -> AppServer:
        server = AppServer(test_database_env | extra, tmp_path / f"gunicorn-{len(servers)}.log")
        server.start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def worker_factory(test_database_env, tmp_path):
    workers = []

    def make(**extra: str) -> WorkerProcess:
        mail = tmp_path / f"mail-{len(workers)}"
        mail.mkdir()
        worker = WorkerProcess(
            test_database_env | extra | {"EMAIL_FILE_PATH": str(mail)},
            tmp_path / f"worker-{len(workers)}.log",
            mail,
        )
        worker.start()
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        worker.stop()
