"""The gap report: its schema (`schema.py`), how it is built (`build.py`), how its figures and
labels are shown (`format.py`, `view.py`, `charts/`) and exported (`exports/`)."""
