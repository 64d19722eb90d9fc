"""A second dashboard on a DuckDB file another program holds open says so, and shows nothing more.

DuckDB lets one process open a file for writing. A second app process used to show DuckDB's
refusal as a traceback on the anonymous sign-in page: the file's path on the server and the other
process's id, to anyone who loads the page (issue 18). Now the visitor reads what is wrong and what
whoever runs the server should do; the details go to the server log only.
"""

from __future__ import annotations

import logging
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tests.held_file import held_by_another_process
from ui.context import IN_USE


@pytest.fixture
def agency(demo_file, tmp_path, monkeypatch):
    path = tmp_path / "served-elsewhere" / "agency.duckdb"
    path.parent.mkdir()
    shutil.copy(demo_file, path)
    monkeypatch.setenv("SCORECARD_DB", str(path))
    return path


def page_text(at: AppTest) -> str:
    """Every text the page shows, from every kind of element."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "code", "error", "warning",
                 "info", "success", "exception"):
        for element in getattr(at, kind):
            parts.append(str(getattr(element, "value", "")))
            parts.extend(str(line) for line in getattr(element, "stack_trace", []) or [])
    return "\n".join(parts)


def test_the_sign_in_page_says_the_database_is_in_use_without_its_path_or_process_id(agency, caplog):
    with held_by_another_process(agency) as server, caplog.at_level(logging.ERROR, logger="ui.context"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()

    assert not at.exception
    assert [e.value for e in at.error] == [IN_USE]
    shown = page_text(at)
    assert "in use by another program" in shown
    for secret in (str(agency), agency.name, "served-elsewhere", str(server.pid), "PID", "lock", "Traceback"):
        assert secret not in shown, f"the page shows {secret!r}"
    assert not at.text_input, "no sign-in form on a database this process cannot open"
    logged = caplog.text
    assert str(agency) in logged and str(server.pid) in logged, "the details are in the server log"


def test_once_the_other_program_stops_a_reload_shows_the_sign_in_form(agency):
    with held_by_another_process(agency):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
        assert [e.value for e in at.error] == [IN_USE]

    at.run()

    assert not at.error and not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
