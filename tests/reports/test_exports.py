"""CSV downloads are safe to open in a spreadsheet (OWASP, "CSV Injection").

A text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a single
quote in front and is quoted; numbers, dates and booleans are written as pandas writes them.
"""

from __future__ import annotations

import csv
import doctest
import io
from datetime import date

import numpy as np
import pandas as pd
import pytest

from scoring.reports import exports
from scoring.reports.exports import FORMULA_STARTS, csv_line, neutralise, to_csv
from scoring.reports.ops_export import long_rows
from scoring.reports.ops_export import to_csv as audit_csv

HOSTILE = ['=HYPERLINK("http://203.0.113.9","Acme")', "+1", "-5", "@SUM(A1)", "\tTabbed name", "\r=1+1"]


def cells(data: bytes) -> list[list[str]]:
    """The CSV as a spreadsheet reads its cells (RFC 4180 quoting undone)."""
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def test_module_examples_run_as_documented():
    failures, tried = doctest.testmod(exports)
    assert tried >= 7
    assert failures == 0


@pytest.mark.parametrize("text", HOSTILE)
def test_text_that_a_spreadsheet_would_run_gets_a_quote_in_front(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Acme Robotics", "", "CL-0001", "5", "'=already quoted", " =1", "a=b", "x-1"])
def test_other_text_is_left_as_it_is(text):
    assert neutralise(text) == text


def test_the_triggers_are_owasps():
    assert set(FORMULA_STARTS) == {"=", "+", "-", "@", "\t", "\r"}


def test_a_neutralised_cell_is_quoted_and_reads_back_with_its_quote():
    line = csv_line(["+1", "'+1", "plain"])
    assert line == '+1,"\'+1",plain\n'          # csv_line quotes; neutralising is the caller's part
    assert cells(line.encode()) == [["+1", "'+1", "plain"]]


def test_every_hostile_text_cell_of_a_frame_is_neutralised_and_quoted():
    frame = pd.DataFrame({"client": HOSTILE, "row": range(len(HOSTILE))})
    data = to_csv(frame)
    rows = cells(data)
    assert rows[0] == ["client", "row"]
    assert [row[0] for row in rows[1:]] == ["'" + text for text in HOSTILE]
    for text in HOSTILE:
        assert f"\"'{text.replace(chr(34), chr(34) * 2)}\"" in data.decode()       # quoted in the file itself


def test_numbers_stay_numbers_and_only_text_is_touched():
    frame = pd.DataFrame({
        "days": [-3, 4],                                     # a negative number column is not text
        "cost_usd": [-12.5, np.nan],
        "counted": [True, False],
        "first_day": [date(2025, 6, 2), None],
        "ref": ["-5", "RP-00001"],                           # the text "-5" is text
        "reviewers": pd.array([2, None], dtype="Int64"),
    })
    rows = cells(to_csv(frame))
    assert rows[1] == ["-3", "-12.5", "True", "2025-06-02", "'-5", "2"]
    assert rows[2] == ["4", "", "False", "", "RP-00001", ""]


def test_an_ordinary_frame_is_written_exactly_as_pandas_writes_it():
    frame = pd.DataFrame({"client": ["Acme, Inc.", 'The "Best" Co', "Birch"], "share": [0.25, 1.0, np.nan],
                          "when": pd.to_datetime(["2025-01-02 10:30", None, "2025-03-04 00:00"])})
    assert to_csv(frame) == frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def test_string_and_categorical_columns_are_text_too():
    frame = pd.DataFrame({"s": pd.array(["=1+1", None], dtype="string"), "c": pd.Categorical(["@x", "ok"])})
    assert cells(to_csv(frame))[1:] == [["'=1+1", "'@x"], ["", "ok"]]


def test_a_hostile_column_name_is_neutralised_too():
    assert cells(to_csv(pd.DataFrame({"=cmd": [1]})))[0] == ["'=cmd"]


def test_line_breaks_inside_a_cell_survive_the_round_trip():
    frame = pd.DataFrame({"note": ["first line\nsecond, with a comma", "a lone\rcarriage return", "\r\nfirst"]})
    assert [row[0] for row in cells(to_csv(frame))[1:]] == ["first line\nsecond, with a comma",
                                                            "a lone\rcarriage return", "'\r\nfirst"]


def test_an_empty_frame_keeps_its_header():
    assert to_csv(pd.DataFrame({"a": [], "b": []})) == b"a,b\n"


def test_parquet_is_not_this_modules_business():
    """Parquet downloads keep the exact values; the ops page writes them without neutralising."""
    from scoring.reports.ops import to_parquet
    frame = pd.DataFrame({"client": HOSTILE})
    assert pd.read_parquet(io.BytesIO(to_parquet(frame)))["client"].tolist() == HOSTILE


# -- the ops audit document's long layout -----------------------------------------------------------
def test_the_audit_csv_neutralises_text_values_and_keeps_numbers():
    document = {"as_of": "2025-06-30", "filter": {"seniorities": ["=x", "mid"], "client_ids": [3, 4]},
                "clients": [{"client_ref": "=HYPERLINK(\"http://203.0.113.9\",\"Acme\")", "retention": "retained"}],
                "replacements": [{"replacement_ref": "-RP-1", "days": -2, "cost_usd": -0.5}]}
    rows = cells(audit_csv(document))
    values = {(section, item, field): value for section, item, field, value in rows[1:]}
    assert values[("clients", "1", "client_ref")] == "'=HYPERLINK(\"http://203.0.113.9\",\"Acme\")"
    assert values[("clients", "1", "retention")] == "retained"
    assert values[("replacements", "1", "replacement_ref")] == "'-RP-1"
    assert values[("replacements", "1", "days")] == "-2"                 # a number, not text
    assert values[("replacements", "1", "cost_usd")] == "-0.5"
    assert values[("report", "", "filter.seniorities")] == "'=x;mid"
    assert values[("report", "", "filter.client_ids")] == "3;4"
    assert [tuple(row) for row in rows[1:]] == list(long_rows(document))
