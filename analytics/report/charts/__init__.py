"""Server-rendered SVG charts of the gap report.

Every chart takes figures shaped like the report (`schema.py`) and returns a standalone SVG 1.1
document as a plain `str`, ready to be inlined in a Django template (which marks it safe) or in
the WeasyPrint PDF. No JavaScript, no external reference, system fonts only.

Conventions, shared by every chart:

- explicit width, height and viewBox, plus ``style="max-width:100%"`` so a chart scales down
  on a phone (the viewBox keeps its proportions). The page's stylesheet adds ``height:auto``
  (app.css ``.chart svg``, report_pdf.html ``figure.chart svg``) so the box shrinks with it;
  that rule must not be inlined here: WeasyPrint reads an inline ``height:auto`` as the SVG's
  own height and then draws the chart in a square box;
- ``role="img"`` and ``aria-labelledby`` pointing to the chart's <title> and <desc>; the desc is
  a one-sentence summary of what the chart shows;
- colour never carries meaning alone: leaders and employees have different marker shapes, and
  every class or direction is also written out;
- every text colour has a contrast of at least 4.5:1 on white;
- every inserted text is escaped (value names come from users);
- figures and labels are shown as `format.py` shows them everywhere (rounding half up), n is
  shown;
- the output is deterministic: the same input gives the same string (element ids are derived
  from the content, so two different charts on one page do not share ids).
"""

from .calibration import calibration_chart
from .gap import gap_chart
from .heat import contrast, heat_colour, heat_legend
from .trend import sparkline, trend_chart

__all__ = [
    "calibration_chart",
    "contrast",
    "gap_chart",
    "heat_colour",
    "heat_legend",
    "sparkline",
    "trend_chart",
]
