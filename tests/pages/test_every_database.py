"""Every page, for every role, on every kind of database an agency can have.

The demo is one database among several. A new agency starts from ``scorecard init`` (one admin,
nothing else), brings in its history a file at a time, and may for weeks hold only clients and
searches. Each page must render for each role on each of them: no traceback, no ``nan``/``None``
in the text people read, and where there is nothing to show, a sentence that says so.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from scoring.agency.access import ROLES, Account
from scoring.reports.formatting import MISSING
from scoring.store import Database
from scoring.store.accounts import create_operator_account
from scoring.store.importer import import_paths
from tests.conftest import ROOT
from ui.empty_states import NOTHING_YET
from ui.navigation import PAGES

SAMPLES = ROOT / "data" / "samples"
#: Words that must never reach a person: a missing value printed as text.
MISSING_WORDS = re.compile(r"(?<![\w-])(nan|NaN|None|NaT|<NA>)(?![\w-])")
#: The text-bearing elements of a page.
TEXT_ELEMENTS = ("title", "header", "subheader", "markdown", "caption", "text", "info", "warning", "error",
                 "success", "exception")


def _with_one_account_per_role(db: Database) -> None:
    """One account of each role, as an admin of a new agency would create them."""
    for role in ROLES:
        if not db.scalar("SELECT count(*) FROM accounts WHERE role = ?", [role]):
            create_operator_account(db, email=f"{role}@new-agency.example", display_name=f"First {role}",
                                    role=role, password=None)


def _build(kind: str, folder: Path, demo_file: Path) -> Path:
    path = folder / f"{kind}.duckdb"
    if kind == "demo":
        shutil.copy(demo_file, path)
        return path
    with Database(path) as db:
        if kind == "samples":
            result = import_paths(db, [SAMPLES])
            assert result.ok, result.problems
        elif kind == "clients_and_searches":
            result = import_paths(db, [SAMPLES / "clients.csv", SAMPLES / "searches.csv"])
            assert result.ok, result.problems
        _with_one_account_per_role(db)
    return path


KINDS = ("just_initialised", "samples", "clients_and_searches", "demo")


@pytest.fixture(scope="module")
def databases(demo_file, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("every_database")
    return {kind: _build(kind, folder, demo_file) for kind in KINDS}


def _first_account(path: Path, role: str) -> Account:
    with Database(path) as db:
        row = db.frame("SELECT account_id, email, display_name, role FROM accounts WHERE role = ? AND active "
                       "ORDER BY account_id LIMIT 1", [role]).iloc[0]
    return Account(int(row["account_id"]), row["email"], row["display_name"], row["role"])


def _visible_text(at: AppTest) -> list[str]:
    texts = []
    for kind in TEXT_ELEMENTS:
        texts += [str(getattr(element, "value", "")) for element in at.get(kind)]
    for metric in at.metric:
        texts += [str(metric.label), str(metric.value), str(metric.delta or "")]
    return texts


def _text_cells(at: AppTest) -> list[str]:
    """The string cells of every table (numbers are formatted by the grid, never printed as 'nan')."""
    cells = []
    for table in at.dataframe:
        frame = table.value
        if isinstance(frame, pd.DataFrame):
            for column in frame.columns:
                if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
                    cells += [str(v) for v in frame[column] if isinstance(v, str)]
            cells += [str(c) for c in frame.columns]
    return cells


@pytest.mark.parametrize("spec", PAGES, ids=lambda spec: spec.url_path)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_page_renders_for_every_role(databases, kind, role, spec, monkeypatch):
    path = databases[kind]
    monkeypatch.setenv("SCORECARD_DB", str(path))
    actor = _first_account(path, role)
    at = AppTest.from_file(str(ROOT / spec.path), default_timeout=90)
    at.session_state["account"] = actor
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if not actor.may(spec.permission):
        assert any("Not allowed" in e.value for e in at.error)
        return
    assert not [e.value for e in at.error]
    leaks = [t for t in _visible_text(at) + _text_cells(at) if MISSING_WORDS.search(t)]
    assert not leaks, f"a missing value shown as text: {leaks[:5]}"
    # The grid draws a missing number as "None" unless the table names its own placeholder.
    assert all(table.proto.placeholder == MISSING for table in at.dataframe)


EMPTY_STATES = (("hiring_lead", "pages/pipeline.py", "searches"), ("ops", "pages/ops.py", "searches"),
                ("hiring_lead", "pages/calibration.py", "ratings"),
                ("hiring_lead", "pages/validity.py", "take_home_scores"),
                ("reviewer", "pages/score_entry.py", "queue"), ("hiring_lead", "pages/candidate.py", "candidates"),
                ("reviewer", "pages/candidate.py", "assigned_candidates"))


@pytest.mark.parametrize(("role", "page", "missing"), EMPTY_STATES)
def test_an_empty_page_says_what_is_missing_and_who_adds_it(databases, monkeypatch, role, page, missing):
    """On a database just made by init, each page with nothing to show says what is missing and where it
    comes from, in the words declared once in ui.empty_states."""
    monkeypatch.setenv("SCORECARD_DB", str(databases["just_initialised"]))
    at = AppTest.from_file(str(ROOT / page), default_timeout=90)
    at.session_state["account"] = _first_account(databases["just_initialised"], role)
    at.run()
    assert NOTHING_YET[missing] in [info.value for info in at.info]
    assert re.search(r"admin|reviewer|Score entry", NOTHING_YET[missing])
