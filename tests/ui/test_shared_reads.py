"""Shared report results: fresh ones served at once, a write seen at once, model fits caught up in the
background, and the asker's own session and permission checked before any shared answer."""

from __future__ import annotations

import threading

import pytest

from scoring.agency.access import SERVER, Account, PermissionDenied, StaleSession, background_identity
from scoring.store.db import audit
from tests.conftest import account
from ui.shared_reads import Job, SharedReports, read_shared

WAIT = 30


class Counting:
    """A stand-in report: the data version it saw and the filter it was given, counting its calls and
    who made them; ``hold`` keeps every call waiting until it is set."""

    def __init__(self) -> None:
        self.__qualname__ = f"report_{id(self)}"     # each stand-in is a report of its own
        self.calls: list[Account] = []
        self.started = threading.Event()
        self.hold = threading.Event()
        self.hold.set()

    def __call__(self, db, actor: Account, chosen: str) -> tuple[int, str]:
        self.calls.append(actor)
        self.started.set()
        assert self.hold.wait(WAIT)
        return db.data_version(), chosen


def change(db) -> None:
    """Any write: every write appends to the audit log, which moves the data version."""
    db.write(lambda cur: audit(cur, None, "test", "nothing", 1))


@pytest.fixture
def shared() -> SharedReports:
    return SharedReports(background_identity)


def test_fresh_figures_are_computed_once_and_then_served(shared, empty_db):
    report = Counting()
    job = Job("read_pipeline", report, ("all",))
    first = shared.read(empty_db, job, SERVER)
    again = shared.read(empty_db, job, SERVER)
    assert first.current and again.current and again.figures is first.figures
    assert len(report.calls) == 1


def test_different_filters_are_different_figures(shared, empty_db):
    report = Counting()
    assert shared.read(empty_db, Job("read_pipeline", report, ("a",)), SERVER).figures.value[1] == "a"
    assert shared.read(empty_db, Job("read_pipeline", report, ("b",)), SERVER).figures.value[1] == "b"
    assert len(report.calls) == 2


def test_after_a_write_a_report_that_must_be_current_is_computed_again_at_once(shared, empty_db):
    report = Counting()
    job = Job("read_pipeline", report, ("all",))
    before = shared.read(empty_db, job, SERVER).figures
    change(empty_db)
    after = shared.read(empty_db, job, SERVER)
    assert after.current and after.figures.version == before.version + 1
    assert after.figures.value[0] == empty_db.data_version()


def test_after_a_write_a_model_fit_shows_the_last_figures_until_the_background_has_the_new(shared, empty_db):
    report = Counting()
    job = Job("read_calibration", report, ("all",), stale_ok=True)
    before = shared.read(empty_db, job, SERVER).figures
    report.hold.clear()
    change(empty_db)

    answer = shared.read(empty_db, job, SERVER)
    assert not answer.current and answer.figures is before
    assert report.started.wait(WAIT)                 # the background took it up
    again = shared.read(empty_db, job, SERVER)       # still being computed: the last figures, no second run
    assert not again.current and again.figures is before
    assert not shared.is_newer(answer.key, before.version)

    report.hold.set()
    assert shared.wait_idle(WAIT)
    assert shared.is_newer(answer.key, before.version)
    new = shared.read(empty_db, job, SERVER)
    assert new.current and new.figures.version == empty_db.data_version()
    assert len(report.calls) == 2


def test_the_background_computes_as_the_server_never_as_the_person(shared, demo_db):
    report = Counting()
    lead = account(demo_db, "hiring_lead")
    job = Job("read_calibration", report, ("all",), stale_ok=True)
    shared.read(demo_db, job, lead)
    change(demo_db)
    shared.read(demo_db, job, lead)
    assert shared.wait_idle(WAIT)
    assert report.calls[0] is lead and report.calls[1] is SERVER


def test_a_reader_waits_for_the_same_figures_already_being_computed_rather_than_computing_them_twice(
        shared, empty_db):
    report = Counting()
    report.hold.clear()
    job = Job("read_pipeline", report, ("all",))
    answers = []
    first = threading.Thread(target=lambda: answers.append(shared.read(empty_db, job, SERVER)))
    first.start()
    assert report.started.wait(WAIT)
    second = threading.Thread(target=lambda: answers.append(shared.read(empty_db, job, SERVER)))
    second.start()
    second.join(0.3)
    assert second.is_alive()               # waiting for the first reader's figures
    report.hold.set()
    first.join(WAIT)
    second.join(WAIT)
    assert len(report.calls) == 1
    assert answers[0].figures is answers[1].figures and answers[1].current


def test_a_failed_computation_is_not_kept(shared, empty_db):
    calls = []

    def failing(db, actor, chosen):
        calls.append(chosen)
        raise RuntimeError("the report failed")

    job = Job("read_pipeline", failing, ("all",))
    for _ in range(2):
        with pytest.raises(RuntimeError):
            shared.read(empty_db, job, SERVER)
    assert calls == ["all", "all"]


def test_the_least_recently_read_figures_go_first(empty_db):
    shared = SharedReports(background_identity, capacity=2)
    report = Counting()
    for chosen in ("a", "b", "a", "c"):
        shared.read(empty_db, Job("read_pipeline", report, (chosen,)), SERVER)
    shared.read(empty_db, Job("read_pipeline", report, ("a",)), SERVER)
    shared.read(empty_db, Job("read_pipeline", report, ("b",)), SERVER)
    assert len(report.calls) == 4      # a, b, c, then b again: it went first, a had been read since


def test_the_background_keeps_the_standard_figures_and_the_recently_read_ones_current(shared, empty_db):
    standard, recent = Counting(), Counting()
    recent_job = Job("read_validity", recent, ("chosen",), stale_ok=True)
    shared.read(empty_db, recent_job, SERVER)
    shared.watch(empty_db, lambda db: [Job("read_pipeline", standard, ("opening",))], every=0.05)
    assert shared.wait_idle(WAIT) and standard.started.wait(WAIT)
    assert len(standard.calls) == 1 and len(recent.calls) == 1     # nothing changed: the recent one is current
    change(empty_db)
    shared.data_changed()
    for _ in range(100):
        if len(standard.calls) == 2 and len(recent.calls) == 2 and shared.wait_idle(WAIT):
            break
        threading.Event().wait(0.05)
    assert len(standard.calls) == 2 and len(recent.calls) == 2
    assert shared.read(empty_db, recent_job, SERVER).current


# -- read_shared: the person is checked first, every time ------------------------------------------

@pytest.fixture
def page_database(demo_db, monkeypatch):
    monkeypatch.setenv("SCORECARD_DB", demo_db.location)
    return demo_db


def stand_in(db, actor, chosen):
    return ("figures", chosen)


def test_a_shared_answer_is_given_only_to_a_current_session(page_database):
    lead = account(page_database, "hiring_lead")
    assert read_shared("read_pipeline", stand_in, lead, "all") == ("figures", "all")
    signed_out = Account(lead.account_id, lead.email, lead.display_name, lead.role, lead.session_version + 1)
    with pytest.raises(StaleSession):
        read_shared("read_pipeline", stand_in, signed_out, "all")


def test_a_shared_answer_is_given_only_to_a_role_holding_its_permission(page_database):
    lead = account(page_database, "hiring_lead")
    assert read_shared("read_calibration", stand_in, lead, "all", stale_ok=True) == ("figures", "all")
    with pytest.raises(PermissionDenied, match="read calibration"):
        read_shared("read_calibration", stand_in, account(page_database, "reviewer"), "all", stale_ok=True)


def test_a_copy_of_the_server_identity_is_no_server(page_database):
    copy = Account(SERVER.account_id, SERVER.email, SERVER.display_name, SERVER.role)
    with pytest.raises(StaleSession):
        read_shared("read_pipeline", stand_in, copy, "all")


# -- the standard reports ---------------------------------------------------------------------------

def test_the_background_computes_every_standard_report_and_anyone_who_may_ask_could_compute_it_too(
        module_demo_db):
    from scoring.agency.access import PERMISSIONS, ROLES
    from ui.shared_reads import standard_jobs

    for job in standard_jobs(module_demo_db):
        assert job.function(module_demo_db, background_identity(job.permission), *job.args) is not None
        for role in ROLES:
            if role in PERMISSIONS[job.permission]:
                job.function(module_demo_db, account(module_demo_db, role), *job.args)    # nothing refused
