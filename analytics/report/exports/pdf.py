"""The report as a leader would forward it: an A4 PDF, printed from the same view-model as the
report page (templates/analytics/report_pdf.html)."""

import datetime as dt

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from ..schema import Report
from ..view import ReportView


def report_pdf_html(
    report: Report, *, generated_for: str = "", generated_on: dt.date | None = None
) -> str:
    """The HTML the PDF is printed from."""
    context = {
        "report": ReportView(report),
        "generated_on": (generated_on or timezone.localdate()).isoformat(),
        "generated_for": generated_for,
    }
    return render_to_string("analytics/report_pdf.html", context)


def report_pdf(report: Report, *, generated_for: str = "") -> bytes:
    from weasyprint import HTML

    html = report_pdf_html(report, generated_for=generated_for)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
