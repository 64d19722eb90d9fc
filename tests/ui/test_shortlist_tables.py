"""The searches listed beside the shortlist-time figure: a long list shows its first rows and offers the
whole of it, every column included, as a download; a short one is shown whole with nothing to download."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import downloaded


def searches(rows: int) -> pd.DataFrame:
    return pd.DataFrame({"search_ref": [f"SR-{n:04d}" for n in range(rows)], "client": "Acme",
                         "role_title": "MLOps engineer", "country": "US", "seniority": "senior",
                         "opened_on": date(2025, 1, 6), "closed_on": date(2025, 3, 3),
                         "business_days": range(rows)})


def page(which: str, rows: int) -> None:
    from tests.ui.test_shortlist_tables import searches
    from ui import shortlist_tables

    getattr(shortlist_tables, which)(searches(rows), f"list_{which}")


@pytest.mark.parametrize("which, what", [("at_risk", "the searches at risk"),
                                         ("cancelled", "the cancelled searches")])
def test_a_long_list_shows_its_first_hundred_searches_and_downloads_them_all(managers, which, what):
    at = AppTest.from_function(page, args=(which, 130)).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.dataframe[0].value["search_ref"].tolist() == [f"SR-{n:04d}" for n in range(100)]
    assert "The first 100 of 130 searches, in the order listed; the downloads hold every one." in [
        c.value for c in at.caption]
    whole = pd.read_csv(io.BytesIO(downloaded(at, managers, f"Download {what} (CSV)")))
    assert len(whole) == 130 and {"country", "seniority"} <= set(whole.columns)


@pytest.mark.parametrize("which", ["at_risk", "cancelled"])
def test_a_short_list_is_shown_whole_with_nothing_to_download(which):
    at = AppTest.from_function(page, args=(which, 12)).run()
    assert len(at.dataframe[0].value) == 12
    assert not at.get("download_button")
    assert not any("The first" in c.value for c in at.caption)
