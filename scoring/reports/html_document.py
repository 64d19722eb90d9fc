"""The pieces every self-contained HTML report is made of: the page, its tables and its Plotly figures.

A report written here is one file that reads the same offline, attached to an e-mail or years later:
Plotly's JavaScript is inlined once, with the first figure, and the later figures reuse it; there is no
outside font, script, style sheet or image, and the page's content security policy (:data:`CONTENT_POLICY`)
forbids fetching any. Printed (or saved as PDF from a browser), each section starts on a new A4 page and
every figure is drawn :data:`FIGURE_WIDTH` pixels wide, which fits the page inside its margins.

Every piece of text goes through :func:`escape` (or :func:`table`, which escapes every cell), so a name
holding markup shows as written. The monthly client report (:mod:`scoring.reports.client_document`) and
the fairness audit (:mod:`scoring.reports.fairness_document`) are written with them.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

__all__ = ["CONTENT_POLICY", "FIGURE_WIDTH", "STYLE", "Figures", "escape", "page", "table"]

#: Every figure's width in pixels: A4 is 210 mm wide, 180 mm inside 15 mm margins, about 680 CSS pixels.
FIGURE_WIDTH = 680
#: Nothing may be fetched from outside the file: inline scripts and styles only, images from data: URLs.
CONTENT_POLICY = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                  "img-src data:; font-src data:")

#: The look shared by the reports, on screen and in print.
STYLE = """
:root { color-scheme: light; }
body { font-family: "Helvetica Neue", Helvetica, Arial, "Liberation Sans", sans-serif; color: #1f2328;
       max-width: 720px; margin: 24px auto; padding: 0 16px; font-size: 11pt; line-height: 1.45; }
header { border-bottom: 3px solid #1F3B73; margin-bottom: 16px; padding-bottom: 8px; }
h1 { font-size: 22pt; margin: 0 0 4px; color: #1F3B73; }
h2 { font-size: 15pt; margin: 24px 0 8px; color: #1F3B73; }
h3 { font-size: 12pt; margin: 16px 0 6px; }
p.lead { margin: 0; color: #57606a; }
p.note { color: #57606a; font-size: 9.5pt; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: 9.5pt; }
th, td { border-bottom: 1px solid #d0d7de; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f3f5f8; }
td.number, th.number { text-align: right; }
td.number { white-space: nowrap; }
td { overflow-wrap: anywhere; }
.figure { margin: 8px 0 16px; }
ul.summary li { margin: 4px 0; }
footer { margin-top: 32px; color: #57606a; font-size: 9pt; border-top: 1px solid #d0d7de; padding-top: 6px; }
@page { size: A4; margin: 15mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  section { break-before: page; }
  section:first-of-type { break-before: auto; }
  .figure, tr, h2, h3 { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  thead { display: table-header-group; }
}
"""


def escape(text: object) -> str:
    """``text`` for HTML: ``&``, ``<``, ``>`` and both quotes escaped.

    Examples
    --------
    >>> escape('<b>Zoë</b> & "Z"')
    '&lt;b&gt;Zoë&lt;/b&gt; &amp; &quot;Z&quot;'
    """
    return html.escape(str(text))


def table(frame: pd.DataFrame, numbers: Iterable[str] = ()) -> str:
    """A frame of text as an HTML table, every cell escaped; the columns named in ``numbers`` are right-aligned.

    Examples
    --------
    >>> written = table(pd.DataFrame({"Group": ["A&B"], "Rate": ["50.0%"]}), numbers=("Rate",))
    >>> written[written.index("<tbody>"):]
    '<tbody><tr><td>A&amp;B</td><td class="number">50.0%</td></tr></tbody></table>'
    """
    right = set(numbers)

    def cell(tag: str, column: str, value: object) -> str:
        kind = ' class="number"' if column in right else ""
        scope = ' scope="col"' if tag == "th" else ""
        return f"<{tag}{kind}{scope}>{escape(value)}</{tag}>"

    head = "".join(cell("th", c, c) for c in frame.columns)
    body = "".join("<tr>" + "".join(cell("td", c, v) for c, v in zip(frame.columns, row)) + "</tr>"
                   for row in frame.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class Figures:
    """Writes figures as HTML: Plotly's JavaScript goes with the first one only. Each figure's element is
    named after the figure (never a random id), so the same data gives the same file, byte for byte."""

    def __init__(self) -> None:
        self.written = 0

    def html(self, figure: go.Figure, name: str) -> str:
        """``figure`` drawn :data:`FIGURE_WIDTH` wide in a ``div.figure`` whose ``data-figure`` is ``name``."""
        height = int(figure.layout.height or 450)
        figure.update_layout(width=FIGURE_WIDTH, autosize=False, font=dict(family="Helvetica, Arial, sans-serif"))
        div = pio.to_html(figure, include_plotlyjs=self.written == 0, full_html=False, include_mathjax=False,
                          config={"displayModeBar": False, "responsive": False}, div_id=f"figure-{name}",
                          default_width=f"{FIGURE_WIDTH}px", default_height=f"{height}px")
        self.written += 1
        return f'<div class="figure" data-figure="{escape(name)}">{div}</div>'


def page(title: str, header: str, body: str, footer: str, style: str = STYLE) -> str:
    """A whole HTML document: ``title`` (text) in the tab, then ``header``, ``body`` and ``footer`` (HTML,
    already escaped) under the content security policy that forbids fetching anything."""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CONTENT_POLICY}\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{escape(title)}</title><style>{style}</style></head><body>"
        f"<header>{header}</header>{body}<footer>{footer}</footer></body></html>\n")
