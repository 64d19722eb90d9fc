"""Many reviewers submitting at once through one Database: every submission lands exactly once.

Threads share the app's own connection handling (a cursor per call, conflict retries in
``Database.write``) and start together on a barrier.
"""

from __future__ import annotations

import threading
from itertools import zip_longest

import pytest

from scoring.domain.dimensions import DIMENSION_CODES
from scoring.store import DatabaseError, scorecards
from tests.store.conftest import PauseBefore

WRITTEN_BY_SUBMIT = {"scorecards", "scores", "audit_log"}


def ratings_for(index: int) -> dict[str, int]:
    """A distinct card per thread (ratings 2-4, so no notes are needed)."""
    return {code: 2 + (index + position) % 3 for position, code in enumerate(DIMENSION_CODES)}


def spread_work(agency, how_many: int):
    """Open work taken in turn from every reviewer's queue, so several reviewers take part."""
    queues = [agency.open_work(reviewer) for reviewer in agency.reviewers()]
    interleaved = [w for batch in zip_longest(*queues) for w in batch if w is not None]
    return interleaved[:how_many]


def run_together(jobs):
    """Run every job in its own thread, all released at once; returns (result, error) per job."""
    barrier = threading.Barrier(len(jobs))
    outcomes = [None] * len(jobs)

    def run(index, job):
        barrier.wait()
        try:
            outcomes[index] = (job(), None)
        except Exception as error:  # every failure is reported to the test
            outcomes[index] = (None, error)

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a submission hung"
    return outcomes


def stored(agency, work):
    """(scorecard ids, {dimension code: rating} of the submitted one) for one assignment."""
    cards = agency.scorecards_of(work)
    submitted = cards[cards["status"] == "submitted"]
    if len(submitted) != 1:
        return cards["scorecard_id"].tolist(), None
    rows = agency.db.frame("SELECT dm.code, s.rating FROM scores AS s JOIN dimensions AS dm USING (dimension_id) "
                           "WHERE s.scorecard_id = ?", [int(submitted["scorecard_id"].iloc[0])])
    return cards["scorecard_id"].tolist(), dict(zip(rows["code"], rows["rating"].astype(int)))


@pytest.mark.parametrize("threads", [8, 16])
def test_reviewers_submitting_at_once_each_land_exactly_once(agency, diff, threads):
    work = spread_work(agency, threads)
    assert len(work) == threads
    assert len({w.reviewer.account_id for w in work}) >= 3
    before = agency.fingerprint()
    max_id_before = agency.db.scalar("SELECT max(scorecard_id) FROM scorecards")
    old_cards = agency.db.frame("SELECT * FROM scorecards ORDER BY scorecard_id")
    old_scores = agency.db.frame("SELECT * FROM scores ORDER BY scorecard_id, dimension_id")

    outcomes = run_together([
        (lambda w=w, i=i: scorecards.submit(agency.db, w.reviewer, w.application_id, w.stage_id, ratings_for(i), {}))
        for i, w in enumerate(work)])

    assert [error for _, error in outcomes] == [None] * threads
    ids = [scorecard_id for scorecard_id, _ in outcomes]
    assert len(set(ids)) == threads
    for i, (w, scorecard_id) in enumerate(zip(work, ids)):
        assert stored(agency, w) == ([scorecard_id], ratings_for(i))
        assert len(agency.audit_entries("submit", scorecard_id)) == 1

    after = agency.fingerprint()
    assert diff(before, after) == WRITTEN_BY_SUBMIT
    assert after["scorecards"][0] == before["scorecards"][0] + threads
    assert after["scores"][0] == before["scores"][0] + 5 * threads
    assert after["audit_log"][0] == before["audit_log"][0] + threads
    assert min(ids) > max_id_before
    assert agency.db.frame("SELECT * FROM scorecards WHERE scorecard_id <= ? ORDER BY scorecard_id",
                           [max_id_before]).equals(old_cards)
    assert agency.db.frame("SELECT * FROM scores WHERE scorecard_id <= ? ORDER BY scorecard_id, dimension_id",
                           [max_id_before]).equals(old_scores)


def test_two_submissions_of_the_same_scorecard_race_and_exactly_one_wins(agency, diff):
    targets = spread_work(agency, 6)
    before = agency.fingerprint()

    jobs = []
    for i, w in enumerate(targets):
        for contender in range(2):
            card = ratings_for(2 * i + contender)
            jobs.append(lambda w=w, r=card:
                        scorecards.submit(agency.db, w.reviewer, w.application_id, w.stage_id, r, {}))
    outcomes = run_together(jobs)

    for i, w in enumerate(targets):
        pair = outcomes[2 * i: 2 * i + 2]
        winners = [result for result, error in pair if error is None]
        errors = [error for _, error in pair if error is not None]
        assert len(winners) == 1 and len(errors) == 1, pair
        assert isinstance(errors[0], DatabaseError), repr(errors[0])
        assert str(w.application_id) in str(errors[0])
        ids, ratings = stored(agency, w)
        assert ids == winners
        winning_contender = [error is None for _, error in pair].index(True)
        assert ratings == ratings_for(2 * i + winning_contender)
        assert len(agency.audit_entries("submit", winners[0])) == 1

    after = agency.fingerprint()
    assert diff(before, after) == WRITTEN_BY_SUBMIT
    assert after["scorecards"][0] == before["scorecards"][0] + len(targets)
    assert after["scores"][0] == before["scores"][0] + 5 * len(targets)
    assert after["audit_log"][0] == before["audit_log"][0] + len(targets)





def test_the_loser_of_a_race_is_told_the_scorecard_was_already_submitted(agency, monkeypatch):
    work = agency.first_open()
    reached, resume = threading.Event(), threading.Event()
    real_cursor = agency.db.cursor
    slow_thread = []

    def cursor():
        inner = real_cursor()
        if threading.current_thread() in slow_thread:
            return PauseBefore(inner, "INSERT INTO scorecards", reached, resume)
        return inner

    monkeypatch.setattr(agency.db, "cursor", cursor)
    outcome = {}

    def slow_submit():
        try:
            outcome["slow"] = scorecards.submit(agency.db, work.reviewer, work.application_id, work.stage_id,
                                                ratings_for(0), {})
        except Exception as error:  # reported to the test
            outcome["slow"] = error

    thread = threading.Thread(target=slow_submit)
    slow_thread.append(thread)
    thread.start()
    assert reached.wait(timeout=30)
    winner = scorecards.submit(agency.db, work.reviewer, work.application_id, work.stage_id, ratings_for(1), {})
    resume.set()
    thread.join(timeout=60)

    assert stored(agency, work) == ([winner], ratings_for(1))
    assert isinstance(outcome["slow"], DatabaseError), repr(outcome["slow"])
    assert "already submitted" in str(outcome["slow"])
