"""Writes from a page: run one, then say in words that it was saved, or why it was not.

Every write a page makes goes through :func:`run_write`. A refusal is shown at once, in place, as
``"<what did not happen>: <why>"``; the page stays as it was, so the person can correct the form.
A write that went through records its note, tells the shared reports to catch up
(:mod:`ui.shared_reads`) and reruns the page, so every figure is read again;
the next run shows the note once (:func:`show_outcome`, at the top of the page) and the run after
that no longer does. This is the only way a page confirms a write.

The refusals a store write raises, and what the person reads for each:

* :class:`~scoring.agency.access.PermissionDenied`: the role or the assignment does not allow it;
* :class:`~scoring.store.db.DatabaseError` and its kinds (a stale scorecard, a damaged archive...):
  a row the store refused, naming the field and the reason, several of them separated by ``;``;
* :class:`ValueError`: a value refused before any SQL, such as a password too short;
* a DuckDB or PostgreSQL refusal of a row that breaks a constraint which the store did not put in
  words of its own, a concurrent writer winning every retry, the database out of reach, or its file
  held by another program.

:class:`~scoring.agency.access.StaleSession` is no refusal to show: it goes up to
:func:`ui.context.guarded`, which signs the person out. Anything else is a fault and is raised.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NoReturn, TypeVar, cast

import duckdb
import pandas as pd
import streamlit as st

from scoring.agency.access import PermissionDenied, StaleSession
from scoring.reports.formatting import MISSING
from scoring.store.db import (
    DatabaseError,
    is_constraint_violation,
    is_held_by_another_process,
    is_unreachable,
    is_write_conflict,
)
from ui.context import IN_USE, UNREACHABLE
from ui.shared_reads import data_changed
from ui.text import plain

T = TypeVar("T")
#: Where the note of the last write waits for the next run.
OUTCOME_KEY = "write_outcome"
CONFLICT = ("someone else was saving the same records at that moment, and this write lost every retry; "
            "nothing was written, so try again")


@dataclass(frozen=True)
class Outcome:
    """What the next run says about a write: a sentence, and the tables that back it, if any."""

    message: str
    #: Each table with the caption above it (``""`` for none).
    tables: tuple[tuple[str, pd.DataFrame], ...] = ()
    #: ``"success"``, or ``"info"`` for a write that had nothing to change.
    tone: str = "success"


def refusal_text(problem: BaseException) -> str | None:
    """Why a write was refused, in words a person reads; ``None`` when ``problem`` is no refusal.

    Parameters
    ----------
    problem : BaseException
        What the write raised.

    Returns
    -------
    str or None
        Already escaped for Markdown. ``None`` for an ended session (the caller lets it go up to
        :func:`ui.context.guarded`) and for a fault that is nobody's input.
    """
    if isinstance(problem, StaleSession):
        return None
    if isinstance(problem, PermissionDenied):
        return plain(problem)
    if isinstance(problem, duckdb.Error):
        if is_unreachable(problem):
            return UNREACHABLE
        if is_held_by_another_process(problem):
            return IN_USE
        if is_write_conflict(problem):
            return CONFLICT
        if is_constraint_violation(problem):
            return plain(problem)
        return None
    if isinstance(problem, (DatabaseError, ValueError)):
        return plain(problem) or MISSING
    return None


def run_write(write: Callable[[], T], done: str | Callable[[T], str], *, refused: str = "Not saved") -> None:
    """Run ``write()``; on success record ``done`` for the next run and rerun, on a refusal say why.

    Parameters
    ----------
    write : callable
        The store write, with its arguments bound (``lambda: weights.add_version(...)``).
    done : str or callable
        The note shown on the next run, or a function of what ``write`` returned that makes it.
        Text from the data in it must already be escaped (:func:`ui.text.plain`).
    refused : str
        What did not happen, put before the reason: ``"Not saved"``, ``"Not created"``...
    """
    went_through, result = attempt_write(write, refused=refused)
    if went_through:
        report_done(done(cast(T, result)) if callable(done) else done)


def attempt_write(write: Callable[[], T], *, refused: str = "Not saved") -> tuple[bool, T | None]:
    """Run ``write()`` and say why if it was refused: ``(True, what it returned)`` or ``(False, None)``.

    For a write whose result the page looks at before reporting it with :func:`report_done` (an
    import returns its problems instead of raising them); otherwise use :func:`run_write`.
    """
    try:
        result = write()
    except Exception as problem:
        reason = refusal_text(problem)
        if reason is None:
            raise
        st.error(reason if reason in (UNREACHABLE, IN_USE) else f"{refused}: {reason}")
        return False, None
    data_changed()      # the shared reports start catching up now (ui.shared_reads)
    return True, result


def report_done(message: str, tables: Sequence[tuple[str, pd.DataFrame]] = (), *, tone: str = "success") -> NoReturn:
    """Record the note about a write that went through, with its captioned tables, and rerun the page."""
    st.session_state[OUTCOME_KEY] = Outcome(message, tuple(tables), tone)
    st.rerun()


def show_outcome() -> None:
    """Show the note the last write left, once: it is gone after this run."""
    outcome = st.session_state.pop(OUTCOME_KEY, None)
    if not isinstance(outcome, Outcome):
        return
    (st.info if outcome.tone == "info" else st.success)(outcome.message)
    for caption, table in outcome.tables:
        if caption:
            st.caption(caption)
        st.dataframe(table, hide_index=True, width="stretch", placeholder=MISSING)
