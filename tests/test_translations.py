"""The interface's catalogues: complete for every shipped language, in step with the code, and
compiled from what is committed.

`make messages` extracts and compiles them; these tests fail when a text was added to the code
without being translated, when a translation is left empty or fuzzy, or when the compiled
catalogue the product loads is older than its source.
"""

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
TRANSLATED = ["de", "fr", "es"]
SOURCES = ["analytics", "core", "culturesurvey", "surveys", "templates", "manage.py"]


def entries(po: Path) -> list[dict]:
    """The catalogue's entries as {msgid, msgid_plural, msgstr: [..], fuzzy}, header left out.

    A small reader for what makemessages writes (no dependency for a test)."""
    found, current, field = [], None, None

    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}

    def unquote(line: str) -> str:
        quoted = line[line.index('"') + 1 : line.rindex('"')]
        return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), quoted)

    for raw in [*po.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if current is not None:
                found.append(current)
            current, field = None, None
            continue
        if line.startswith("#~"):
            continue
        if current is None:
            current = {"msgid": "", "msgid_plural": None, "msgstr": [], "fuzzy": False, "ctx": None}
        if line.startswith("#,"):
            current["fuzzy"] = current["fuzzy"] or "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt"):
            field, current["ctx"] = "ctx", unquote(line)
        elif line.startswith("msgid_plural"):
            field, current["msgid_plural"] = "msgid_plural", unquote(line)
        elif line.startswith("msgid"):
            field, current["msgid"] = "msgid", unquote(line)
        elif line.startswith("msgstr"):
            field = "msgstr"
            current["msgstr"].append(unquote(line))
        elif line.startswith('"'):
            if field == "msgstr":
                current["msgstr"][-1] += unquote(line)
            else:
                current[field] += unquote(line)
    for e in found:
        # The key gettext looks a message up by: its context, if any, then its text.
        e["key"] = e["msgid"] if e["ctx"] is None else f"{e['ctx']}\x04{e['msgid']}"
    return [e for e in found if e["msgid"]]


def placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_0-9]*\}", text))


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    catalogue = entries(LOCALE / language / "LC_MESSAGES" / "django.po")
    assert len(catalogue) > 500
    untranslated = [e["msgid"] for e in catalogue if not all(s.strip() for s in e["msgstr"])]
    fuzzy = [e["msgid"] for e in catalogue if e["fuzzy"]]
    assert untranslated == [], f"{language}: {len(untranslated)} untranslated: {untranslated[:5]}"
    assert fuzzy == [], f"{language}: {len(fuzzy)} fuzzy: {fuzzy[:5]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_every_placeholder(language):
    wrong = []
    for e in entries(LOCALE / language / "LC_MESSAGES" / "django.po"):
        source = e["msgid_plural"] or e["msgid"]
        for translated in e["msgstr"]:
            # A plural's singular may drop the number ("one value"), never add a placeholder.
            if e["msgid_plural"]:
                if not set(placeholders(translated)) <= set(placeholders(source)):
                    wrong.append(e["msgid"])
            elif placeholders(translated) != placeholders(source):
                wrong.append(e["msgid"])
    assert wrong == []


def test_the_catalogues_hold_every_text_of_the_code(tmp_path):
    """Extracted again from a copy of the code, the catalogue has no message the committed one
    lacks: a new text in a template or in Python fails here until it is translated."""
    for name in SOURCES:
        source = ROOT / name
        target = tmp_path / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, target)
    (tmp_path / "locale" / "de").mkdir(parents=True)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "de", "--no-location", "-v", "0"],
        cwd=tmp_path,
        check=True,
        env={"SECRET_KEY": "catalogue-check", "PATH": "/usr/bin:/bin"},
    )
    fresh = {e["key"] for e in entries(tmp_path / "locale/de/LC_MESSAGES/django.po")}
    for language in ["en", *TRANSLATED]:
        committed = {e["key"] for e in entries(LOCALE / language / "LC_MESSAGES/django.po")}
        missing = sorted(fresh - committed)
        assert missing == [], f"{language} lacks {len(missing)} messages: {missing[:5]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalogue_is_the_committed_one(language):
    """The .mo the product loads says what the .po says (run `make messages` after editing)."""
    folder = LOCALE / language / "LC_MESSAGES"
    with (folder / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    expected = {}
    for e in entries(folder / "django.po"):
        if e["msgid_plural"]:
            for i, text in enumerate(e["msgstr"]):
                expected[(e["key"], i)] = text
        else:
            expected[e["key"]] = e["msgstr"][0]
    compiled.pop("", None)
    assert compiled == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "Wichtigste Ergebnisse"),
        ("fr", "Principaux constats"),
        ("es", "Conclusiones principales"),
    ],
)
def test_the_product_speaks_each_language(language, expected):
    with translation.override(language):
        assert translation.gettext("Key findings") == expected
