"""The heavy reports, shared by everyone allowed to see them and computed off the click.

The pipeline, ops, calibration and validity reports depend on their filters and the data, never on
who asks: their store reads check the asker's role and nothing else about them. So one result serves
everyone allowed to see it; so do the choices the filters offer (clients, months, dimensions), read on
every page open. :class:`SharedReports` keeps one per report, filters and database, with
the data version it was computed for and when. One worker thread computes, as the server's own
read-only identities (:func:`scoring.agency.access.background_identity`), the reports each page opens on
(:func:`standard_jobs`) and the ones asked for most recently: at start (:func:`keep_reports_warm`,
from ``app.py``), after every write made through :mod:`ui.writes` (:func:`data_changed`), and when a
look at the data version every :data:`POLL_SECONDS` finds a write made elsewhere (another server,
the command line).

What a page gets from :func:`read_shared`, once the person's own session and permission have been
checked against the database (a shared figure never skips that check):

* the figures for the current data, if they are there: at once;
* for a report marked ``stale_ok`` (the model fits: calibration, validity), while the figures for the
  current data are still to come: the last figures, under a note saying when they are from and that
  they are being updated; the page redraws itself when the new ones are ready;
* otherwise the figures for the current data, computed in the page's own run (or awaited, when
  another reader is computing them already): a submitted score, a decision or a placement shows at
  once wherever it is counted.
"""

from __future__ import annotations

import atexit
import copy
import logging
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar, cast

import duckdb
import streamlit as st

from scoring.agency.access import Account, background_identity
from scoring.reports.at_risk import at_risk_report, risk_backtest
from scoring.reports.calibration import STAGE_LABELS, calibration_drift, calibration_report, default_filter
from scoring.reports.fairness import GROUPINGS, fairness_report
from scoring.reports.ops import FIRST_DAY_FROM, ops_report
from scoring.reports.pipeline import pipeline_report
from scoring.reports.validity import validity_report
from scoring.store import ratings, searches
from scoring.store.authorization import authorize
from scoring.store.db import Database
from scoring.store.ratings import PERIOD_BASES, CalibrationFilter
from ui.context import database
from ui.periods import FIXED_PERIODS, OPENING_PERIOD, opening_filter, period_filter

T = TypeVar("T")
#: What identifies one shared result: the report function (module, name), the database location and
#: the report's arguments after the acting account.
Key = tuple[str, str, str, tuple[Any, ...]]
#: How often the background looks at the data version for writes made elsewhere (seconds).
POLL_SECONDS = 20.0
#: How often a page showing older figures looks whether the new ones are ready.
READY_CHECK = timedelta(seconds=2)
#: Where the ops page's "First day counted from" opens: the first of its choices.
OPENING_FIRST_DAY_FROM = next(iter(FIRST_DAY_FROM))
_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """One report with its filters: ``function(db, actor, *args)``, read with ``permission``.

    ``stale_ok`` marks a report whose last figures may be shown, with a note, while the new ones are
    computed (a model fit); any other report is always shown for the current data.
    """

    permission: str
    function: Callable[..., Any]
    args: tuple[Any, ...]
    stale_ok: bool = False

    def key(self, location: str) -> Key:
        return (self.function.__module__, self.function.__qualname__, location, self.args)


@dataclass(frozen=True)
class Figures:
    """A report's result, the data version it was computed for, and when that data was read (UTC)."""

    value: Any
    version: int
    as_of: datetime


@dataclass(frozen=True)
class Answer:
    """What :meth:`SharedReports.read` hands a page: the figures, and whether they are the current data's."""

    figures: Figures
    current: bool
    key: Key


class SharedReports:
    """Report results shared across the process, with one background worker to recompute them.

    Parameters
    ----------
    identity_for : callable
        Whom the background computes a report read with a given permission as
        (:func:`scoring.agency.access.background_identity`).
    capacity : int
        How many results are kept; the least recently read goes first.
    recent : int
        How many of the most recently read reports the background recomputes beside the standard ones.
    """

    def __init__(self, identity_for: Callable[[str], Account], capacity: int = 32, recent: int = 8) -> None:
        self.identity_for = identity_for
        self._capacity, self._recent_size = capacity, recent
        self._lock = threading.Lock()
        self._figures: OrderedDict[Key, Figures] = OrderedDict()
        self._running: dict[tuple[Key, int], Future[Figures]] = {}
        self._recent: OrderedDict[Key, tuple[Database, Job]] = OrderedDict()
        self._queue: queue.Queue[tuple[Database, Job, Key]] = queue.Queue()
        self._queued: set[Key] = set()
        self._worker: threading.Thread | None = None
        self._watched: dict[str, threading.Event] = {}
        self._stopping = threading.Event()

    # -- reading --------------------------------------------------------------------------------
    def read(self, db: Database, job: Job, actor: Account) -> Answer:
        """``job``'s figures for ``db``'s current data, or for a ``stale_ok`` job possibly the last ones.

        The caller has checked ``actor``'s session and permission already; ``actor`` is whom a
        computation made here acts as.
        """
        source = db.reader()
        version = source.data_version()
        key = job.key(db.location)
        with self._lock:
            self._remember(key, db, job)
            held = self._figures.get(key)
            if held is not None:
                self._figures.move_to_end(key)
                if held.version >= version:
                    return Answer(held, True, key)
            running = self._running.get((key, version))
            if held is not None and job.stale_ok:
                if running is None:
                    self._enqueue(db, job, key)
                return Answer(held, False, key)
            mine = running is None
            if running is None:
                running = self._running[(key, version)] = Future()
        if not mine:
            try:
                return Answer(running.result(), True, key)
            except Exception:   # the other reader's computation failed: try here, where a failure is shown
                running = Future()
        return Answer(self._compute(key, version, source, job, actor, running), True, key)

    def is_newer(self, key: Key, version: int) -> bool:
        """Whether figures newer than ``version`` are there for ``key``."""
        with self._lock:
            held = self._figures.get(key)
        return held is not None and held.version > version

    def _compute(self, key: Key, version: int, source: Database, job: Job, actor: Account,
                 running: Future[Figures]) -> Figures:
        as_of = getattr(source, "taken_at", None) or datetime.now(UTC)
        try:
            value = job.function(source, actor, *job.args)
        except BaseException as error:
            with self._lock:
                self._running.pop((key, version), None)
            running.set_exception(error)
            raise
        figures = Figures(value, version, as_of)
        with self._lock:
            self._running.pop((key, version), None)
            self._keep(key, figures)
        running.set_result(figures)
        return figures

    def _keep(self, key: Key, figures: Figures) -> None:
        held = self._figures.get(key)
        if held is not None and held.version > figures.version:
            return          # a later computation finished first
        self._figures[key] = figures
        self._figures.move_to_end(key)
        while len(self._figures) > self._capacity:
            self._figures.popitem(last=False)

    def _remember(self, key: Key, db: Database, job: Job) -> None:
        self._recent[key] = (db, job)
        self._recent.move_to_end(key)
        while len(self._recent) > self._recent_size:
            self._recent.popitem(last=False)

    # -- the background --------------------------------------------------------------------------
    def refresh(self, db: Database, jobs: Iterable[Job]) -> None:
        """Have the worker bring ``jobs`` up to ``db``'s data, in this order, skipping any already current."""
        with self._lock:
            for job in jobs:
                self._enqueue(db, job, job.key(db.location))

    def recent_jobs(self, location: str) -> list[Job]:
        """The reports read most recently from ``location``, the latest last."""
        with self._lock:
            return [job for key, (_, job) in self._recent.items() if key[2] == location]

    def _enqueue(self, db: Database, job: Job, key: Key) -> None:
        if key in self._queued:
            return
        self._queued.add(key)
        self._queue.put((db, job, key))
        if self._worker is None:
            self._worker = threading.Thread(target=self._work, name="shared-reports", daemon=True)
            self._worker.start()

    def _work(self) -> None:
        while True:
            db, job, key = self._queue.get()
            with self._lock:
                self._queued.discard(key)
            try:
                if not self._stopping.is_set():
                    self._bring_up_to_date(db, job, key)
            except Exception:
                _LOG.exception("computing %s in the background failed", job.function.__qualname__)
            finally:
                self._queue.task_done()

    def _bring_up_to_date(self, db: Database, job: Job, key: Key) -> None:
        source = db.reader()
        version = source.data_version()
        with self._lock:
            held = self._figures.get(key)
            if (held is not None and held.version >= version) or (key, version) in self._running:
                return
            running = self._running[(key, version)] = Future()
        self._compute(key, version, source, job, self.identity_for(job.permission), running)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until the worker has nothing left to do (for tests and benchmarks); False on timeout."""
        done = threading.Event()

        def drained() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=drained, daemon=True).start()
        return done.wait(timeout)

    def watch(self, db: Database, standard: Callable[[Database], list[Job]], every: float) -> None:
        """Keep ``standard(db)`` and the recently read reports up to date with ``db``: now, after
        :meth:`data_changed`, and whenever the data version has moved at a look every ``every`` seconds.
        Once per database location; a second call does nothing."""
        with self._lock:
            if db.location in self._watched:
                return
            wake = self._watched[db.location] = threading.Event()
        threading.Thread(target=self._watch, args=(db, standard, every, wake), name="shared-reports-watch",
                         daemon=True).start()

    def data_changed(self) -> None:
        """A write went through: look at the data version now rather than at the next look."""
        with self._lock:
            wakes = list(self._watched.values())
        for wake in wakes:
            wake.set()

    def _watch(self, db: Database, standard: Callable[[Database], list[Job]], every: float,
               wake: threading.Event) -> None:
        seen: tuple[int, date] | None = None
        while True:
            try:
                source = db.reader()
                now = (source.data_version(), date.today())
                if now != seen:
                    self.refresh(db, [*standard(source), *self.recent_jobs(db.location)])
                    seen = now
            except Exception as error:
                if isinstance(error, duckdb.ConnectionException) and "closed" in str(error):
                    with self._lock:        # the database was closed: nothing left to keep current
                        self._watched.pop(db.location, None)
                    return
                _LOG.exception("looking for changes to %s failed", db.location)     # look again later
            wake.wait(every)
            wake.clear()
            if self._stopping.is_set():
                return

    def stop(self, timeout: float) -> None:
        """Stop the background: no more looks, nothing more computed; wait up to ``timeout`` seconds for
        the computation under way, so that the process never exits in the middle of a query."""
        self._stopping.set()
        self.data_changed()
        if self._worker is not None:
            self.wait_idle(timeout)


#: The process's shared reports.
SHARED = SharedReports(background_identity, capacity=40)
atexit.register(SHARED.stop, 60)


def filter_option_jobs(as_of: date) -> list[Job]:
    """The choices the filters offer: the search filter's clients and dates as of ``as_of``
    (:func:`ui.filters.search_filter`) and the calibration page's months and dimensions. The same for
    everyone allowed to see them, and read on every page open."""
    return [Job("read_pipeline", searches.filter_options, (as_of,)),
            Job("read_calibration", ratings.filter_options, ())]


def standard_jobs(db: Database) -> list[Job]:
    """What the pipeline, ops, calibration, validity and fairness pages open on, and the model fits of
    their other standard choices, for ``db`` as it is now.

    First the filters' choices and the reports a person waits for (with the ops page's at-risk list
    and its track record); then the model fits the pages open on, which may be shown a moment old;
    last the fits of every other fixed choice (the calibration page's month by month tabs, the other
    calibrated stage, the other fixed periods of the validity page, the fairness audit by each grouping),
    so that no one waits for a fit unless they chose months or dates by hand. The calibration filter's
    opening months come from its shared choices, computed here first when they are not current.
    """
    as_of = db.agency_today()
    opening = opening_filter(as_of)
    search_options, calibration_options = filter_option_jobs(as_of)
    identity = SHARED.identity_for(calibration_options.permission)
    months_rated = SHARED.read(db, calibration_options, identity).figures.value
    first, last = cast("date | None", months_rated["first"]), cast("date | None", months_rated["last"])
    calibration = [Job("read_calibration", report, (opening_calibration(first, last, stage_id),), stale_ok=True)
                   for stage_id in STAGE_LABELS for report in (calibration_report, calibration_drift)]
    validity = [Job("read_validity", validity_report, (period_filter(period, as_of), as_of), stale_ok=True)
                for period in [OPENING_PERIOD, *(p for p in FIXED_PERIODS if p != OPENING_PERIOD)]]
    fairness = [Job("read_fairness", fairness_report, (as_of, opening.start, opening.end, grouping), stale_ok=True)
                for grouping in GROUPINGS]
    return [
        search_options,
        calibration_options,
        Job("read_pipeline", pipeline_report, (opening, as_of)),
        Job("read_ops", ops_report, (opening, as_of, OPENING_FIRST_DAY_FROM)),
        # The ops page's At risk tab: a tab switch should find them ready (about a second each on the full demo).
        Job("read_ops", at_risk_report, (as_of,)),
        Job("read_ops", risk_backtest, (as_of,)),
        calibration[0],
        validity[0],
        *calibration[1:],
        *validity[1:],
        *fairness,
    ]


def opening_calibration(first: date | None, last: date | None, stage_id: int) -> CalibrationFilter:
    """The calibration page's filter when it opens, or when only its stage is changed: every dimension over
    the default months (:func:`scoring.reports.calibration.default_filter`) by the first period basis."""
    months = default_filter(first, last, stage_id)
    return CalibrationFilter(stage_id=stage_id, dimension_ids=(), first_month=months.first_month,
                             last_month=months.last_month, basis=next(iter(PERIOD_BASES)))


def read_shared(permission: str, function: Callable[..., T], actor: Account, *args: Any,
                stale_ok: bool = False) -> T:
    """``function(db, actor, *args)``, a report shared by everyone holding ``permission``.

    ``actor``'s session and ``permission`` are checked against the database first, every time:
    an ended session raises :class:`~scoring.agency.access.StaleSession` (which signs the person
    out) and a role without the permission :class:`~scoring.agency.access.PermissionDenied`, never
    a shared answer. With ``stale_ok``, figures from before the latest changes may come back while
    the new ones are computed; a note under the call then says so, and the page reruns when they
    are ready.
    """
    db = database()
    authorize(db, actor, permission)
    answer = SHARED.read(db, Job(permission, function, tuple(args), stale_ok), actor)
    if not answer.current:
        being_updated(answer.key, answer.figures.version, answer.figures.as_of)
    # A copy of its own, as from any cache: nothing one page run does to it can reach another person's.
    return cast(T, copy.deepcopy(answer.figures.value))


@st.fragment(run_every=READY_CHECK)
def being_updated(key: Key, version: int, as_of: datetime) -> None:
    """Say that the figures shown are from ``as_of`` and being updated; rerun the page once they are."""
    if SHARED.is_newer(key, version):
        st.rerun(scope="app")
    st.caption(f"Figures as of {as_of:%H:%M} UTC, before the latest changes, which are being taken into "
               "account: the page updates itself in a moment.")


def keep_reports_warm() -> None:
    """Have the background keep the pages' opening reports current for this server's database (once)."""
    SHARED.watch(database(), standard_jobs, POLL_SECONDS)


def data_changed() -> None:
    """Tell the background a write went through, so that it recomputes without waiting for its next look."""
    SHARED.data_changed()
