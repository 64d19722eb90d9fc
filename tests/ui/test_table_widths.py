"""The pipeline and ops tables show the columns people came for without a horizontal scroll at 1024 px.

At a 1024 px window the sidebar leaves the page's content 564 px (measured in Chromium with the
app's wide layout); every table's shown columns, at their set widths, must fit in it, and each
header must be people's words, never starting in lower case.
"""

from __future__ import annotations

import pytest

from ui import ops_tables, pipeline_tables, shortlist_tables

CONTENT_AT_1024 = 564
#: A table's border and its grid lines take a few pixels of their own.
MARGIN = 8


def _width(config: dict, columns) -> int:
    widths = [config[column]["width"] for column in columns]
    assert all(isinstance(width, int) for width in widths), widths
    return sum(widths)


TABLES = {
    "stage detail": (pipeline_tables.STAGE_COLUMNS, list(pipeline_tables.STAGE_COLUMNS)),
    "where candidates stall": (pipeline_tables.STALLED, list(pipeline_tables.STALLED_COLUMNS)),
    "searches at risk": (shortlist_tables._SHOWN, list(shortlist_tables._SHOWN)),
    "cancelled searches": (shortlist_tables._CANCELLED, list(shortlist_tables._CANCELLED_ORDER)),
    "breach list": (ops_tables.BREACH_CONFIG, list(ops_tables.BREACH_CONFIG)),
    "shortlist trend": (ops_tables.TREND_CONFIG, list(ops_tables.TREND_CONFIG)),
    "retention cohorts": (ops_tables.COHORT_CONFIG, list(ops_tables.COHORT_CONFIG)),
    **{f"rows behind {key}": (ops_tables.EVIDENCE_CONFIG, list(columns))
       for key, columns in ops_tables.EVIDENCE_SHOWN.items()},
}


@pytest.mark.parametrize("name", list(TABLES))
def test_shown_columns_fit_the_page_at_1024_px(name):
    config, columns = TABLES[name]
    assert _width(config, columns) <= CONTENT_AT_1024 - MARGIN


@pytest.mark.parametrize("name", list(TABLES))
def test_headers_are_peoples_words(name):
    config, columns = TABLES[name]
    for column in columns:
        label = config[column]["label"]
        assert not label[0].islower() and "_" not in label, label


def test_the_first_day_clock_can_start_at_the_accepted_offer_within_the_same_width():
    columns = ["accepted_on" if c == "opened_on" else c for c in ops_tables.EVIDENCE_SHOWN["first_day"]]
    assert _width(ops_tables.EVIDENCE_CONFIG, columns) <= CONTENT_AT_1024 - MARGIN
