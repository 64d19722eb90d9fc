"""The scorecard-validity page shows the figures the report computes, and adopts weights only when
the evidence says they are better."""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import pytest

from scoring.domain.dimensions import DIMENSION_NAMES
from scoring.reports.validity import HEADLINE_LABELS, MIN_COMPARED_RATINGS, PREDICTORS, TOO_FEW, validity_report
from scoring.store.searches import SearchFilter
from tests.conftest import DEMO_AS_OF, account, plotly_values
from tests.reports.test_validity_report import governance_only, plant_acceptance_by_infrastructure

PAGE = "pages/validity.py"
CODES = list(DIMENSION_NAMES)


def _all_time(at):
    at.selectbox(key="validity_period").select("All time")
    return at.run()


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _charts(at) -> dict[str, dict]:
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    return {spec["layout"]["title"]["text"]: spec for spec in specs}


def _chart(at, starts: str) -> dict:
    return next(spec for title, spec in _charts(at).items() if title.startswith(starts))


def _values(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in plotly_values(values)], dtype=float)


@pytest.fixture
def lead_view(open_page):
    at = _all_time(open_page(PAGE, "hiring_lead"))
    assert not at.exception
    return at


@pytest.fixture
def report(demo_db):
    return validity_report(demo_db, account(demo_db, "hiring_lead"), SearchFilter(), DEMO_AS_OF)


def test_headline_figures_match_the_report(lead_view, report):
    shown = _metrics(lead_view)
    coverage = report.coverage.set_index("outcome").loc["accepted"]
    assert shown["Scored"] == f"{int(coverage['complete']):,}"
    assert shown["With this outcome"] == f"{int(coverage['with_outcome']):,}"
    for predictor in ("score_in_force", "fair_score"):
        assert shown[HEADLINE_LABELS[predictor]] == f"{report.headline('accepted', predictor)['auc']:.3f}"
    suggestion = report.suggestion("accepted")
    assert shown["Gain"] == f"{suggestion.difference:+.3f}"


def test_the_count_of_scored_applications_agrees_with_plain_sql(lead_view, demo_db):
    expected = demo_db.scalar("SELECT count(DISTINCT application_id) FROM current_scores WHERE stage_id = 3")
    assert _metrics(lead_view)["Scored"] == f"{expected:,}"


def test_range_restriction_is_stated_with_the_exclusions(lead_view, report):
    note = lead_view.warning[0].value
    coverage = report.coverage.set_index("outcome").loc["accepted"]
    assert note.startswith("**Range restriction.**")
    assert f"{int(coverage['with_outcome']):,} of {int(coverage['complete']):,}" in note
    assert "not shortlisted" in note


def test_band_chart_shows_the_report_rates_with_wilson_error_bars(lead_view, report):
    spec = _chart(lead_view, "Acceptance rate by score band")
    assert spec["layout"]["xaxis"]["title"]["text"] == PREDICTORS["score_in_force"]
    bands = report.bands[(report.bands["outcome"] == "accepted") & (report.bands["predictor"] == "score_in_force")]
    trace = spec["data"][0]
    assert list(trace["x"]) == bands["band"].tolist()
    np.testing.assert_allclose(_values(trace["y"]), bands["rate"].to_numpy(float), equal_nan=True)
    np.testing.assert_allclose(_values(trace["error_y"]["array"]),
                               (bands["ci_high"] - bands["rate"]).to_numpy(float), equal_nan=True)
    np.testing.assert_allclose(_values(trace["error_y"]["arrayminus"]),
                               (bands["rate"] - bands["ci_low"]).to_numpy(float), equal_nan=True)


def test_roc_chart_has_one_curve_per_shown_score_and_the_chance_line(lead_view, report):
    spec = _chart(lead_view, "ROC curves")
    curves = report.roc[report.roc["outcome"] == "accepted"]
    names = [trace["name"] for trace in spec["data"]]
    assert len(names) == curves["predictor"].nunique() + 1
    for predictor, rows in curves.groupby("predictor"):
        trace = next(t for t in spec["data"] if t["name"].startswith(PREDICTORS[predictor]))
        assert trace["name"].endswith(f"(AUC {report.headline('accepted', predictor)['auc']:.3f})")
        # The curve's corners are drawn; a point in the middle of a straight run draws nothing more.
        drawn = list(zip(_values(trace["x"]), _values(trace["y"])))
        points = list(zip(rows["fpr"], rows["tpr"]))
        assert drawn[0] == pytest.approx(points[0]) and drawn[-1] == pytest.approx(points[-1])
        assert set(drawn) <= set(points) and len(drawn) <= len(points)
        for before, point, after in zip(points, points[1:], points[2:]):
            if point not in drawn:
                assert before[0] == point[0] == after[0] or before[1] == point[1] == after[1]


def test_weights_chart_puts_current_and_suggested_side_by_side(lead_view, report):
    spec = _chart(lead_view, "Dimension weights")
    current, suggested = spec["data"]
    suggestion = report.suggestion("accepted")
    assert _values(current["y"]).tolist() == [report.current_pct[c] for c in CODES]
    assert _values(suggested["y"]).tolist() == [suggestion.suggested_pct[c] for c in CODES]
    assert list(current["x"]) == list(DIMENSION_NAMES.values())


def test_a_thin_outcome_shows_dashes_and_the_reason(lead_view, report):
    lead_view.segmented_control(key="validity_outcome").set_value("retained")
    lead_view.run()
    assert not lead_view.exception
    row = report.headline("retained", "score_in_force")
    assert row["reason"]                                           # the small demo has few lost placements
    shown = [m for m in lead_view.metric if m.label == HEADLINE_LABELS["score_in_force"]][0]
    assert shown.value == "—"
    assert row["reason"] in shown.proto.help


def test_filters_narrow_the_figures(lead_view, demo_db):
    lead_view.multiselect(key="validity_seniority").set_value(["senior"])
    lead_view.run()
    assert not lead_view.exception
    expected = demo_db.scalar("""SELECT count(DISTINCT cs.application_id) FROM current_scores AS cs
                                 JOIN applications USING (application_id) JOIN searches AS s USING (search_id)
                                 WHERE cs.stage_id = 3 AND s.seniority = 'senior'""")
    assert _metrics(lead_view)["Scored"] == f"{expected:,}"


def test_an_earlier_as_of_date_shows_the_figures_of_that_day(lead_view, demo_db):
    """On 9 July 2026 the small demo has take-home and client decisions still open that are taken later."""
    earlier = date(2026, 7, 9)
    today_figures = _metrics(lead_view)
    lead_view.date_input(key="validity_as_of").set_value(earlier)
    lead_view.run()
    assert not lead_view.exception
    shown = _metrics(lead_view)
    scored_by_then = demo_db.scalar("""SELECT count(DISTINCT application_id) FROM current_scores
                                       WHERE stage_id = 3 AND submitted_at::DATE <= ?""", [earlier])
    assert shown["Scored"] == f"{scored_by_then:,}" != today_figures["Scored"]
    report = validity_report(demo_db, account(demo_db, "hiring_lead"), SearchFilter(), earlier)
    coverage = report.coverage.set_index("outcome").loc["accepted"]
    assert shown["With this outcome"] == f"{int(coverage['with_outcome']):,}" != today_figures["With this outcome"]
    headline = report.headline("accepted", "score_in_force")
    label = HEADLINE_LABELS["score_in_force"]
    assert shown[label] == ("—" if headline["reason"] else f"{headline['auc']:.3f}") != today_figures[label]
    assert any("Outcomes as of 09 Jul 2026" in c.value for c in lead_view.caption)


def test_the_evidence_can_be_downloaded(lead_view):
    assert [b.label for b in lead_view.get("download_button")] == ["Download the evidence (CSV)"]


def test_reviewer_table_sits_beside_severity(lead_view, report):
    tables = [t.value for t in lead_view.dataframe]
    reviewers = next(t for t in tables if "infit_mnsq" in t.columns)
    expected = report.reviewers[report.reviewers["outcome"] == "accepted"]
    assert reviewers["reviewer"].tolist() == expected["reviewer"].tolist()
    # the table shows severities rounded to 2 places, without negative zeros
    assert reviewers["severity"].to_numpy() == pytest.approx(expected["severity"].to_numpy(), abs=0.005)


@pytest.mark.parametrize("role", ["reviewer", "ops"])
def test_other_roles_are_refused(open_page, role):
    at = open_page(PAGE, role)
    assert not at.exception
    assert any("Not allowed" in e.value for e in at.error)


def test_a_hiring_lead_cannot_adopt_weights(lead_view):
    assert not lead_view.get("form_submit_button")


def test_an_admin_cannot_adopt_a_suggestion_that_does_not_improve(open_page, report):
    at = _all_time(open_page(PAGE, "admin"))
    assert not report.suggestion("accepted").is_improvement
    (button,) = at.get("form_submit_button")
    assert button.proto.disabled
    assert any("Not an improvement" in i.value for i in at.info)


def test_an_admin_adopts_a_real_improvement(open_page, demo_db):
    plant_acceptance_by_infrastructure(demo_db)
    governance_only(demo_db)
    before = demo_db.scalar("SELECT count(*) FROM weight_versions")

    at = _all_time(open_page(PAGE, "admin"))
    assert any("better out of sample" in s.value for s in at.success)
    (button,) = at.get("form_submit_button")
    assert not button.proto.disabled
    button.click()
    at.run()
    assert not at.exception and not at.error
    assert any(s.value.startswith("Weight version") for s in at.success)
    assert demo_db.scalar("SELECT count(*) FROM weight_versions") == before + 1
    newest = demo_db.frame("""SELECT v.effective_from, v.note FROM weight_versions AS v
                              ORDER BY effective_from DESC LIMIT 1""").iloc[0]
    assert newest["effective_from"].date() == DEMO_AS_OF + timedelta(days=2)
    assert newest["note"].startswith("Fitted to client acceptance")


@pytest.mark.parametrize("outcome", ["accepted", "retained", "replaced"])
def test_a_thin_period_says_in_words_what_it_cannot_show(open_page, outcome):
    """A short period leaves few outcomes: no empty chart, no table of dashes without a sentence."""
    at = open_page(PAGE, "hiring_lead")
    at.selectbox(key="validity_period").select("Last 90 days").run()
    at.segmented_control(key="validity_outcome").set_value(outcome).run()
    assert not at.exception
    said = " ".join(i.value for i in at.info)
    for title, spec in _charts(at).items():
        if "by score band" in title:
            assert not np.isnan(_values(spec["data"][0]["y"])).all(), title
        if title.startswith("Reviewers:"):
            assert not np.isnan(_values(spec["data"][0]["y"])).all(), title
    if not any(t.startswith("Reviewers:") for t in _charts(at)):
        assert "No reviewer has enough scored applications" in said
    if not any("by score band" in t for t in _charts(at)):
        assert "No band has enough cases" in said
    text = " ".join([*(c.value for c in at.caption), *(w.value for w in at.warning), said,
                     *(m.value for m in at.metric)])
    assert "nan" not in text.split() and "None" not in text.split()


def test_range_restriction_gives_the_observed_and_the_corrected_correlation(lead_view, report):
    note = lead_view.warning[0].value
    row = report.restriction.set_index("outcome").loc["accepted"]
    assert not row["reason"] and row["r_corrected"] > row["r_observed"] > 0
    assert (f"correlates {row['r_observed']:.2f} with client acceptance (point-biserial, {int(row['r_n']):,} "
            f"applications)") in note
    assert f"(u = {row['ratio']:.2f}), about {row['r_corrected']:.2f} across everyone scored" in note
    assert "if selection was on this score alone" in note and "Thorndike's case II" in note
    assert "roughly" not in note


def test_a_correlation_under_the_floor_is_too_few_to_judge(lead_view, report):
    lead_view.segmented_control(key="validity_outcome").set_value("retained").run()
    row = report.restriction.set_index("outcome").loc["retained"]
    assert row["reason"]                       # the small demo has too few placements lost before 90 days
    note = lead_view.warning[0].value
    assert f":gray[{TOO_FEW} ({row['reason']})]" in note
    assert "correlates" not in note


def test_reviewer_distances_over_too_few_compared_ratings_are_greyed(open_page, demo_db):
    import pyarrow as pa

    at = open_page(PAGE, "hiring_lead")
    at.selectbox(key="validity_period").select("Last 90 days").run()
    assert not at.exception
    table = next(t for t in at.dataframe if "infit_mnsq" in t.value.columns)
    styler = table.proto.arrow_data.styler
    cells = pa.ipc.open_stream(styler.display_values).read_all().to_pandas()
    compared = table.value["compared"].fillna(0)
    few = compared < MIN_COMPARED_RATINGS.value
    assert few.any() and (~few).any()          # the last 90 days of the small demo hold both kinds
    assert (cells.loc[few.to_numpy(), "mad"] == TOO_FEW).all()
    assert (cells.loc[few.to_numpy(), "bias"] == TOO_FEW).all()
    judged = table.value[~few]
    assert cells.loc[(~few).to_numpy(), "mad"].tolist() == [f"{v:.2f}" for v in judged["mad"]]
    assert "color: #8a8a8a" in styler.styles
