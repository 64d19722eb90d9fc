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

import re

from scoring.domain.dimensions import DIMENSION_NAMES
from scoring.reports.charts import radar, shortlist_times
from scoring.reports.client_month import ClientMonth, Shortlist
from scoring.reports.formatting import counted
from scoring.reports.html_document import CONTENT_POLICY, STYLE, Figures, page
from scoring.reports.html_document import escape as _e
from scoring.reports.html_document import table as _table

__all__ = ["CONTENT_POLICY", "SECTIONS", "client_document", "file_name"]

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
#: The shared look, with a shortlist's wide table set smaller and kept on one page.
CLIENT_STYLE = STYLE + """
.shortlist table { font-size: 8.5pt; }
.shortlist th, .shortlist td { padding: 3px 4px; }
@media print { .shortlist { break-inside: avoid; } }
"""


def _section(anchor: str, body: str) -> str:
    return f'<section id="{anchor}"><h2>{_e(SECTIONS[anchor])}</h2>{body}</section>'


def _shortlist(shortlist: Shortlist, figures: Figures, position: int) -> str:
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
    figures = Figures()
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
    header = (f"<h1>{_e(report.client)}</h1><p class=\"lead\">Monthly report for {_e(report.month_label)}. "
              f"{_e(dated)}.</p>")
    footer = f"{_e(title)}. Figures as the data stood at the end of {report.as_of:%d %b %Y}."
    return page(title, header, "".join(parts), footer, CLIENT_STYLE)


def file_name(client_ref: str, month: str) -> str:
    """Where the report is saved by default: ``client-report-<client reference>-<YYYY-MM>.html``.

    Examples
    --------
    >>> file_name("CL 7/a", "2025-06")
    'client-report-CL-7-a-2025-06.html'
    """
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", client_ref).strip("-") or "client"
    return f"client-report-{safe}-{month}.html"
