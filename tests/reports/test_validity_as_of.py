"""The scorecard-validity report as of an earlier date is the report of the agency as it stood then.

The expectation is built without the as-of code: a second copy of the demo agency is rolled back with
plain SQL (every row dated after the audit date deleted, every change dated after it undone), and the
report computed on it must equal, figure for figure, the report as of that date on the full history.
Weight versions are settings rather than facts of the period and stay as stored in both (see
:mod:`scoring.store.ratings`). Both copies carry two amendments planted on either side of the date, since
the demo itself amends nothing.
"""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date, datetime, timedelta

import duckdb
import pandas as pd
import pytest

from scoring.domain.dimensions import DIMENSION_NAMES
from scoring.reports.validity import validity_report
from scoring.store import Database, scorecards
from scoring.store.searches import SearchFilter
from tests.conftest import DEMO_AS_OF, account

FRAMES = ("coverage", "exclusions", "restriction", "predictors", "bands", "roc", "reviewers", "evidence")
#: Audit dates inside the small demo's history, before and after its second weight version (24 Jan 2026),
#: on which take-home and client decisions, first days and placement ends straddle the date.
CUTS = (date(2025, 3, 17), date(2026, 6, 24))
TAKE_HOME = 3


def assert_same_report(got, expected) -> None:
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(got, name), getattr(expected, name), check_exact=False,
                                      rtol=1e-9, atol=1e-12, obj=name)
    assert got.severity_note == expected.severity_note
    assert (got.newest_version, got.current_pct) == (expected.newest_version, expected.current_pct)
    assert got.suggestions.keys() == expected.suggestions.keys()
    for key, suggestion in got.suggestions.items():
        for field in dataclasses.fields(suggestion):
            mine, theirs = getattr(suggestion, field.name), getattr(expected.suggestions[key], field.name)
            if isinstance(mine, pd.DataFrame):
                pd.testing.assert_frame_equal(mine, theirs, check_exact=False, rtol=1e-9, obj=f"{key}.{field.name}")
            else:
                assert mine == pytest.approx(theirs, rel=1e-9, nan_ok=True), (key, field.name)


# -- planting amendments, and rolling a copy back with plain SQL -----------------------------------------


def amendable_cards(con: duckdb.DuckDBPyConnection, cut: date) -> list[int]:
    """One take-home scorecard of each of two applications shortlisted by ``cut`` whose two or more
    take-home scorecards were all submitted a month before it."""
    return [row[0] for row in con.execute("""
        WITH settled AS (
            SELECT application_id FROM scorecards WHERE stage_id = 3
            GROUP BY application_id
            HAVING count(*) >= 2 AND bool_and(status = 'submitted' AND submitted_at::DATE <= ?::DATE - 30)
        )
        SELECT min(sc.scorecard_id) FROM scorecards AS sc
        JOIN settled USING (application_id)
        JOIN stage_decisions AS d ON d.application_id = sc.application_id AND d.stage_id = 4
        WHERE sc.stage_id = 3 AND d.entered_on <= ?::DATE
        GROUP BY sc.application_id ORDER BY sc.application_id DESC LIMIT 2""", [cut, cut]).fetchall()]


def amend(con: duckdb.DuckDBPyConnection, scorecard_id: int, at: datetime) -> None:
    """Replace a scorecard by a revision submitted ``at`` rating every dimension it rated 1 (when its mean
    rating was 3 or more) or 5 (otherwise), so that its weighted score surely moves."""
    app, stage, reviewer, revision = con.execute(
        "SELECT application_id, stage_id, reviewer_id, revision FROM scorecards WHERE scorecard_id = ?",
        [scorecard_id]).fetchone()
    new_id = con.execute("SELECT max(scorecard_id) + 1 FROM scorecards").fetchone()[0]
    con.execute("UPDATE scorecards SET status = 'superseded' WHERE scorecard_id = ?", [scorecard_id])
    con.execute("""INSERT INTO scorecards (scorecard_id, application_id, stage_id, reviewer_id, revision, status,
                                           created_at, submitted_at, amendment_reason)
                   VALUES (?, ?, ?, ?, ?, 'submitted', ?, ?, 'read the take-home again')""",
                [new_id, app, stage, reviewer, revision + 1, at, at])
    con.execute("""INSERT INTO scores (scorecard_id, dimension_id, rating, note, not_assessed_reason)
                   SELECT ?, dimension_id,
                          CASE WHEN rating IS NOT NULL THEN
                              CASE WHEN avg(rating) OVER () >= 3 THEN 1 ELSE 5 END END,
                          'read again', not_assessed_reason
                   FROM scores WHERE scorecard_id = ?""", [new_id, scorecard_id])


def plant_amendments(path, cut: date) -> None:
    """One amendment five days before ``cut`` (it stands then) and one five days after (it does not)."""
    con = duckdb.connect(str(path))
    before, after = amendable_cards(con, cut)
    amend(con, before, datetime.combine(cut - timedelta(days=5), datetime.min.time()) + timedelta(hours=11))
    amend(con, after, datetime.combine(cut + timedelta(days=5), datetime.min.time()) + timedelta(hours=11))
    con.close()


#: Each statement undoes one kind of later fact, in an order the foreign keys allow; each runs in its own
#: transaction (DuckDB checks a delete against the referencing rows committed before it).
ROLLBACK = {
    "later applications": """CREATE TEMP TABLE later_apps AS
        SELECT application_id FROM applications AS a JOIN searches AS s USING (search_id)
        JOIN clients AS c USING (client_id)
        WHERE a.applied_on > $cut OR s.opened_on > $cut OR c.signed_on > $cut""",
    "ratings of later scorecards": """DELETE FROM scores WHERE scorecard_id IN (
        SELECT scorecard_id FROM scorecards WHERE coalesce(submitted_at, created_at)::DATE > $cut
        OR application_id IN (SELECT application_id FROM later_apps))""",
    "later scorecards": """DELETE FROM scorecards WHERE coalesce(submitted_at, created_at)::DATE > $cut
        OR application_id IN (SELECT application_id FROM later_apps)""",
    "amendments undone": """UPDATE scorecards AS sc SET status = 'submitted'
        WHERE sc.status = 'superseded' AND NOT EXISTS (
            SELECT 1 FROM scorecards AS n WHERE n.application_id = sc.application_id AND n.stage_id = sc.stage_id
            AND n.reviewer_id = sc.reviewer_id AND n.revision > sc.revision)""",
    "later stage entries": """DELETE FROM stage_decisions WHERE entered_on > $cut
        OR application_id IN (SELECT application_id FROM later_apps)""",
    "later decisions reopened": """UPDATE stage_decisions SET decision = NULL, decided_on = NULL
        WHERE decided_on > $cut""",
    "later replacement requests": """DELETE FROM replacements WHERE requested_on > $cut
        OR placement_id IN (SELECT placement_id FROM placements WHERE accepted_on > $cut
                            OR application_id IN (SELECT application_id FROM later_apps))""",
    "later fulfilments undone": """UPDATE replacements SET fulfilled_on = NULL, replacing_placement_id = NULL,
        cost_usd = 0, cost_reason = NULL WHERE fulfilled_on > $cut""",
    "later placements": """DELETE FROM placements WHERE accepted_on > $cut
        OR application_id IN (SELECT application_id FROM later_apps)""",
    "later ends undone": "UPDATE placements SET ended_on = NULL, end_reason = NULL WHERE ended_on > $cut",
    "later assignments": """DELETE FROM assignments WHERE assigned_on > $cut
        OR application_id IN (SELECT application_id FROM later_apps)""",
    "later final decisions": """DELETE FROM final_decisions WHERE decided_at::DATE > $cut
        OR application_id IN (SELECT application_id FROM later_apps)""",
    "later reference ratings": """DELETE FROM calibration_references
        WHERE application_id IN (SELECT application_id FROM later_apps)""",
    "later calibration items": """DELETE FROM calibration_items
        WHERE application_id IN (SELECT application_id FROM later_apps)""",
    "applications": "DELETE FROM applications WHERE application_id IN (SELECT application_id FROM later_apps)",
    "searches": "DELETE FROM searches WHERE opened_on > $cut OR client_id IN (SELECT client_id FROM clients "
                "WHERE signed_on > $cut)",
    "clients": "DELETE FROM clients WHERE signed_on > $cut",
    "later churn undone": "UPDATE clients SET churned_on = NULL WHERE churned_on > $cut",
    "later closes undone": """UPDATE searches SET
        closed_on = CASE WHEN closed_on <= $cut THEN closed_on END,
        shortlist_delivered_on = CASE WHEN shortlist_delivered_on <= $cut THEN shortlist_delivered_on END,
        status = CASE WHEN closed_on <= $cut THEN status
                      WHEN shortlist_delivered_on <= $cut THEN 'shortlisted' ELSE 'open' END
        WHERE closed_on > $cut OR shortlist_delivered_on > $cut""",
}


def roll_back(path, cut: date) -> dict[str, int]:
    """Undo everything dated after ``cut`` in the database file at ``path``; rows changed per step."""
    con = duckdb.connect(str(path))
    changed = {}
    for step, sql in ROLLBACK.items():
        result = con.execute(sql, {"cut": cut}).fetchone() if "$cut" in sql else con.execute(sql).fetchone()
        changed[step] = int(result[0]) if result else 0
    con.close()
    return changed


@pytest.fixture(scope="module", params=CUTS, ids=str)
def agency(request, demo_file, tmp_path_factory):
    """The demo with planted amendments, in full and rolled back to the audit date:
    ``(cut, full Database, rolled-back Database, rows changed per rollback step)``."""
    cut = request.param
    folder = tmp_path_factory.mktemp(f"as_of_{cut:%Y%m%d}")
    full, rolled = folder / "full.duckdb", folder / "rolled.duckdb"
    shutil.copy(demo_file, full)
    plant_amendments(full, cut)
    shutil.copy(full, rolled)
    changed = roll_back(rolled, cut)
    with Database(full) as full_db, Database(rolled) as rolled_db:
        yield cut, full_db, rolled_db, changed


def test_the_rollback_removes_every_kind_of_later_fact(agency):
    """Otherwise the comparison below would prove nothing."""
    cut, full, _, changed = agency
    straddling = full.frame("""SELECT stage_id, count(*) AS n FROM stage_decisions
                               WHERE entered_on <= ? AND decided_on > ? GROUP BY stage_id""", [cut, cut])
    assert {3, 4} <= set(straddling["stage_id"])           # take-home and client decisions open on the date
    assert full.scalar("SELECT count(*) FROM placements WHERE accepted_on <= ? AND first_day > ?", [cut, cut]) > 0
    for step in ("ratings of later scorecards", "later scorecards", "amendments undone", "later stage entries",
                 "later decisions reopened", "later placements", "later ends undone", "applications", "searches"):
        assert changed[step] > 0, step


def test_the_report_as_of_a_date_is_the_report_of_the_agency_rolled_back_to_it(agency):
    cut, full, rolled, _ = agency
    got = validity_report(full, account(full, "hiring_lead"), SearchFilter(), cut)
    expected = validity_report(rolled, account(rolled, "hiring_lead"), SearchFilter(), cut)
    assert_same_report(got, expected)
    assert len(got.evidence) > 100 and got.coverage["with_outcome"].min() > 0


def test_so_is_the_report_of_a_period_before_the_date(agency):
    cut, full, rolled, _ = agency
    chosen = SearchFilter(start=cut - timedelta(days=365), end=cut)
    assert_same_report(validity_report(full, account(full, "hiring_lead"), chosen, cut),
                       validity_report(rolled, account(rolled, "hiring_lead"), chosen, cut))


def test_what_happened_after_the_date_changes_the_report(agency):
    cut, full, _, _ = agency
    lead = account(full, "hiring_lead")
    then = validity_report(full, lead, SearchFilter(), cut)
    now = validity_report(full, lead, SearchFilter(), DEMO_AS_OF)
    assert len(then.evidence) < len(now.evidence)
    assert then.evidence["shortlisted_on"].max() <= pd.Timestamp(cut)
    accepted_by_then = full.frame("SELECT placement_id FROM placements WHERE accepted_on <= ?", [cut])
    assert set(then.evidence["placement_id"].dropna()) <= set(accepted_by_then["placement_id"])
    assert then.evidence["ended_on"].max() <= pd.Timestamp(cut)
    decided_later = then.evidence.merge(now.evidence, on="application_id", suffixes=("_then", "_now"))
    changed = decided_later["client_decision_then"].isna() & decided_later["client_decision_now"].notna()
    assert changed.any()                                   # a client's decision taken after the date is open then


def test_the_planted_amendments_count_from_their_own_day(agency):
    cut, full, _, _ = agency
    lead = account(full, "hiring_lead")
    amended = full.frame("SELECT application_id, submitted_at::DATE AS day FROM scorecards WHERE revision = 2 "
                         "ORDER BY submitted_at")
    (early, early_day), (late, late_day) = amended.itertuples(index=False)
    assert early_day.date() < cut < late_day.date()
    then = validity_report(full, lead, SearchFilter(), cut).evidence.set_index("application_id")
    now = validity_report(full, lead, SearchFilter(), DEMO_AS_OF).evidence.set_index("application_id")
    # Amended before the date: the same score then and now. Amended after it: the first revision's then.
    assert then.loc[early, "score_in_force"] == pytest.approx(now.loc[early, "score_in_force"])
    assert then.loc[late, "score_in_force"] != pytest.approx(now.loc[late, "score_in_force"])


# -- an amendment made through the score entry, today ---------------------------------------------------


def reviewer_of(db: Database, reviewer_id: int):
    """The reviewer's account, as :func:`tests.conftest.account` makes it."""
    return account(db, "reviewer", db.scalar("SELECT count(*) FROM accounts WHERE role = 'reviewer' "
                                             "AND account_id < ?", [reviewer_id]))


def test_an_amendment_made_after_the_audit_date_leaves_that_date_as_it_was(demo_db):
    lead = account(demo_db, "hiring_lead")
    before = validity_report(demo_db, lead, SearchFilter(), DEMO_AS_OF)
    card = demo_db.frame("""SELECT sc.application_id, sc.reviewer_id FROM scorecards AS sc
                            JOIN stage_decisions AS d ON d.application_id = sc.application_id AND d.stage_id = 4
                            WHERE sc.stage_id = 3 AND sc.status = 'submitted' AND d.decision IS NOT NULL
                            ORDER BY sc.scorecard_id LIMIT 1""").iloc[0]
    application_id = int(card["application_id"])
    scorecards.amend(demo_db, reviewer_of(demo_db, int(card["reviewer_id"])), application_id, TAKE_HOME,
                     {code: 2 for code in DIMENSION_NAMES}, {}, "second reading of the take-home")
    assert datetime.now().date() > DEMO_AS_OF              # the amendment is dated today, after the demo's date

    assert_same_report(validity_report(demo_db, lead, SearchFilter(), DEMO_AS_OF), before)
    today = validity_report(demo_db, lead, SearchFilter(), datetime.now().date()).evidence.set_index("application_id")
    assert today.loc[application_id, "score_in_force"] != pytest.approx(
        before.evidence.set_index("application_id").loc[application_id, "score_in_force"])
