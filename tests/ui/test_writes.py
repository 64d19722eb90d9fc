"""A page's write: refused in words, in place; confirmed once, on the next run, then gone."""

from __future__ import annotations

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from scoring.agency.access import Account, PermissionDenied, StaleSession
from scoring.store.db import DatabaseError
from ui.context import IN_USE, UNREACHABLE
from ui.writes import CONFLICT, refusal_text


@pytest.mark.parametrize(("problem", "said"), [
    (PermissionDenied("application 7 at stage 3 is not assigned to you"),
     "application 7 at stage 3 is not assigned to you"),
    (DatabaseError("Governance: no rating given; Monitoring: a 5 needs a note"),
     "Governance: no rating given; Monitoring: a 5 needs a note"),
    (ValueError("a password needs at least 12 characters"), "a password needs at least 12 characters"),
    (duckdb.ConstraintException("Duplicate key \"email: a@b.example\" violates unique constraint"),
     "Duplicate key \"email: a\u2060@b.example\" violates unique constraint"),
    (duckdb.Error('insert or update on table "scores" violates foreign key constraint "scores_fk"'),
     'insert or update on table "scores" violates foreign key constraint "scores_fk"'),
    (duckdb.IOException('Could not set lock on file "data/x.duckdb": Conflicting lock is held by PID 42'), IN_USE),
    (duckdb.Error("Unable to connect to Postgres at host=db.internal"), UNREACHABLE),
    (duckdb.TransactionException("Transaction conflict: cannot update a table that has been altered"), CONFLICT),
])
def test_every_refusal_the_store_raises_is_said_in_words(problem, said):
    assert refusal_text(problem) == said


def test_a_refusal_is_escaped_for_markdown():
    assert refusal_text(DatabaseError("full_name: *bold* [link](http://x)")) == (
        "full_name: \\*bold\\* \\[link\\](http\u2060://x)")


@pytest.mark.parametrize("problem", [
    StaleSession(Account(3, "ana@agency.example", "Ana", "reviewer"), StaleSession.ENDED),   # guarded() signs out
    duckdb.CatalogException("Table with name scorez does not exist"),    # a fault, not anyone's input
    KeyError("dimension"),
])
def test_an_ended_session_or_a_fault_is_no_refusal_to_show(problem):
    assert refusal_text(problem) is None


def _page() -> None:
    import streamlit as st

    from scoring.store.db import DatabaseError
    from ui.writes import run_write, show_outcome

    def refused() -> None:
        raise DatabaseError("effective_from: must be after the newest version's date, 2026-01-01")

    def broken() -> None:
        raise KeyError("weights")

    show_outcome()
    st.session_state.setdefault("runs", 0)
    st.session_state["runs"] += 1
    if st.button("Save", key="save"):
        run_write(lambda: 7, lambda version: f"Weight version {version} added.")
    if st.button("Refused", key="refused"):
        run_write(refused, "never shown", refused="Not added")
    if st.button("Broken", key="broken"):
        run_write(broken, "never shown")
    st.caption("end of page")


def test_a_write_that_went_through_is_confirmed_once_on_the_next_run():
    at = AppTest.from_function(_page).run()
    runs = at.session_state["runs"]

    at.button(key="save").click().run()
    assert [s.value for s in at.success] == ["Weight version 7 added."]
    assert at.session_state["runs"] == runs + 2          # the write's run, then the rerun that shows it
    assert not at.error

    at.run()
    assert not at.success


def test_a_refused_write_says_why_in_place_and_confirms_nothing():
    at = AppTest.from_function(_page).run()
    at.button(key="refused").click().run()
    assert [e.value for e in at.error] == [
        "Not added: effective_from: must be after the newest version's date, 2026-01-01"]
    assert not at.success
    assert at.caption[-1].value == "end of page"         # the rest of the page is still drawn


def test_a_fault_is_raised_not_dressed_as_a_refusal():
    at = AppTest.from_function(_page).run()
    at.button(key="broken").click().run()
    assert at.exception and not at.error
