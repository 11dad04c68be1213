"""The PDF and the tabular exports are read in the reader's language: every label through the
catalogue, the figures unchanged.

The German catalogue (locale/de) already translates some of the labels the exports use; these
tests look those translations up rather than spell them out, so they hold whatever wording the
translators choose, and fail if a label stops going through the catalogue.
"""

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
from django.test import Client, override_settings
from django.utils import translation

from analytics.report import figures
from analytics.report import format as fmt
from analytics.report.exports import report_csv, report_xlsx
from analytics.report.exports.pdf import report_pdf_html
from analytics.services import snapshot_compute
from analytics.templatetags.report import css_content
from surveys.models import Round
from surveys.services.responses import responses_import
from tests.analytics.test_engine import employees_answers, history
from tests.analytics.test_exports import make_snapshot

# Labels of the PDF that the German catalogue translates today.
PDF_LABELS = [
    "Key findings",
    "Self-deception index",
    "Survey round",
    "Where the gap is: segments",
    "Credibility gap",
    "Leaver signal",
    "Comments",
]


def _de(msgid: str) -> str:
    with translation.override("de"):
        german = translation.gettext(msgid)
    assert german != msgid, f"the German catalogue no longer translates {msgid!r}"
    return german


def _pdf_html(language: str) -> str:
    with translation.override(language):
        html = report_pdf_html(make_snapshot(), generated_on=dt.date(2026, 10, 14))
    return re.sub(r"\s+", " ", html)


def test_it_prints_the_pdf_in_the_active_language():
    # given / when
    html = _pdf_html("de")

    # then
    assert '<html lang="de">' in html
    for msgid in PDF_LABELS:
        assert _de(msgid) in html, msgid
    assert f"<h3>{_de('Key findings')}</h3>" in html
    assert f"<h2>{_de('Self-deception index')}</h2>" in html
    assert f'<td class="suppressed" colspan="8">{_de("fewer than k responses")}</td>' in html
    assert "<h3>Key findings</h3>" not in html
    assert "<h2>Comments</h2>" not in html


def test_the_figures_are_the_same_in_every_language():
    english, german = _pdf_html("en"), _pdf_html("de")
    cells = re.compile(r'<td class="num">([^<]*)</td>')
    number = re.compile(r"[\u2212+]?\d+(?:\.\d+)?%?")

    def figures_of(html: str) -> list[list[str]]:
        # The words around a figure ("+1.9 to +2.1") are translated; the figures are not.
        return [number.findall(cell) for cell in cells.findall(html)]

    assert figures_of(german) == figures_of(english) != []
    for figure in ('<span class="big">49</span>', "2.8 (n 31)", "+1.9", "+2.1"):
        assert figure in english
        assert figure in german


def test_it_prints_the_english_pdf_as_before():
    html = _pdf_html("en")
    assert '<html lang="en">' in html
    assert "<h3>Key findings</h3>" in html
    assert '@top-right { content: "Culture gap report · round " string(round);' in html
    assert '@bottom-right { content: "Page " counter(page) " of " counter(pages);' in html
    assert (
        'content: "Confidential – anonymous survey results; groups smaller than k are not shown";'
        in html
    )
    assert "<figcaption>Self-deception index by round.</figcaption>" in html


def test_a_translated_running_head_stays_a_css_string():
    assert css_content("Seite {page} von {pages}") == (
        '"Seite " counter(page) " von " counter(pages)'
    )
    assert css_content("{round}") == "string(round)"
    # A translation can hold quotes or markup; in <style> neither may end the string or the
    # element, and HTML entities would show as written.
    head = css_content('Rapport « l\'écart » "x" </style><script>')
    assert head.count('"') == 2
    assert "</style" not in head
    assert "&#" not in head
    assert head == ('"Rapport « l\'écart » \\22 x\\22  \\3c /style\\3e \\3c script\\3e "')


def test_the_exports_label_their_columns_in_the_active_language():
    snapshot = make_snapshot()
    with translation.override("de"):
        rows = list(csv.DictReader(io.StringIO(report_csv(snapshot).decode("utf-8-sig"))))
        book = openpyxl.load_workbook(io.BytesIO(report_xlsx(snapshot)))
    english_rows = list(csv.DictReader(io.StringIO(report_csv(snapshot).decode("utf-8-sig"))))

    # The CSV: the column keys stay, the labels are German, the figures are those of English.
    assert list(rows[0]) == list(english_rows[0])
    comments = next(r for r in rows if r["view"] == "comments")
    assert comments["view_label"] == _de("Comments")
    assert {r["text"] for r in rows if r["figure"] == "credibility_gap"} == {"yes", "withheld"}
    assert [(r["figure"], r["number"]) for r in rows] == [
        (r["figure"], r["number"]) for r in english_rows
    ]

    # The XLSX: sheet names and column headers through the catalogue.
    assert _de("Comments") in book.sheetnames
    header = [c.value for c in book[book.sheetnames[1]][1]]
    assert _de("Value") in header
    assert "Value" not in header


@pytest.mark.django_db
@override_settings(LANGUAGES=[("en", "English"), ("de", "Deutsch")])
def test_it_exports_in_the_language_the_reader_asked_for(acme, leo, monkeypatch):
    # given: a computed report, and a leader whose browser asks for German
    responses_import(organization=acme, content=history(employees_answers()))
    snapshot_compute(organization=acme, round_=Round.objects.get(label="2026-09"))
    german, english = _client(leo, "de"), _client(leo, "en")
    printed: list[str] = []

    class PrintedHtml:  # WeasyPrint's HTML, keeping what it was asked to print
        def __init__(self, string: str, base_url: str) -> None:
            printed.append(string)

        def write_pdf(self) -> bytes:
            return b"%PDF-"

    monkeypatch.setattr("weasyprint.HTML", PrintedHtml)

    # when
    pdf = german.get("/o/acme/report/2026-09/export.pdf")
    rows = list(
        csv.DictReader(
            io.StringIO(german.get("/o/acme/report/2026-09/export.csv").content.decode("utf-8-sig"))
        )
    )
    page = german.get("/o/acme/report/2026-09/").content.decode()
    english_page = english.get("/o/acme/report/2026-09/").content.decode()

    # then
    assert pdf["Content-Language"] == "de"
    assert '<html lang="de">' in printed[0]
    assert _de("Key findings") in printed[0]
    labels = {r["view_label"] for r in rows if r["view"] == "self_deception_index"}
    assert labels == {_de("Self-deception index")}
    # The page's cache keeps one body per language: German, then English, from one snapshot.
    assert _de("Key findings") in page
    assert "Key findings" in english_page
    assert _de("Key findings") not in english_page


def _client(user, language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_the_index_definition_a_report_stores_is_in_the_catalogue():
    # The snapshot keeps the English text; the view looks that text up in the catalogue.
    assert fmt.SDI_DEFINITION == figures.SDI_DEFINITION
