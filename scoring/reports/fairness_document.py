"""The fairness audit as one self-contained HTML file: every table of the report, its charts, its method.

:func:`fairness_document` writes a :class:`~scoring.reports.fairness.FairnessReport` as a single page
(:mod:`scoring.reports.html_document`: Plotly inlined once, nothing fetched from outside, each section on a
new A4 page when printed): who ran it, the audit date, period and grouping; the findings in brief; one
section per entry of :data:`SECTIONS` (the pass rate at each stage, the weighted score's scoring rate, the
reviewers who score one group differently), each a title, an explanation, a table in people's words and,
where a picture says it faster, a chart above it; then the method and its sources
(:mod:`scoring.reports.fairness_method`, the same words the Fairness audit page shows).

Adding a section is one entry in :data:`SECTIONS`. A table field of the report that no entry claims is
still written, as a section of its own: titled by its ``attrs["title"]`` (else its field name), explained by
its ``attrs["explanation"]`` if it has one, its cells formatted by kind (counts with separators, other
numbers to three decimals, yes or no, dates as dates, a missing value as a dash).

Counts per group only: no candidate is ever named (reviewers are, in the bias table), and every text is
escaped, so a group's or a person's name holding markup shows as written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from scoring.agency.access import ROLE_LABELS, Account
from scoring.agency.fairness import AT_OR_ABOVE, BELOW, REFERENCE, TOO_FEW
from scoring.reports.charts import chart_text
from scoring.reports.fairness import (
    ALL_DIMENSIONS,
    BIAS_COLUMNS,
    BIAS_FLAGGED,
    GROUPINGS,
    FairnessReport,
    too_few_rule,
)
from scoring.reports.fairness_method import METHOD_TITLE, cited, method, sources_line
from scoring.reports.formatting import MISSING, is_missing, shown
from scoring.reports.html_document import STYLE, Figures, escape, page, table
from scoring.stats.impact import FOUR_FIFTHS

__all__ = ["SECTIONS", "Section", "bias_chart", "bias_words", "fairness_document", "file_name", "impact_chart",
           "impact_words", "p_value_text", "section_headings"]

#: The shared look, with words in a cell broken only where they must be: the tables are wide, and a group's
#: name split mid-word reads badly.
FAIRNESS_STYLE = STYLE + "td { overflow-wrap: break-word; }\n"
#: Bar colours of the impact chart, by the row's reading.
VERDICT_COLOURS = {REFERENCE: "#8C8C8C", AT_OR_ABOVE: "#4C78A8", BELOW: "#E45756"}
LINE_COLOUR = "#B0413E"


def p_value_text(p: object) -> str:
    """A p-value as the report prints it: three decimals, "< 0.001" below that, a dash when missing.

    Examples
    --------
    >>> p_value_text(0.04567), p_value_text(0.0002), p_value_text(float("nan"))
    ('0.046', '< 0.001', '—')
    """
    if is_missing(p):
        return MISSING
    value = float(p)  # type: ignore[arg-type]
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _interval(low: object, high: object) -> str:
    return MISSING if is_missing(low) or is_missing(high) else f"{float(low):.2f} to {float(high):.2f}"  # type: ignore[arg-type]


def impact_words(frame: pd.DataFrame, total: str, selected: str, rate: str) -> pd.DataFrame:
    """An impact table (:func:`scoring.agency.fairness.impact_table` with its ``stage`` name) as text in
    people's words: ``total``, ``selected`` and ``rate`` name its count and rate columns; a stage median, when
    the table has one, follows the stage.

    Examples
    --------
    >>> row = pd.DataFrame({"stage": ["Take-home assessment"], "group": ["Female"], "total": [1200],
    ...                     "selected": [450], "rate": [0.375], "ratio": [0.75], "ratio_low": [0.68],
    ...                     "ratio_high": [0.83], "p_value": [0.00001], "verdict": ["Below four-fifths"]})
    >>> impact_words(row, "Decided", "Passed", "Pass rate").iloc[0].tolist()
    ['Take-home assessment', 'Female', '1,200', '450', '37.5%', '0.75', '0.68 to 0.83', '< 0.001', 'Below four-fifths']
    """
    words = {"Stage": frame["stage"]}
    if "median_score" in frame.columns:
        words["Stage median"] = [shown(m, "{:.2f}") for m in frame["median_score"]]
    words |= {
        "Group": frame["group"],
        total: [f"{int(n):,}" for n in frame["total"]],
        selected: [f"{int(k):,}" for k in frame["selected"]],
        rate: [shown(r, "{:.1%}") for r in frame["rate"]],
        "Impact ratio": [shown(r, "{:.2f}") for r in frame["ratio"]],
        "95% interval": [_interval(lo, hi) for lo, hi in zip(frame["ratio_low"], frame["ratio_high"])],
        "Fisher p-value": [p_value_text(p) for p in frame["p_value"]],
        "Reading": frame["verdict"],
    }
    return pd.DataFrame({name: list(values) for name, values in words.items()})


def impact_chart(rows: pd.DataFrame, title: str | None = None) -> go.Figure | None:
    """One stage's impact ratios as horizontal bars with their intervals, against the four-fifths line.

    Parameters
    ----------
    rows
        One stage's rows of an impact table; only groups with a ratio are drawn (not those too few to judge
        or not stated), top to bottom in the table's order.
    title
        The chart's title, if it needs one.

    Returns
    -------
    go.Figure or None
        None when no group has a ratio. Bars are grey for the reference group, blue at or above four-fifths
        and red below it, each labelled with its ratio; the legend, under the axis, names the colours.
    """
    judged = rows[rows["ratio"].notna()]
    if judged.empty:
        return None
    labels = [chart_text(group) for group in judged["group"]]
    figure = go.Figure()
    for verdict, colour in VERDICT_COLOURS.items():
        keep = (judged["verdict"] == verdict).to_numpy()
        if not keep.any():
            continue
        part = judged[keep]
        figure.add_trace(go.Bar(
            x=part["ratio"], y=[label for label, kept in zip(labels, keep) if kept], orientation="h",
            name=chart_text(verdict), marker_color=colour,
            text=[f"{ratio:.2f}" for ratio in part["ratio"]], textposition="inside", insidetextanchor="start",
            textfont=dict(color="white"),
            error_x=dict(type="data", symmetric=False, array=(part["ratio_high"] - part["ratio"]).to_numpy(),
                         arrayminus=(part["ratio"] - part["ratio_low"]).to_numpy(), color="#1f2328", thickness=1.2),
            hovertemplate="%{y}: %{x:.2f} of the highest rate<extra></extra>"))
    figure.add_vline(x=FOUR_FIFTHS, line_dash="dash", line_color=LINE_COLOUR,
                     annotation_text=f"Four-fifths ({FOUR_FIFTHS:.2f})", annotation_position="top",
                     annotation_font_color=LINE_COLOUR)
    most = float(np.nanmax([1.0, *judged["ratio_high"].tolist()]))
    top, bottom, plotted = (70 if title else 30), 95, 34 * len(judged) + 20
    figure.update_layout(
        title=dict(text=chart_text(title), x=0, xanchor="left") if title else None,
        height=top + bottom + plotted, margin=dict(l=10, r=20, t=top, b=bottom),
        barmode="overlay", bargap=0.3, showlegend=True,
        legend=dict(orientation="h", x=0, xanchor="left", y=-50 / plotted, yanchor="top", traceorder="normal"),
        xaxis=dict(title=dict(text="Impact ratio, with its 95% interval", standoff=6),
                   range=[0, min(most * 1.05, 3.0)], rangemode="tozero"),
        yaxis=dict(categoryorder="array", categoryarray=labels[::-1], automargin=True))
    return figure


@dataclass(frozen=True)
class Section:
    """One section of the document, drawn from one table field of the report.

    ``field`` names the :class:`~scoring.reports.fairness.FairnessReport` field shown (a report without it
    leaves the section out) and ``words`` turns its rows into the table printed (text in people's words),
    whose columns named in ``numbers`` are right-aligned. An empty ``title`` or ``explanation`` is the
    field's own ``attrs["title"]`` or ``attrs["explanation"]``. With ``split_by`` (a column of the field,
    such as the stage), each of its values gets a table of its own under its own heading, in the order the
    rows come; ``chart``, when given, draws the field's rows of each table (None: nothing to draw). ``empty``
    is said when the field has no row. ``brief``, when given, says the section's findings in sentences for
    the summary at the top.
    """

    anchor: str
    title: str
    explanation: str
    field: str
    words: Callable[[pd.DataFrame], pd.DataFrame]
    numbers: tuple[str, ...] = ()
    split_by: str | None = None
    chart: Callable[[pd.DataFrame], go.Figure | None] | None = None
    empty: str = "Nothing to show for this period."
    brief: Callable[[FairnessReport], list[str]] | None = None

    def heading(self, report: FairnessReport) -> str:
        """The section's title, or its field's own."""
        return self.title or str(getattr(report, self.field).attrs.get("title") or _words(self.field))

    def explained(self, report: FairnessReport) -> str:
        """The section's explanation, or its field's own."""
        return self.explanation or str(getattr(report, self.field).attrs.get("explanation") or "")


IMPACT_NUMBERS = ("Impact ratio", "95% interval", "Fisher p-value", "Stage median")


def _impact_brief(measure: str, what: str) -> Callable[[FairnessReport], list[str]]:
    def brief(report: FairnessReport) -> list[str]:
        flagged = report.flagged
        return [f"{row.stage}: {row.group} {what} at {row.ratio:.2f} of the highest rate (95% interval "
                f"{_interval(row.ratio_low, row.ratio_high)}; Fisher p {p_value_text(row.p_value)})."
                for row in flagged[flagged["measure"] == measure].itertuples()]
    return brief


def _signed(value: object) -> str:
    return MISSING if is_missing(value) else f"{float(value) + 0.0:+.2f}"  # type: ignore[arg-type]


def bias_words(rows: pd.DataFrame) -> pd.DataFrame:
    """The reviewer x group table (:data:`scoring.reports.fairness.BIAS_COLUMNS`) as the document prints it:
    who, which group and dimension, on how many ratings, the difference in rating points with its interval,
    the p-value after the correction, and the reading; the logits behind them stay in the JSON."""
    column = BIAS_COLUMNS
    return pd.DataFrame({
        "Reviewer": list(rows[column["reviewer"]]), "Group": list(rows[column["group"]]),
        "Dimension": list(rows[column["dimension"]]),
        "Ratings": [f"{int(n):,}" for n in rows[column["ratings"]]],
        "Difference (rating points)": [_signed(d) for d in rows[column["difference"]]],
        "95% interval": [MISSING if is_missing(lo) or is_missing(hi) else f"{_signed(lo)} to {_signed(hi)}"
                         for lo, hi in zip(rows[column["difference_low"]], rows[column["difference_high"]])],
        "p after correction": [p_value_text(p) for p in rows[column["p_adjusted"]]],
        "Reading": list(rows[column["verdict"]]),
    })


def bias_chart(rows: pd.DataFrame) -> go.Figure | None:
    """The flagged reviewer x group cells as points with their 95% intervals, in rating points around zero (the
    rating the model expects); None when no cell is flagged."""
    column = BIAS_COLUMNS
    flagged = rows[rows[column["verdict"]].isin(BIAS_FLAGGED)]
    if flagged.empty:
        return None
    labels = [chart_text(f"{r}, {g}, {d}") for r, g, d in
              zip(flagged[column["reviewer"]], flagged[column["group"]], flagged[column["dimension"]])]
    difference = flagged[column["difference"]].astype(float)
    figure = go.Figure(go.Scatter(
        x=difference, y=labels, mode="markers", marker=dict(size=10, color="#E45756"), showlegend=False,
        error_x=dict(type="data", symmetric=False,
                     array=(flagged[column["difference_high"]].astype(float) - difference).to_numpy(),
                     arrayminus=(difference - flagged[column["difference_low"]].astype(float)).to_numpy(),
                     color="#1f2328", thickness=1.2),
        hovertemplate="%{y}: %{x:+.2f} rating points<extra></extra>"))
    figure.add_vline(x=0, line_color="#57606a", annotation_text="As the model expects", annotation_position="top")
    bounds = [flagged[column["difference_low"]], flagged[column["difference_high"]]]
    reach = 1.1 * max(float(np.nanmax(np.abs(bound.astype(float)))) for bound in bounds)
    figure.update_layout(
        height=140 + 34 * len(flagged), margin=dict(l=10, r=20, t=40, b=60),
        xaxis=dict(title="Difference from the expected rating (rating points)", zeroline=False,
                   range=[-reach, reach]),
        yaxis=dict(categoryorder="array", categoryarray=labels[::-1], automargin=True))
    return figure


def _bias_brief(report: FairnessReport) -> list[str]:
    """The flagged reviewer and group cells in sentences (or that none is), then what the model could not fit."""
    notes = [str(note) for note in getattr(report, "bias_notes", ())]
    table = getattr(report, "reviewer_bias", None)
    if table is None or table.empty:
        return notes
    column = BIAS_COLUMNS
    judged = table[table[column["verdict"]] != TOO_FEW]
    flagged = table[table[column["verdict"]].isin(BIAS_FLAGGED)]
    if flagged.empty:
        return ([f"No reviewer scores a group differently after the correction for the {len(judged):,} reviewer "
                 "and group cells with enough ratings to judge."] if len(judged) else []) + notes
    lines = []
    for _, row in flagged.iterrows():
        difference = float(row[column["difference"]])
        dimension = str(row[column["dimension"]])
        where = "over all dimensions" if dimension == ALL_DIMENSIONS else f"on {dimension}"
        lines.append(f"{row[column['reviewer']]} rates {row[column['group']]} candidates "
                     f"{'lower' if difference < 0 else 'higher'} than the model expects {where}: "
                     f"{_signed(difference)} rating points (95% interval {_signed(row[column['difference_low']])} to "
                     f"{_signed(row[column['difference_high']])}; p after correction "
                     f"{p_value_text(row[column['p_adjusted']])}).")
    return lines + notes

def _impact_section(field: str, title: str, explanation: str, counted: tuple[str, str, str], empty: str,
                    measure: str, what: str) -> Section:
    """The section of an impact table: a chart and a table per stage, its rows below four-fifths said in brief
    (``counted``: the names of its count, selected and rate columns; ``measure`` and ``what``: how
    :attr:`~scoring.reports.fairness.FairnessReport.flagged` names its rows, and what a group does there)."""
    return Section(field, title, explanation, field, lambda rows: impact_words(rows, *counted),
                   (*counted, *IMPACT_NUMBERS), "stage", impact_chart, empty, _impact_brief(measure, what))


#: The sections of the report's tables, in order. A table field of the report no entry claims is still
#: written after these (see the module's docstring).
SECTIONS: tuple[Section, ...] = (
    _impact_section(
        "stages", "Pass rate at each stage",
        "For each stage and group: the applications decided in the period and those that passed, the pass "
        "rate, and the impact ratio against the group with the highest rate, with its 95% interval and "
        "Fisher's exact test. Each chart draws the ratios with their intervals against the four-fifths line: "
        "grey for the reference group, blue at or above four-fifths, red below it.",
        ("Decided", "Passed", "Pass rate"), "No stage decision was taken in this period.", "stage", "passes"),
    _impact_section(
        "scoring", "Scoring rate of the weighted score",
        "Local Law 144's scoring rate, for the two scored stages: of each group's complete weighted scores "
        "(under the weights in force when the application entered the stage), the share above the median of "
        "every complete score at that stage, and its impact ratio against the group with the highest share, "
        "drawn as for the stages.",
        ("Scored", "Above the median", "Scoring rate"), "No complete weighted score in this period.", "score",
        "scores above the stage median"),
    Section(
        "reviewer-bias", "", "", "reviewer_bias", bias_words,
        ("Ratings", "Difference (rating points)", "95% interval", "p after correction"), None, bias_chart,
        "No reviewer's ratings of a stated group in this period.", _bias_brief),
)


def _words(name: str) -> str:
    """A field or column name as words: ``group_bias`` reads "Group bias"; a name already in words stays."""
    if name.isidentifier() and name == name.lower():
        return name.replace("_", " ").capitalize()
    return name


def _cell(value: object) -> str:
    if is_missing(value):
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return "Yes" if value else "No"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return f"{number:,.0f}" if abs(number) >= 1000 else f"{number:.3f}"
    if isinstance(value, (pd.Timestamp, date)):
        return f"{value:%d %b %Y}"
    return str(value)


def _generic(field: str, frame: pd.DataFrame) -> tuple[str, str, str, str]:
    """A table field no section claims: its anchor, title, explanation and table HTML."""
    title = str(frame.attrs.get("title") or _words(field))
    explanation = str(frame.attrs.get("explanation") or "")
    if frame.empty:
        return field.replace("_", "-"), title, explanation, "<p>Nothing to show for this period.</p>"
    numbers = [_words(str(c)) for c in frame.columns
               if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])]
    text = pd.DataFrame({_words(str(c)): [_cell(v) for v in frame[c]] for c in frame.columns})
    return field.replace("_", "-"), title, explanation, table(text, numbers)


def _present(report: FairnessReport) -> list[Section]:
    """The entries of :data:`SECTIONS` whose field ``report`` has."""
    return [section for section in SECTIONS if isinstance(getattr(report, section.field, None), pd.DataFrame)]


def _unclaimed(report: FairnessReport) -> list[str]:
    claimed = {section.field for section in SECTIONS}
    return [f.name for f in dataclasses.fields(report)
            if f.name not in claimed and isinstance(getattr(report, f.name), pd.DataFrame)]


def section_headings(report: FairnessReport) -> list[tuple[str, str]]:
    """Every section the document of ``report`` writes, in order: its anchor and heading."""
    generic = [(field.replace("_", "-"), str(getattr(report, field).attrs.get("title") or _words(field)))
               for field in _unclaimed(report)]
    return [("summary", "In brief"), *[(s.anchor, s.heading(report)) for s in _present(report)], *generic,
            ("method", METHOD_TITLE), ("sources", "Sources")]


def _period(report: FairnessReport) -> str:
    if report.start and report.end:
        return f"decisions from {report.start:%d %b %Y} to {report.end:%d %b %Y}"
    if report.start:
        return f"decisions from {report.start:%d %b %Y} to the audit date"
    if report.end:
        return f"decisions up to {report.end:%d %b %Y}"
    return "every decision up to the audit date"


def _summary(report: FairnessReport) -> str:
    stages = report.stages
    if not len(stages) or not stages["stated"].any():
        return ("<p>No self-identification for the decisions of this period: an admin imports it with the optional "
                "self_identification file.</p>")
    decided, stated = int(stages["total"].sum()), int(stages.loc[stages["stated"], "total"].sum())
    lines = [f"{decided:,} stage decisions counted, {stated / decided:.1%} of them for candidates who stated a "
             "group; the rest are counted but never compared."]
    if report.flagged.empty:
        lines.append("No group large enough to judge falls below four-fifths of the highest rate, at any stage or "
                     "for the weighted score.")
    lines += [line for section in _present(report) if section.brief is not None for line in section.brief(report)]
    return '<ul class="summary">' + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>"


def _section(anchor: str, title: str, body: str) -> str:
    return f'<section id="{escape(anchor)}"><h2>{escape(title)}</h2>{body}</section>'


def _note(text: str) -> str:
    return f'<p class="note">{escape(text)}</p>' if text else ""


def _written(section: Section, frame: pd.DataFrame, figures: Figures) -> str:
    """``frame`` (the section's field) as its tables, each under its chart: the picture first, the rows
    behind it after."""
    if frame.empty:
        return f"<p>{escape(section.empty)}</p>"
    split = section.split_by
    pieces = [(str(value), rows) for value, rows in frame.groupby(split, sort=False)] if split else [("", frame)]
    body = []
    for number, (heading, rows) in enumerate(pieces, start=1):
        words = section.words(rows)
        if split:
            words = words.drop(columns=[_words(split)], errors="ignore")     # the heading says it
        drawn = section.chart(rows) if section.chart is not None else None
        body.append((f"<h3>{escape(heading)}</h3>" if heading else "")
                    + (figures.html(drawn, f"{section.anchor}-{number}") if drawn is not None else "")
                    + table(words, section.numbers))
    return "".join(body)


def _method(report: FairnessReport) -> str:
    steps = method(report.min_size)
    parts = [f"<h3>{escape(step.title)}</h3><p>{escape(step.text)}</p>{_note(sources_line(step))}" for step in steps]
    return "".join(parts)


def fairness_document(report: FairnessReport, run_by: Account) -> str:
    """The report as one HTML page, Plotly included, nothing fetched from outside, for ``run_by`` (the auditor
    or admin who ran it, named in the header)."""
    figures = Figures()
    grouping = GROUPINGS[report.grouping]
    parts = [_section("summary", "In brief", _summary(report))]
    for section in _present(report):
        parts.append(_section(section.anchor, section.heading(report), _note(section.explained(report))
                              + _written(section, getattr(report, section.field), figures)))
    for field in _unclaimed(report):
        anchor, title, explanation, body = _generic(field, getattr(report, field))
        parts.append(_section(anchor, title, _note(explanation) + body))
    parts.append(_section("method", METHOD_TITLE, _method(report)))
    parts.append(_section("sources", "Sources", "<ol>" + "".join(
        f"<li>{escape(source.full)}</li>" for source in cited(method(report.min_size))) + "</ol>"))
    title = f"Fairness audit as of {report.as_of:%d %b %Y}, by {grouping.lower()}"
    header = (f"<h1>Fairness audit</h1><p class=\"lead\">As of {report.as_of:%d %b %Y}, {escape(_period(report))}, "
              f"grouped by {escape(grouping.lower())} as candidates chose to identify themselves. "
              f"{escape(too_few_rule(report.min_size))}</p>"
              f"<p class=\"lead\">Run by {escape(run_by.display_name)} "
              f"({escape(ROLE_LABELS[run_by.role].lower())}).</p>")
    footer = (f"{escape(title)}. Counts per group only: no candidate is named, and no score uses "
              "self-identification.")
    return page(title, header, "".join(parts), footer, FAIRNESS_STYLE)


def file_name(report: FairnessReport, extension: str) -> str:
    """Where the report is saved by default: ``fairness_<grouping>_<YYYYMMDD>.<extension>``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> file_name(SimpleNamespace(grouping="sex", as_of=date(2026, 11, 20)), "html")
    'fairness_sex_20261120.html'
    """
    return f"fairness_{report.grouping}_{report.as_of:%Y%m%d}.{extension}"
