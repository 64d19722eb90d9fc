"""The calibration page, run headless with AppTest on a private copy of the demo agency.

The figures it draws are read back from the Plotly specs and checked against the report
functions on the same database.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import scoring.reports.calibration
from scoring.agency.access import Account
from scoring.reports.calibration import (
    MIN_COMPARED_RATINGS,
    MONTHLY_COLUMNS,
    TOO_FEW,
    calibration_drift,
    calibration_report,
    default_filter,
    exercise_report,
)
from scoring.store import Database, calibration_exercises, ratings, scorecards
from tests.conftest import account, choose_tab

PAGE = Path(__file__).resolve().parents[2] / "pages" / "calibration.py"
CODES = ("infrastructure", "deployment", "monitoring", "automation", "governance")
TIMEOUT = 120


def run_page(demo_db, monkeypatch, who: Account) -> AppTest:
    monkeypatch.setenv("SCORECARD_DB", demo_db.location)
    app = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT)
    app.session_state["account"] = who
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def open_tab(app: AppTest, label: str) -> AppTest:
    """Choose the tab ``label``, as a click on it would: only the open tab is drawn."""
    return choose_tab(app, "calibration_tab", label)


def decoded(value):
    """A Plotly array as numpy, whether plain JSON or a base64 typed array."""
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if "shape" in value:
            shape = value["shape"]
            array = array.reshape([int(n) for n in shape.split(",")] if isinstance(shape, str) else shape)
        return array
    return np.asarray(value, dtype=object)


def charts(app: AppTest) -> dict[str, dict]:
    """Every Plotly figure on the page, by the start of its title."""
    found = {}
    for element in app.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        title = spec["layout"].get("title", {})
        found[title.get("text", "") if isinstance(title, dict) else str(title)] = spec
    return found


def chart(app: AppTest, prefix: str) -> dict:
    matching = [spec for title, spec in charts(app).items() if title.startswith(prefix)]
    assert len(matching) == 1, f"one chart titled {prefix!r}; have {list(charts(app))}"
    return matching[0]


def opening_report(demo_db, who: Account, read=calibration_report):
    """``read`` (the report, or its months) for the filter the page opens on."""
    options = ratings.filter_options(demo_db, who)
    return read(demo_db, who, default_filter(options["first"], options["last"]))


@pytest.mark.parametrize("role", ["reviewer", "ops"])
def test_people_without_read_calibration_get_a_clear_refusal(demo_db, monkeypatch, role):
    app = run_page(demo_db, monkeypatch, account(demo_db, role))
    assert len(app.error) == 1
    assert "Not allowed" in app.error[0].value and "read calibration" in app.error[0].value
    assert not app.get("plotly_chart") and not app.dataframe


def test_lead_sees_agreement_kappa_severity_and_ranking_as_reported(demo_db, monkeypatch):
    lead = account(demo_db, "hiring_lead")
    app = run_page(demo_db, monkeypatch, lead)
    report = opening_report(demo_db, lead)
    assert report.n_ratings > 0

    alpha = chart(app, "Krippendorff's alpha per dimension")["data"][0]      # the first tab opens first
    shown = report.agreement.dropna(subset=["alpha"])
    assert list(alpha["x"]) == list(shown["dimension"])
    np.testing.assert_allclose(decoded(alpha["y"]).astype(float), shown["alpha"], atol=1e-12)
    np.testing.assert_allclose(decoded(alpha["error_y"]["array"]).astype(float), shown["alpha_high"] - shown["alpha"],
                               atol=1e-12)

    heatmap = chart(open_tab(app, "Reviewer pairs"), "Pairwise weighted kappa")["data"][0]
    assert list(heatmap["y"]) == list(report.kappa_matrix.index)
    z = np.array([[np.nan if v is None else v for v in row] for row in heatmap["z"]], dtype=float) \
        if isinstance(heatmap["z"], list) else decoded(heatmap["z"]).astype(float)
    np.testing.assert_allclose(z, report.kappa_matrix.to_numpy(), atol=1e-12, equal_nan=True)

    severity = chart(open_tab(app, "Severity"), "Severity, 95% interval")
    plotted = {name: x for trace in severity["data"]
               for name, x in zip(trace["y"], decoded(trace["x"]).astype(float))}
    expected = dict(zip(report.reviewers["reviewer"], report.reviewers["severity"]))
    assert plotted.keys() == expected.keys()
    for name, value in expected.items():
        assert plotted[name] == pytest.approx(value, abs=1e-12)
    assert list(severity["layout"]["yaxis"]["categoryarray"]) == list(report.reviewers["reviewer"])

    shares = chart(app, "Ratings given")
    everyone = report.distribution[report.distribution["reviewer_id"] == 0].set_index("rating")["share"]
    for trace in shares["data"]:
        row = list(trace["y"]).index("All reviewers")
        assert decoded(trace["x"]).astype(float)[row] == pytest.approx(everyone[int(trace["name"])])

    # The rank shifts are drawn as counts per bin, not one value per application: every application
    # is counted once, in the bin its shift falls in.
    shift = chart(open_tab(app, "Ranking"), "Rank shift")["data"][0]
    centres, widths = decoded(shift["x"]).astype(float), decoded(shift["width"]).astype(float)
    edges = np.append(centres - widths / 2, centres[-1] + widths[-1] / 2)
    expected, _ = np.histogram(report.ranking["percentile_shift"], bins=edges)
    np.testing.assert_array_equal(decoded(shift["y"]).astype(float), expected)
    assert len(centres) <= 60 < len(report.ranking)


def test_only_the_open_tab_is_drawn_and_it_stays_open_across_reruns(demo_db, monkeypatch):
    app = run_page(demo_db, monkeypatch, account(demo_db, "hiring_lead"))
    assert [t.label for t in app.tabs] == ["Agreement", "Reviewer pairs", "Severity", "Ranking", "Over time",
                                           "Drift watch", "Next session", "Exercises", "Thresholds"]
    assert list(charts(app)) == ["Krippendorff's alpha per dimension, 95% bootstrap interval"]
    open_tab(app, "Severity")
    assert all(title.startswith(("Severity", "Ratings given")) for title in charts(app)), list(charts(app))
    app.sidebar.radio(key="calibration_stage").set_value(2).run()          # a filter change reruns the page
    assert app.session_state["calibration_tab"] == "Severity"
    assert chart(app, "Severity, 95% interval")


def test_the_page_explains_the_icc_form_and_shows_band_sources(demo_db, monkeypatch):
    app = run_page(demo_db, monkeypatch, account(demo_db, "hiring_lead"))
    explanation = " ".join(i.value for i in app.info)
    assert "ICC(1,1)" in explanation and "ICC(2,1)" in explanation and "sparse" in explanation
    reviewers = opening_report(demo_db, account(demo_db, "hiring_lead")).n_reviewers
    assert f"two or three of the {reviewers} reviewers" in explanation
    assert "Krippendorff (2004)" in " ".join(c.value for c in app.caption)
    assert "30 ratings" in " ".join(c.value for c in open_tab(app, "Reviewer pairs").caption)
    thresholds = open_tab(app, "Thresholds").dataframe[-1].value
    assert {"Shared ratings for a pairwise kappa", "Severity clear of zero by"} <= set(thresholds["threshold"])


def test_changing_the_stage_redraws_for_that_stage(demo_db, monkeypatch):
    lead = account(demo_db, "hiring_lead")
    app = run_page(demo_db, monkeypatch, lead)
    app.sidebar.radio(key="calibration_stage").set_value(2).run()
    assert not app.exception
    options = ratings.filter_options(demo_db, lead)
    report = calibration_report(demo_db, lead, default_filter(options["first"], options["last"], stage_id=2))
    alpha = chart(app, "Krippendorff's alpha per dimension")["data"][0]
    np.testing.assert_allclose(decoded(alpha["y"]).astype(float), report.agreement["alpha"].dropna(), atol=1e-12)
    assert f"{report.n_ratings:,} ratings" in app.caption[0].value


def without_exercises(db) -> None:
    """Take the demo's own calibration exercise away, as in an agency that has not run one yet."""
    for table in ("calibration_references", "calibration_items", "calibration_sets"):
        db.write(lambda cur, t=table: cur.execute(f"DELETE FROM {t}"))


def test_without_an_exercise_leads_are_told_and_admins_get_the_form(demo_db, monkeypatch):
    without_exercises(demo_db)
    lead_page = open_tab(run_page(demo_db, monkeypatch, account(demo_db, "hiring_lead")), "Exercises")
    assert any("No calibration exercise yet" in i.value for i in lead_page.info)
    assert not [e for e in lead_page.expander if e.label == "Start a calibration exercise"]
    admin_page = open_tab(run_page(demo_db, monkeypatch, account(demo_db, "admin")), "Exercises")
    assert any("No calibration exercise yet" in i.value for i in admin_page.info)
    assert [e for e in admin_page.expander if e.label == "Start a calibration exercise"]


def test_admin_creates_an_exercise_from_the_form(demo_db, monkeypatch):
    admin = account(demo_db, "admin")
    app = open_tab(run_page(demo_db, monkeypatch, admin), "Exercises")
    app.text_input(key="exercise_name").input("December reference set")
    app.number_input(key="exercise_count").set_value(4)
    app.number_input(key="exercise_seed").set_value(3)
    app.button(key="FormSubmitter:new_exercise-Create exercise and assign reviewers").click().run()
    assert not app.exception, [e.value for e in app.exception]
    sets = calibration_exercises.exercises(demo_db, admin).head(1)       # the newest, before the demo's own
    assert sets["name"].tolist() == ["December reference set"] and sets["items"].tolist() == [4]
    assert any("December reference set" in s.value for s in app.success)
    active = demo_db.scalar("SELECT count(*) FROM accounts WHERE role = 'reviewer' AND active")
    assert int(sets["expected"].iloc[0]) == 4 * active


def test_an_exercise_is_reported_separately_from_live_scoring(demo_db, monkeypatch):
    admin, lead = account(demo_db, "admin"), account(demo_db, "hiring_lead")
    before = opening_report(demo_db, lead)
    ids = calibration_exercises.reference_applications(demo_db, admin, 3)["application_id"].head(5).tolist()
    set_id = calibration_exercises.create_exercise(demo_db, admin, "Five references", ids, 3, date(2026, 11, 20))
    rng = np.random.default_rng(8)
    reviewers = demo_db.frame("SELECT account_id FROM accounts WHERE role = 'reviewer' AND active ORDER BY 1")
    for index in range(len(reviewers)):
        reviewer = account(demo_db, "reviewer", index)
        for application_id in ids:
            if application_id in set(demo_db.frame(
                    "SELECT application_id FROM scorecards WHERE reviewer_id = ? AND stage_id = 3 "
                    "AND status = 'submitted'", [reviewer.account_id])["application_id"]):
                continue
            card = {code: int(v) for code, v in zip(CODES, rng.integers(2, 5, 5))}
            scorecards.submit(demo_db, reviewer, int(application_id), 3, card, {})

    app = run_page(demo_db, monkeypatch, lead)
    # the live figures did not move: exercise ratings stay out of them
    live = chart(app, "Krippendorff's alpha per dimension")["data"][0]
    np.testing.assert_allclose(decoded(live["y"]).astype(float), before.agreement["alpha"].dropna(), atol=1e-12)
    assert f"{before.n_ratings:,} ratings" in app.caption[0].value
    exercise = exercise_report(demo_db, lead, set_id)
    shown = chart(open_tab(app, "Exercises"), "Exercise: Krippendorff's alpha")["data"][0]
    np.testing.assert_allclose(decoded(shown["y"]).astype(float), exercise.agreement["alpha"].dropna(), atol=1e-12)
    # Five references give each reviewer at most 5 x 5 = 25 compared ratings, under the minimum of 30:
    # every overall distance is greyed, says so, and gives its count instead of a number.
    distance, greyed = chart(app, "Distance from the others' mean")["data"][:2]
    overall = exercise.distances[exercise.distances["dimension_id"] == 0].set_index("reviewer")
    assert not overall["judged"].any() and (overall["compared"] < MIN_COMPARED_RATINGS.value).all()
    column = list(distance["x"]).index("All dimensions")

    def grid(values) -> np.ndarray:
        return np.asarray(values, dtype=float) if isinstance(values, list) else decoded(values).astype(float)

    z, counts = grid(distance["z"]), grid(greyed["customdata"])
    for row, name in enumerate(distance["y"]):
        assert np.isnan(z[row][column])
        assert greyed["text"][row][column] == TOO_FEW
        assert counts[row][column] == overall.loc[name, "compared"]


def test_a_new_exercise_says_what_is_awaited_and_shows_no_agreement(demo_db, monkeypatch):
    admin, lead = account(demo_db, "admin"), account(demo_db, "hiring_lead")
    ids = calibration_exercises.reference_applications(demo_db, admin, 3)["application_id"].head(3).tolist()
    calibration_exercises.create_exercise(demo_db, admin, "Three references", ids, 3, date(2026, 11, 20))
    app = open_tab(run_page(demo_db, monkeypatch, lead), "Exercises")
    metrics = {m.label: m.value for m in app.metric}
    listed = calibration_exercises.exercises(demo_db, lead).iloc[0]
    assert metrics["Scorecards in"] == f"0 of {int(listed['awaited']):,}"
    assert metrics["References"] == "3"
    status = next(c.value for c in app.caption if "awaited from" in c.value)
    assert f"{int(listed['awaited']):,} scorecards awaited from {int(listed['awaited_from'])} reviewers" in status
    assert "due 04 Dec 2026" in status
    assert any("No results yet" in i.value for i in app.info)
    assert not [title for title in charts(app) if title.startswith("Exercise:")]


def shown_cells(element) -> tuple[object, str]:
    """What a person reads in a styled table (its display values) and the table's cell styles."""
    import pyarrow as pa

    styler = element.proto.arrow_data.styler
    return pa.ipc.open_stream(styler.display_values).read_all().to_pandas(), styler.styles


def one_month(demo_db, monkeypatch, lead: Account, month: date) -> AppTest:
    app = run_page(demo_db, monkeypatch, lead)
    app.sidebar.select_slider(key="calibration_months").set_value((month, month)).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


# November 2026, the demo's last month, holds ten applications rated twice at the take-home: under the
# minimum of 30, so every agreement figure of that month is too few to judge.
LAST_MONTH = date(2026, 11, 1)


def test_agreement_over_too_few_applications_is_greyed_and_says_so(demo_db, monkeypatch):
    lead = account(demo_db, "hiring_lead")
    app = one_month(demo_db, monkeypatch, lead, LAST_MONTH)
    report = calibration_report(demo_db, lead, default_filter(LAST_MONTH, LAST_MONTH))
    assert (report.agreement["pairable"] < 30).all() and not report.agreement["judged"].any()

    table = app.dataframe[0]
    assert (table.value["band"] == TOO_FEW).all()
    assert table.value["pairable"].tolist() == report.agreement["pairable"].tolist()
    assert table.value["pairs"].tolist() == report.agreement["pairs"].tolist()
    cells, styles = shown_cells(table)
    for column in ("alpha", "icc", "exact", "within_one"):
        assert set(cells[column]) <= {TOO_FEW, "—"} and TOO_FEW in set(cells[column]), column
    assert "color: #8a8a8a" in styles
    assert not {"nan", "None", "<NA>"} & set(cells.astype(str).to_numpy().ravel())

    bars = chart(app, "Krippendorff's alpha per dimension")["data"][0]
    assert set(bars["text"]) == {TOO_FEW}
    assert set(bars["marker"]["color"]) == {"#D9D9D9"}
    assert all("applications rated twice or more" in row[0] for row in bars["customdata"])
    assert any(TOO_FEW in c.value and "Koo & Li" in c.value for c in app.caption)


def test_agreement_over_enough_applications_reads_as_a_number_with_its_counts(demo_db, monkeypatch):
    lead = account(demo_db, "hiring_lead")
    app = run_page(demo_db, monkeypatch, lead)
    report = opening_report(demo_db, lead)
    assert report.agreement["judged"].all()
    cells, _ = shown_cells(app.dataframe[0])
    assert cells["alpha"].tolist() == [f"{a:.3f}" for a in report.agreement["alpha"]]
    assert TOO_FEW not in set(cells["band"])
    assert app.dataframe[0].value["pairable"].tolist() == report.agreement["pairable"].tolist()


def test_a_reviewer_compared_too_rarely_is_greyed_and_called_to_no_session_for_it(demo_db, monkeypatch):
    lead = account(demo_db, "hiring_lead")
    app = open_tab(one_month(demo_db, monkeypatch, lead, LAST_MONTH), "Severity")
    report = calibration_report(demo_db, lead, default_filter(LAST_MONTH, LAST_MONTH))
    assert not report.reviewers["peers_judged"].any()
    session = calibration_drift(demo_db, lead, default_filter(LAST_MONTH, LAST_MONTH)).session
    called = session[session["low_agreement"].astype(bool)] if len(session) else []
    assert len(called) == 0
    table = next(t for t in app.dataframe if "mad" in t.value.columns)
    cells, _ = shown_cells(table)
    distance = report.reviewers.set_index("reviewer")
    for name, text, within in zip(cells["reviewer"], cells["mad"], cells["within_one"]):
        expected = "—" if np.isnan(distance.loc[name, "mad"]) else TOO_FEW
        assert text == expected and within == expected, name
    assert table.value["compared"].fillna(0).tolist() == distance["compared"].fillna(0).tolist()


def test_pairs_sharing_too_few_ratings_are_grey_cells_with_their_count(demo_db, monkeypatch):
    lead = account(demo_db, "hiring_lead")
    app = open_tab(one_month(demo_db, monkeypatch, lead, LAST_MONTH), "Reviewer pairs")
    report = calibration_report(demo_db, lead, default_filter(LAST_MONTH, LAST_MONTH))
    few = report.kappa[report.kappa["kappa"].isna()]
    assert len(few) > 0
    figure = chart(app, "Pairwise weighted kappa")
    assert TOO_FEW in figure["layout"]["title"]["text"]
    greyed = figure["data"][1]
    counts = decoded(greyed["customdata"]).astype(float) if isinstance(greyed["customdata"], dict) else \
        np.array([[np.nan if v is None else v for v in row] for row in greyed["customdata"]], dtype=float)
    index = {name: i for i, name in enumerate(greyed["y"])}
    for pair in few.itertuples():
        assert counts[index[pair.name_a]][index[pair.name_b]] == pair.shared
    assert TOO_FEW in greyed["hovertemplate"]


def test_with_one_reviewer_the_page_says_agreement_needs_two_instead_of_explaining_the_icc(tmp_path, monkeypatch):
    from scoring.store.accounts import create_operator_account
    from scoring.store.importer import import_paths
    from tests.conftest import ROOT

    with Database(tmp_path / "samples.duckdb") as db:
        assert import_paths(db, [ROOT / "data" / "samples"]).ok      # the samples' scorecards: one reviewer
        create_operator_account(db, email="lead@new-agency.example", display_name="Lead", role="hiring_lead",
                                password=None)
        app = run_page(db, monkeypatch, account(db, "hiring_lead"))
    notes = [i.value for i in app.info]
    assert "Agreement needs two reviewers or more scoring the same applications; this selection has 1 reviewer." \
        in notes
    assert not any("ICC(1,1)" in note for note in notes)


def test_an_exercise_that_asked_for_no_scorecard_says_so_and_points_to_the_accuracy(demo_db, monkeypatch):
    from scoring.demo.exercise import EXERCISE_NAME

    lead = account(demo_db, "hiring_lead")
    listed = calibration_exercises.exercises(demo_db, lead)
    assert list(listed["name"]) == [EXERCISE_NAME] and int(listed.iloc[0]["awaited"]) == 0
    app = open_tab(run_page(demo_db, monkeypatch, lead), "Exercises")
    assert {m.label: m.value for m in app.metric}["Scorecards in"] == "0 of 0"
    assert any("No scorecard was asked for." in c.value for c in app.caption)
    assert not any("No results yet" in i.value for i in app.info)
    assert any(i.value.startswith("No agreement figures for this exercise")
               and "accuracy against the experts" in i.value for i in app.info)


def test_the_month_by_month_fits_run_only_for_the_tabs_that_show_them(demo_db, monkeypatch):
    """Changing the months refits only what the open tab shows; the three month by month tabs share one fit."""
    fitted = []
    fit = scoring.reports.calibration.calibration_drift

    @functools.wraps(fit)
    def counted(db, actor, chosen):
        fitted.append(chosen)
        return fit(db, actor, chosen)

    monkeypatch.setattr(scoring.reports.calibration, "calibration_drift", counted)
    app = one_month(demo_db, monkeypatch, account(demo_db, "hiring_lead"), date(2026, 9, 1))
    for label in ("Reviewer pairs", "Severity", "Ranking", "Agreement"):
        assert not open_tab(app, label).exception
    assert fitted == []
    for label in ("Over time", "Drift watch", "Next session"):
        assert not open_tab(app, label).exception
    assert [(chosen.first_month, chosen.last_month) for chosen in fitted] == [(date(2026, 9, 1), date(2026, 9, 1))]



def test_with_no_reviewer_month_the_over_time_tab_says_why_instead_of_empty_charts(demo_db, monkeypatch):
    """As on a new agency whose few ratings give no month a severity or a distance from peers."""
    fit = scoring.reports.calibration.calibration_drift

    @functools.wraps(fit)
    def no_months(db, actor, chosen):
        return dataclasses.replace(fit(db, actor, chosen), monthly=pd.DataFrame(columns=MONTHLY_COLUMNS))

    monkeypatch.setattr(scoring.reports.calibration, "calibration_drift", no_months)
    app = open_tab(one_month(demo_db, monkeypatch, account(demo_db, "hiring_lead"), date(2026, 8, 1)), "Over time")
    assert not app.exception
    assert any("No reviewer has a month to show here yet" in str(i.value) for i in app.info)
    assert "calibration_drift_reviewers" not in [m.key for m in app.multiselect] and not app.get("plotly_chart")


def test_with_no_reviewer_pair_the_pairs_tab_says_so_instead_of_an_empty_heatmap(demo_db, monkeypatch):
    """As on a new agency with one reviewer: the matrix has that reviewer's row, but there is no pair."""
    report = scoring.reports.calibration.calibration_report

    @functools.wraps(report)
    def one_reviewer(db, actor, chosen):
        whole = report(db, actor, chosen)
        return dataclasses.replace(whole, kappa=whole.kappa.iloc[0:0], kappa_matrix=whole.kappa_matrix.iloc[:1, :1])

    monkeypatch.setattr(scoring.reports.calibration, "calibration_report", one_reviewer)
    app = open_tab(one_month(demo_db, monkeypatch, account(demo_db, "hiring_lead"), date(2026, 7, 1)), "Reviewer pairs")
    assert not app.exception
    assert any("No two reviewers rated the same application" in str(i.value) for i in app.info)
    assert not app.get("plotly_chart")
