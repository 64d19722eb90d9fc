"""A long list shows its first rows, says how many there are, and keeps every row behind its downloads."""

from __future__ import annotations

import io

import pandas as pd
from streamlit.testing.v1 import AppTest

from tests.conftest import downloaded


def page(rows: int) -> None:
    import pandas as pd

    from ui.tables import paged_table

    frame = pd.DataFrame({"reference": [f"BR-{n:04d}" for n in range(rows)], "days": range(rows)})
    paged_table(frame, ("the breaches", "breaches", "breach_download"), noun=("breach", "breaches"),
                hide_index=True)


def test_a_long_list_shows_its_first_hundred_rows_and_downloads_them_all(managers):
    at = AppTest.from_function(page, args=(250,)).run()
    assert not at.exception, [e.value for e in at.exception]
    shown = at.dataframe[0].value
    assert shown["reference"].tolist() == [f"BR-{n:04d}" for n in range(100)]      # the list's own order
    assert [c.value for c in at.caption] == [
        "The first 100 of 250 breaches, in the order listed; the downloads hold every one."]
    csv = pd.read_csv(io.BytesIO(downloaded(at, managers, "Download the breaches (CSV)")))
    parquet = pd.read_parquet(io.BytesIO(downloaded(at, managers, "Download the breaches (Parquet)")))
    assert len(csv) == len(parquet) == 250 and parquet["reference"].iloc[-1] == "BR-0249"


def test_a_short_list_is_shown_whole_without_a_note(managers):
    at = AppTest.from_function(page, args=(40,)).run()
    assert len(at.dataframe[0].value) == 40
    assert not at.caption
    assert len(at.get("download_button")) == 2                                      # the downloads all the same
