"""Certification by reference candidates on the pages: the score-entry queue tells a reviewer held from live
work why and what to do, and a submission of live work is refused in words; nothing changes with no bar;
the calibration page shows each reviewer's accuracy against an exercise's reference ratings, in people's
words, with the entry of those ratings for admins only; the admin page sets and clears the passing bar."""

from __future__ import annotations

from datetime import date

from scoring.domain.dimensions import DIMENSION_CODES
from scoring.store import calibration_exercises, certification, scorecards
from tests.conftest import account, choose_tab

SCORE_ENTRY = "pages/score_entry.py"
CALIBRATION = "pages/calibration.py"
ADMIN = "pages/admin.py"
TODAY = date(2026, 11, 20)
HELD = "held until you pass the reference check"


def start_exercise(db, n: int = 5) -> int:
    admin = account(db, "admin")
    ids = calibration_exercises.reference_applications(db, admin, 3)["application_id"].head(n).tolist()
    return calibration_exercises.create_exercise(db, admin, "Autumn references", ids, 3, TODAY)


def with_references(db, set_id: int) -> None:
    """The demo reviewer scores every reference still awaited; the experts' ratings equal theirs on most."""
    reviewer, admin = account(db, "reviewer"), account(db, "admin")
    items = calibration_exercises.exercise_items(db, admin, set_id)
    for position, application_id in enumerate(items["application_id"].astype(int)):
        if scorecards.own_card(db, reviewer, application_id, 3)["status"] != "submitted":
            scorecards.submit(db, reviewer, application_id, 3,
                              {code: 2 + (position + i) % 3 for i, code in enumerate(DIMENSION_CODES)}, {})
    given = db.frame("SELECT application_id, dimension_id, rating FROM current_scores WHERE reviewer_id = ? "
                     "AND stage_id = 3", [reviewer.account_id])
    names = dict(zip(items["application_id"].astype(int), items["application"]))
    rows = [{"application": names[int(r.application_id)], "dimension": DIMENSION_CODES[int(r.dimension_id) - 1],
             "rating": int(r.rating)} for r in given.itertuples() if int(r.application_id) in names]
    certification.set_references(db, admin, set_id, rows)


def without_demo_references(db) -> None:
    """Take the expert ratings off the demo's own exercise, as in an agency that has entered none yet."""
    db.write(lambda cur: cur.execute("DELETE FROM calibration_references"))


def warnings(at) -> list[str]:
    return [w.value for w in at.warning]


def test_with_no_bar_the_queue_says_nothing_of_certification(open_page, demo_db):
    start_exercise(demo_db)
    at = open_page(SCORE_ENTRY, "reviewer")
    assert not at.exception
    assert not any(HELD in w for w in warnings(at))
    assert any("Pipeline and tooling" not in option and "Autumn" not in option
               for option in at.selectbox(key="queue_item").options)


def test_a_reviewer_below_the_bar_sees_why_and_only_exercises_and_checklists(open_page, demo_db):
    without_demo_references(demo_db)
    set_id = start_exercise(demo_db)
    with_references(demo_db, set_id)                       # scored to the experts' ratings: passes
    reviewer = account(demo_db, "reviewer")
    other = account(demo_db, "reviewer", 1)                 # has not scored the references yet
    certification.set_bar(demo_db, account(demo_db, "admin"), 0.6, 0.75)

    at = open_page(SCORE_ENTRY, "reviewer", 1)
    held = [w for w in warnings(at) if HELD in w]
    assert len(held) == 1
    assert 'Score the reference candidates in exercise "Autumn references"' in held[0]
    assert "weighted kappa of at least 0.60" in held[0] and "at most 0.75 rating points" in held[0]
    queue = scorecards.queue(demo_db, other, TODAY)
    assert queue[queue["stage_id"].isin([2, 3])]["is_exercise"].all()
    assert at.subheader[0].value == f"Your queue ({len(queue)})"

    passed = open_page(SCORE_ENTRY, "reviewer")             # the reviewer who met the bar sees live work again
    assert not any(HELD in w for w in warnings(passed))
    live = scorecards.queue(demo_db, reviewer, TODAY)
    assert (~live["is_exercise"] & live["stage_id"].isin([2, 3])).any()


def test_live_work_open_when_the_bar_is_set_leaves_the_queue_unsubmitted_and_the_queue_says_why(open_page, demo_db):
    without_demo_references(demo_db)
    reviewer = account(demo_db, "reviewer")
    at = open_page(SCORE_ENTRY, "reviewer")
    queue = scorecards.queue(demo_db, reviewer, TODAY)
    position = next(i for i, row in enumerate(queue.itertuples()) if row.stage_id in (2, 3) and not row.is_exercise)
    at.selectbox(key="queue_item").select_index(position)
    at.run()
    item = queue.iloc[position]
    start_exercise(demo_db)
    certification.set_bar(demo_db, account(demo_db, "admin"), 0.6, 0.75)   # meanwhile, an admin requires a bar

    for radio in [r for r in at.radio if r.key.startswith("card_")]:
        radio.set_value(3)
    at.button[1].click().run()
    assert any(HELD in w for w in warnings(at))
    assert not any(str(item["candidate"]) in option for option in at.selectbox(key="queue_item").options)
    assert not demo_db.scalar("SELECT count(*) FROM scorecards WHERE reviewer_id = ? AND application_id = ? "
                              "AND stage_id = ? AND status = 'submitted'",
                              [reviewer.account_id, int(item["application_id"]), int(item["stage_id"])])


def open_exercises(open_page, role: str):
    return choose_tab(open_page(CALIBRATION, role, timeout=180), "calibration_tab", "Exercises")


def test_the_calibration_page_shows_each_reviewers_accuracy_in_words(open_page, demo_db):
    set_id = start_exercise(demo_db)
    with_references(demo_db, set_id)
    certification.set_bar(demo_db, account(demo_db, "admin"), 0.6, 0.75)
    at = open_exercises(open_page, "hiring_lead")
    tables = [t.value for t in at.dataframe if "Result" in t.value.columns]
    assert len(tables) == 1
    table = tables[0]
    assert list(table.columns) == ["Reviewer", "Result", "Rated", "Weighted kappa", "Mean difference"]
    row = table[table["Reviewer"] == account(demo_db, "reviewer").display_name].iloc[0]
    assert row["Result"] == "passed" and row["Rated"] >= 20
    assert not any("nan" in str(v) or "None" in str(v) for v in table.astype(str).to_numpy().ravel())
    assert not [e for e in at.expander if e.label == "Enter the experts' reference ratings"]   # leads read only


def test_admins_get_the_reference_entry_and_an_exercise_without_references_says_so(open_page, demo_db):
    start_exercise(demo_db)
    at = open_exercises(open_page, "admin")
    assert any("No reference ratings yet" in i.value for i in at.info)
    assert [e for e in at.expander if e.label == "Enter the experts' reference ratings"]


def open_certification_tab(open_page):
    return choose_tab(open_page(ADMIN, "admin"), "admin_tab", "Certification")


def test_an_admin_requires_a_passing_accuracy_and_then_none(open_page, demo_db):
    at = open_certification_tab(open_page)
    assert any("No passing accuracy is required" in c.value for c in at.caption)
    at.number_input(key="bar_kappa").set_value(0.7)
    at.number_input(key="bar_mad").set_value(0.5)
    at.button(key="FormSubmitter:certification_bar-Require this accuracy").click().run()
    assert not at.error, [e.value for e in at.error]
    bar = certification.passing_bar(demo_db, account(demo_db, "admin"))
    assert bar is not None and (bar.min_kappa, bar.max_mad) == (0.7, 0.5)
    assert any("weighted kappa of at least 0.70" in c.value for c in at.caption)
    at.button(key="FormSubmitter:certification_bar-Require none").click().run()
    assert certification.passing_bar(demo_db, account(demo_db, "admin")) is None
    assert demo_db.scalar("SELECT count(*) FROM audit_log WHERE entity = 'certification_bar'") == 2
