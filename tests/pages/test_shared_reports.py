"""Shared reports on the pages: a submitted score shows at once where it is counted, a model fit shows
its last figures with a note while the new ones are computed, and the background computes exactly
the figures each page opens on."""

from __future__ import annotations

import functools
import threading
from datetime import datetime

import pytest

import scoring.reports.calibration
from scoring.store import scorecards, searches, tooling_audit
from tests.conftest import DEMO_AS_OF, account
from ui.shared_reads import SHARED, standard_jobs

WAIT = 120
RATINGS = {"infrastructure": 3, "deployment": 3, "monitoring": 3, "automation": 3, "governance": 3}
BEING_UPDATED = "being taken into account"


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _pending(db, reviewer, stage_id: int):
    work = scorecards.queue(db, reviewer, DEMO_AS_OF)
    return work[work["stage_id"] == stage_id].iloc[0]


def _notes(at) -> list[str]:
    return [c.value for c in at.caption if BEING_UPDATED in c.value]


def _counts(at) -> str:
    """The calibration page's line of how many ratings, applications and reviewers its figures cover."""
    return next(c.value for c in at.caption if c.value.startswith("Live scoring"))


def test_a_submitted_audit_and_scorecard_show_at_once_in_the_pipeline_and_on_the_profile(open_page, demo_db):
    reviewer = account(demo_db, "reviewer")
    pipeline = open_page("pages/pipeline.py", "hiring_lead")
    waiting = int(_metrics(pipeline)["Pipeline and tooling audit"].split()[0].replace(",", ""))

    audit = _pending(demo_db, reviewer, 1)
    tooling_audit.submit_audit(demo_db, reviewer, int(audit["application_id"]), [], DEMO_AS_OF)   # nothing verified
    pipeline.run()
    assert not pipeline.exception and not _notes(pipeline)
    assert _metrics(pipeline)["Pipeline and tooling audit"] == f"{waiting - 1:,} waiting"

    item = _pending(demo_db, reviewer, 3)
    profile = open_page("pages/candidate.py", "hiring_lead")
    profile.text_input(key="candidate_query").input(str(item["candidate_ref"])).run()
    profile.selectbox(key=f"application_of_{int(item['candidate_id'])}").set_value(int(item["application_id"])).run()
    before = _metrics(profile).get("Reviewers", "0")
    scorecards.submit(demo_db, reviewer, int(item["application_id"]), 3, RATINGS, {})
    profile.run()
    assert not profile.exception
    assert _metrics(profile)["Reviewers"] == str(int(before) + 1)


class _DemoDay(datetime):
    """The clock of a reviewer submitting on the demo's own day, so that the score falls in the months
    the calibration page opens on whatever the real date."""

    @classmethod
    def now(cls, tz=None):
        return cls(DEMO_AS_OF.year, DEMO_AS_OF.month, DEMO_AS_OF.day, 12, tzinfo=tz)


def test_after_a_score_calibration_shows_its_last_figures_with_a_note_until_the_new_fit_is_ready(
        open_page, demo_db, monkeypatch):
    release = threading.Event()
    fit = scoring.reports.calibration.calibration_report

    @functools.wraps(fit)
    def slow_in_the_background(*args, **kwargs):
        if threading.current_thread().name == "shared-reports":
            assert release.wait(WAIT)
        return fit(*args, **kwargs)

    monkeypatch.setattr(scoring.reports.calibration, "calibration_report", slow_in_the_background)
    monkeypatch.setattr(scorecards, "datetime", _DemoDay)
    page = open_page("pages/calibration.py", "hiring_lead", timeout=WAIT)
    assert not page.exception and not _notes(page)
    counts = _counts(page)

    reviewer = account(demo_db, "reviewer")
    item = _pending(demo_db, reviewer, 3)
    scorecards.submit(demo_db, reviewer, int(item["application_id"]), 3, RATINGS, {})
    page.run()
    assert not page.exception
    assert _counts(page) == counts            # the last figures, at once
    assert len(_notes(page)) == 1 and "Figures as of" in _notes(page)[0]

    release.set()
    assert SHARED.wait_idle(WAIT)
    page.run()
    assert not page.exception and not _notes(page)
    assert _counts(page) != counts            # the new fit, with the new scorecard's ratings


def _asked(db) -> set:
    return {job.key(db.location) for job in SHARED.recent_jobs(db.location)}


def _kept_ready(db) -> set:
    return {job.key(db.location) for job in standard_jobs(db)}


@pytest.mark.parametrize(("path", "role", "reads"), [("pages/pipeline.py", "hiring_lead", 2),
                                                     ("pages/ops.py", "ops", 2),
                                                     ("pages/calibration.py", "hiring_lead", 2),
                                                     ("pages/validity.py", "hiring_lead", 2),
                                                     ("pages/fairness.py", "auditor", 1)])
def test_the_background_computes_the_figures_each_page_opens_on(open_page, demo_db, path, role, reads):
    at = open_page(path, role, timeout=WAIT)
    assert not at.exception
    # Every shared read the page opens on, its filter's choices and its report, is one the background keeps ready.
    assert len(_asked(demo_db)) == reads and _asked(demo_db) <= _kept_ready(demo_db)


def test_every_fixed_period_stage_and_grouping_is_kept_ready(open_page, demo_db):
    asked = set()
    validity = open_page("pages/validity.py", "hiring_lead", timeout=WAIT)
    for period in ("All time", "Last 90 days"):
        validity.sidebar.selectbox(key="validity_period").select(period).run()
    asked |= _asked(demo_db)
    calibration = open_page("pages/calibration.py", "hiring_lead", timeout=WAIT)
    stages = calibration.sidebar.radio(key="calibration_stage")
    stages.set_value(stages.options[1]).run()
    asked |= _asked(demo_db)
    fairness = open_page("pages/fairness.py", "auditor", timeout=WAIT)
    for grouping in ("race_ethnicity", "sex_and_race"):
        fairness.get("segmented_control")[0].set_value(grouping).run()
    asked |= _asked(demo_db)
    assert not any(page.exception for page in (validity, calibration, fairness))
    # validity: its choices and three periods; calibration: its choices and two stages; fairness: three groupings
    assert len(asked) == 10 and asked <= _kept_ready(demo_db)


def test_the_ops_at_risk_tab_opens_on_figures_the_background_keeps_ready(demo_db, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    monkeypatch.setenv("SCORECARD_DB", demo_db.location)
    at = AppTest.from_file(str(ROOT / "pages/ops.py"), default_timeout=WAIT)
    at.session_state["account"] = account(demo_db, "ops")
    at.session_state["ops_tab"] = "At risk"
    assert not at.run().exception
    asked = {job.key(demo_db.location) for job in SHARED.recent_jobs(demo_db.location)}
    assert len(asked) == 4 and asked <= {job.key(demo_db.location) for job in standard_jobs(demo_db)}


def test_the_filters_choices_are_read_once_for_everyone_who_may_see_them(open_page, demo_db, monkeypatch):
    asked: list[str] = []
    real = searches.filter_options

    @functools.wraps(real)
    def counted(db, actor, as_of=None):
        asked.append(actor.role)
        return real(db, actor, as_of)

    monkeypatch.setattr(searches, "filter_options", counted)
    for path, role in (("pages/pipeline.py", "hiring_lead"), ("pages/validity.py", "hiring_lead"),
                       ("pages/ops.py", "ops"), ("pages/pipeline.py", "admin")):
        assert not open_page(path, role, timeout=WAIT).exception
    assert asked == ["hiring_lead"]       # the first to open a page read them; everyone after shared them
