"""What ships: the runtime requirements, the Docker build context and the compose file."""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from tests.conftest import ROOT

# --- Requirements ---------------------------------------------------------------------------


def requirement_names(path: Path) -> list[str]:
    names = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            assert re.fullmatch(r"[A-Za-z0-9_.\-]+(\[[a-z,]+\])?==[\w.]+", line), line
            names.append(re.split(r"[\[=]", line, maxsplit=1)[0])
    return names


def test_dev_requirements_add_to_the_runtime_and_repeat_none_of_it():
    runtime = requirement_names(ROOT / "requirements.txt")
    dev = requirement_names(ROOT / "requirements-dev.txt")

    assert "-r requirements.txt" in (ROOT / "requirements-dev.txt").read_text().splitlines()
    assert {"pytest", "pytest-django", "factory_boy", "hypothesis", "ruff"} <= set(dev)
    assert not {name.lower() for name in runtime} & {name.lower() for name in dev}
    assert "Django" in runtime


def test_the_image_installs_the_runtime_requirements_only():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert re.search(r"pip install .*-r requirements\.txt", dockerfile)
    assert "requirements-dev" not in dockerfile


# Every module of the project and its own apps (management commands included) and the gunicorn
# settings, imported with the test tools unimportable, as in the image.
RUNTIME_IMPORTS = """
import importlib, pkgutil, runpy, sys
from pathlib import Path

blocked = set(sys.argv[1:])

class DevOnly:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in blocked:
            raise ModuleNotFoundError(f"{name} is a development requirement", name=name)
        return None

sys.meta_path.insert(0, DevOnly())
import django
django.setup()
from django.apps import apps
here = Path.cwd()
packages = {"culturesurvey"} | {
    config.name for config in apps.get_app_configs() if Path(config.path).parent == here
}
for package in sorted(packages):
    for module in pkgutil.walk_packages(importlib.import_module(package).__path__, package + "."):
        importlib.import_module(module.name)
        print(module.name)
runpy.run_path("culturesurvey/gunicorn.conf.py")
from django.core.management import call_command
call_command("check")
"""
IMPORT_NAMES = {"factory_boy": "factory"}  # where a distribution's import name differs


def development_imports() -> set[str]:
    dev = requirement_names(ROOT / "requirements-dev.txt")
    return {IMPORT_NAMES.get(name, name.lower().replace("-", "_")) for name in dev}


def test_no_product_module_imports_a_development_requirement_even_inside_a_function():
    folders = [
        folder
        for folder in ROOT.iterdir()
        if folder.is_dir()
        and not folder.name.startswith(".")
        and folder.name not in ("tests", "bench", "scripts", "docs")
    ]
    product = [ROOT / "manage.py"] + [path for f in folders for path in f.rglob("*.py")]
    found = []
    for path in product:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            found += [
                f"{path.relative_to(ROOT)}:{node.lineno} {name}"
                for name in names
                if name.partition(".")[0] in development_imports()
            ]

    assert ROOT / "culturesurvey" / "settings.py" in product
    assert found == []


def test_nothing_the_product_runs_needs_a_development_requirement():
    blocked = sorted(development_imports())
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}

    result = subprocess.run(
        [sys.executable, "-c", RUNTIME_IMPORTS, *blocked],
        env=env | {"DJANGO_SETTINGS_MODULE": "culturesurvey.settings", "SECRET_KEY": "x"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    imported = result.stdout.split()
    assert {"culturesurvey.wsgi", "culturesurvey.celery"} <= set(imported)
    assert any(name.endswith(".management.commands.load_demo") for name in imported)
    assert any(name.endswith(".management.commands.gap_report") for name in imported)


# --- The Docker build context -----------------------------------------------------------------


def dockerignore_patterns() -> list[tuple[bool, re.Pattern]]:
    """(exclude?, pattern) in file order, with Docker's matching: `*` and `?` stay within one
    path segment, `**` spans any number of them, and a pattern that matches a directory
    covers everything in it. The last matching line decides; `!` lines include again."""
    patterns = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        include = line.startswith("!")
        glob = line.removeprefix("!").strip("/")
        regex = re.escape(glob)
        regex = regex.replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*")
        regex = regex.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        regex = re.sub(r"\\\[(.*?)\\\]", r"[\1]", regex)
        patterns.append((not include, re.compile(rf"{regex}(?:/.*)?")))
    return patterns


def sent_to_docker(path: str) -> bool:
    excluded = False
    for exclude, pattern in dockerignore_patterns():
        if pattern.fullmatch(path):
            excluded = exclude
    return not excluded


@pytest.mark.parametrize(
    "path",
    [
        ".secret_key",
        ".env",
        ".env.production",
        "db.sqlite3",
        "db.sqlite3-wal",
        "db.sqlite3-shm",
        ".venv/bin/python",
        ".audit-venv/bin/pip-audit",
        "surveys/__pycache__/models.cpython-311.pyc",
        "culturesurvey/settings.pyc",
        "test-artifacts/report.png",
        "bench/results/2026-11-27.json",
        "sent-emails/20261127-1.log",
        "media/upload.csv",
        "staticfiles/staticfiles.json",
        ".git/config",
        ".pytest_cache/README.md",
        ".hypothesis/examples/x",
        "tests/conftest.py",
    ],
)
def test_local_secrets_state_and_tooling_stay_out_of_the_image(path):
    assert not sent_to_docker(path)


def test_everything_the_product_runs_is_in_the_image():
    needed = ["manage.py", "requirements.txt", ".env.example"]
    apps = ("culturesurvey", "core", "surveys", "analytics")
    for folder in (*apps, "templates", "static", "locale"):
        needed += [
            str(path.relative_to(ROOT))
            for path in (ROOT / folder).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        ]

    assert {"culturesurvey/settings.py", "templates/base.html", "static/css/app.css"} <= set(needed)
    assert [path for path in needed if not sent_to_docker(path)] == []


def test_the_pattern_reader_follows_docker():
    assert sent_to_docker("bench/results.py") is False  # bench/ as a whole is out
    assert sent_to_docker("surveys/db.sqlite3") is False  # **/ at any depth
    assert sent_to_docker(".env.example") is True  # the ! line after .env.*
    assert sent_to_docker("templates/venv.html") is True


# --- docker-compose.yml -----------------------------------------------------------------------


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_every_app_process_shares_its_rate_limit_counters_through_redis():
    services = compose()["services"]
    app = {name: s for name, s in services.items() if s.get("image") == "culturesurvey:latest"}

    assert {"web", "worker", "beat"} <= set(app)
    assert services["redis"]["image"].startswith("redis:")
    for name, service in app.items():
        cache, broker = (
            urlsplit(service["environment"]["CACHE_URL"]),
            urlsplit(service["environment"]["CELERY_BROKER_URL"]),
        )
        assert (cache.scheme, cache.hostname, cache.port) == ("redis", "redis", 6379), name
        assert broker.hostname == "redis", name
        # Its own database: clearing the cache must never touch the job queue.
        assert cache.path != broker.path, name
