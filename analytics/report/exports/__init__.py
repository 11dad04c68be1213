"""Exports of a (scoped) report: CSV and XLSX (the numbers) and PDF (the report as a leader
forwards it)."""

from .csv import report_csv
from .pdf import report_pdf
from .xlsx import report_xlsx

__all__ = ["report_csv", "report_pdf", "report_xlsx"]
