"""The test OpenID Connect provider as a process of its own, on a free port, stopped afterwards."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "culturesurvey-tests"
CLIENT_SECRET = "client-secret-for-tests"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class IdentityProvider:
    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.issuer = f"{self.base}/openid"
        self.log_path = directory / "identity-provider.log"
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key in ("PATH", "HOME", "LANG", "TMPDIR")
        } | {
            "DJANGO_SETTINGS_MODULE": "tests.identity_provider.settings",
            "IDP_DATABASE": str(directory / "identity-provider.sqlite3"),
            "IDP_SITE_URL": self.base,
            "PYTHONPATH": str(ROOT),
        }
        self.process: subprocess.Popen | None = None

    def manage(self, *args: str) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "django", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"provider: {' '.join(args[:1])} failed:\n{done.stderr[-3000:]}")

    def setup(
        self,
        *,
        redirect_uris: list[str] = (),
        logout_uris: list[str] = (),
        users: list[dict] = (),
    ) -> None:
        """Register the product's addresses and the provider's users (adds to what is there)."""
        args = ["idp_setup", "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET]
        for uri in redirect_uris:
            args += ["--redirect-uri", uri]
        for uri in logout_uris:
            args += ["--logout-uri", uri]
        self.manage(*args, "--users", json.dumps(list(users)))

    def start(self) -> None:
        self.manage("migrate", "--noinput")
        self.setup()
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "django",
                "runserver",
                f"127.0.0.1:{self.port}",
                "--noreload",
                "--skip-checks",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=2).ok:
                    return
            except requests.ConnectionError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"provider did not start:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        if getattr(self, "log", None):
            self.log.close()

    def settings(self, **extra) -> dict:
        """The product's settings pointing at this provider (by its issuer: discovery)."""
        return {
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_OP_ISSUER": self.issuer,
            "OIDC_RP_SCOPES": "openid email profile groups",
            "OIDC_PROVIDER_NAME": "Test IdP",
        } | extra
