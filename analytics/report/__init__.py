"""The gap report.

schema.py   every part of a report, typed, with constructors; check.py checks data against it
build.py    computes a report from a `ReportInput` (inputs.py, plan.py, scoring.py, figures.py,
            comments.py); legacy.py reads snapshots stored before segments were keyed by id
format.py   the one rounding rule and every label, for every output
view.py     the view-model of the report page and the PDF (parts.py: each part's view)
charts/     the SVG charts; exports/ the CSV, XLSX and PDF files
"""
