"""The monthly client report as one self-contained HTML file that prints cleanly to PDF.

:func:`client_document` writes a :class:`~scoring.reports.client_month.ClientMonth` as a single HTML page:
Plotly's JavaScript is inlined once, with the first figure, and the later figures reuse it; there is no
outside font, script, style sheet or image, and the page's content security policy forbids fetching any,
so the file reads the same offline, attached to an e-mail or years later. Printed (or saved as PDF from a
browser), each section starts on a new A4 page and every figure is drawn 680 pixels wide, which fits
the page inside its margins.

Every piece of text from the database is escaped for HTML here, and for Plotly by the figure builders
(:func:`scoring.reports.charts.chart_text`), so a name holding markup shows as written.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from scoring.domain.dimensions import DIMENSION_NAMES
from scoring.reports.charts import radar, shortlist_times
from scoring.reports.client_month import ClientMonth, Shortlist
from scoring.reports.formatting import counted

#: Every figure's width in pixels: A4 is 210 mm wide, 180 mm inside 15 mm margins, about 680 CSS pixels.
FIGURE_WIDTH = 680
#: The sections of the report, in order: their anchor and heading. A test checks each is written.
SECTIONS: dict[str, str] = {
    "summary": "The month in brief",
    "promises": "Our promises",
    "searches": "Your searches",
    "shortlist-times": "Time to shortlist",
    "shortlists": "The candidates we shortlisted",
    "placements": "Placements",
    "replacements": "Replacements",
    "definitions": "How we count",
}
#: Nothing may be fetched from outside the file: inline scripts and styles only, images from data: URLs.
CONTENT_POLICY = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                  "img-src data:; font-src data:")

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
td { overflow-wrap: anywhere; }
.shortlist table { font-size: 8.5pt; }
.shortlist th, .shortlist td { padding: 3px 4px; }
.figure { margin: 8px 0 16px; }
ul.summary li { margin: 4px 0; }
footer { margin-top: 32px; color: #57606a; font-size: 9pt; border-top: 1px solid #d0d7de; padding-top: 6px; }
@page { size: A4; margin: 15mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  section { break-before: page; }
  section:first-of-type { break-before: auto; }
  .figure, .shortlist, tr, h2, h3 { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  thead { display: table-header-group; }
}
"""


class _Figures:
    """Writes figures as HTML: Plotly's JavaScript goes with the first one only. Each figure's element is
    named after the figure (never a random id), so the same data gives the same file, byte for byte."""

    def __init__(self) -> None:
        self.written = 0

    def html(self, figure: go.Figure, name: str) -> str:
        height = int(figure.layout.height or 450)
        figure.update_layout(width=FIGURE_WIDTH, autosize=False, font=dict(family="Helvetica, Arial, sans-serif"))
        div = pio.to_html(figure, include_plotlyjs=self.written == 0, full_html=False, include_mathjax=False,
                          config={"displayModeBar": False, "responsive": False}, div_id=f"figure-{name}",
                          default_width=f"{FIGURE_WIDTH}px", default_height=f"{height}px")
        self.written += 1
        return f'<div class="figure" data-figure="{html.escape(name)}">{div}</div>'


def _e(text: object) -> str:
    return html.escape(str(text))


def _table(frame: pd.DataFrame, numbers: Iterable[str] = ()) -> str:
    """A frame of text as an HTML table, every cell escaped; ``numbers`` are right-aligned."""
    right = set(numbers)

    def cell(tag: str, column: str, value: object) -> str:
        kind = ' class="number"' if column in right else ""
        scope = ' scope="col"' if tag == "th" else ""
        return f"<{tag}{kind}{scope}>{_e(value)}</{tag}>"

    head = "".join(cell("th", c, c) for c in frame.columns)
    body = "".join("<tr>" + "".join(cell("td", c, v) for c, v in zip(frame.columns, row)) + "</tr>"
                   for row in frame.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(anchor: str, body: str) -> str:
    return f'<section id="{anchor}"><h2>{_e(SECTIONS[anchor])}</h2>{body}</section>'


def _shortlist(shortlist: Shortlist, figures: _Figures, position: int) -> str:
    heading = (f"<h3>{_e(shortlist.search)}</h3><p class=\"note\">Shortlist delivered on "
               f"{shortlist.delivered_on:%d %b %Y}: {counted(len(shortlist.table), 'candidate')}, by take-home score "
               "(1-5, the mean of the reviewers' ratings weighted as our scorecard weighs them).</p>")
    drawn = {name: values for name, values in shortlist.traces.items() if values.notna().any()}
    if drawn:
        figure = radar(drawn, DIMENSION_NAMES, "Take-home ratings side by side (1-5)", height=470)
        figure.update_layout(legend=dict(orientation="h", x=0, y=-0.08, xanchor="left", yanchor="top"),
                             margin=dict(l=70, r=70, t=60, b=60))
        picture = figures.html(figure, f"radar-{position}")
    else:
        picture = "<p>No take-home ratings were recorded for these candidates, so there is no chart to compare.</p>"
    return f'<div class="shortlist">{heading}{_table(shortlist.table)}{picture}</div>'


def client_document(report: ClientMonth) -> str:
    """The report as one HTML page, Plotly included, nothing fetched from outside."""
    figures = _Figures()
    title = f"{report.client}: monthly report, {report.month_label}"
    dated = (f"As of {report.as_of:%d %b %Y}, the last day of the month" if report.complete
             else f"As of {report.as_of:%d %b %Y}: the month is not over yet, so later days are not included")
    parts = [_section("summary", '<ul class="summary">' + "".join(f"<li>{_e(line)}</li>" for line in report.summary)
                      + "</ul>")]
    parts.append(_section("promises", (
        "<h3>Falling due this month</h3><p class=\"note\">A promise falls due when a shortlist is delivered or a "
        "search passes its limit without one, when an engineer starts, when a replacement starts or passes its "
        "limit, and when your first three months end.</p>"
        + _table(report.promises, ("Fell due this month", "Kept", "Not kept"))
        + f"<h3>Since you joined, as of {report.as_of:%d %b %Y}</h3><p class=\"note\">The share of searches or "
        "replacements within the promise (of shortlists of the promised size, of clients staying), or the mean "
        "days to a first day, over everything counted so far.</p>"
        + _table(report.to_date, ("Since you joined", "Measured over")))))
    if report.searches.empty:
        searches = f"<p>No search of yours was open in {_e(report.month_label)}.</p>"
    else:
        searches = ("<p class=\"note\">Searches open at some time in the month. Business days run from the day "
                    "after the search opened to the day the shortlist was delivered (or to the report's date while "
                    "it waits), skipping weekends and your country's public holidays.</p>"
                    + _table(report.searches, ("Business days",)))
    parts.append(_section("searches", searches))
    if report.times.empty:
        times = "<p>No search to draw this month.</p>"
    else:
        times = figures.html(shortlist_times(report.times, report.target, report.limit), "shortlist-times")
    parts.append(_section("shortlist-times", times))
    if report.shortlists:
        shortlists = "".join(_shortlist(s, figures, i) for i, s in enumerate(report.shortlists, start=1))
    else:
        shortlists = f"<p>No shortlist was delivered in {_e(report.month_label)}.</p>"
    parts.append(_section("shortlists", shortlists))
    parts.append(_section("placements", _table(report.placements) if len(report.placements) else
                          "<p>No engineer was accepted, started or left this month.</p>"))
    parts.append(_section("replacements", _table(report.replacements, ("Days",)) if len(report.replacements) else
                          "<p>No replacement was requested or under way this month.</p>"))
    parts.append(_section("definitions", "<dl>" + "".join(
        f"<dt><strong>{_e(name)}</strong></dt><dd>{_e(measured)}</dd>" for name, measured in report.definitions)
        + "</dl>"))
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CONTENT_POLICY}\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>"
        f"<header><h1>{_e(report.client)}</h1><p class=\"lead\">Monthly report for {_e(report.month_label)}. "
        f"{_e(dated)}.</p></header>"
        + "".join(parts)
        + f"<footer>{_e(title)}. Figures as the data stood at the end of {report.as_of:%d %b %Y}.</footer>"
        "</body></html>\n")


def file_name(client_ref: str, month: str) -> str:
    """Where the report is saved by default: ``client-report-<client reference>-<YYYY-MM>.html``.

    Examples
    --------
    >>> file_name("CL 7/a", "2025-06")
    'client-report-CL-7-a-2025-06.html'
    """
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", client_ref).strip("-") or "client"
    return f"client-report-{safe}-{month}.html"
