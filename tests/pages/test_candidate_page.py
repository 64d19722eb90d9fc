"""The candidate profile finds anyone by id or name and shows their scores as the database holds them."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from scoring.reports.candidate import WITHHELD, candidate_report
from scoring.reports.formatting import MISSING
from scoring.store import candidates, scorecards
from tests.conftest import account, plotly_values
from ui import charts

PAGE = "pages/candidate.py"


@pytest.fixture
def shortlisted(demo_db):
    """A candidate who reached the client shortlist, with their take-home application."""
    return demo_db.frame("""
        SELECT c.candidate_id, c.external_id, c.full_name, a.application_id
        FROM stage_decisions AS d JOIN applications AS a USING (application_id)
        JOIN candidates AS c USING (candidate_id)
        WHERE d.stage_id = 4 ORDER BY a.application_id LIMIT 1""").iloc[0]


def _find(at, text):
    at.text_input(key="candidate_query").input(text)
    return at.run()


def test_a_candidate_is_found_by_id_and_their_weighted_score_shown(open_page, demo_db, shortlisted):
    at = _find(open_page(PAGE, "hiring_lead"), shortlisted["external_id"])
    assert not at.exception
    assert at.header[0].value == shortlisted["full_name"]
    report = candidate_report(demo_db, account(demo_db, "hiring_lead"), int(shortlisted["candidate_id"]))
    scores = report.scores.set_index(["application_id", "stage_id"])
    shown_app = at.selectbox[1].value
    expected = scores.loc[(shown_app, 3)]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Weighted score"] == f"{expected['score']:.2f} / 5"
    assert metrics["On 0-100"] == f"{expected['score_pct']:.0f}"
    assert metrics["Reviewers"] == str(int(expected["reviewers"]))


def test_the_score_matches_a_hand_computation_from_the_rows(open_page, demo_db, shortlisted):
    at = _find(open_page(PAGE, "hiring_lead"), shortlisted["external_id"])
    application_id = at.selectbox[1].value
    means = demo_db.frame("""SELECT dimension_id, avg(rating) AS mean FROM current_scores
                             WHERE application_id = ? AND stage_id = 3 GROUP BY 1 ORDER BY 1""", [application_id])
    entered = demo_db.scalar("SELECT entered_on FROM stage_decisions WHERE application_id = ? AND stage_id = 3",
                             [application_id])
    version = demo_db.scalar("SELECT version_id FROM weight_versions WHERE effective_from <= ? "
                             "ORDER BY effective_from DESC LIMIT 1", [entered])
    weights = demo_db.frame("SELECT dimension_id, weight_pct::DOUBLE AS w FROM dimension_weights "
                            "WHERE version_id = ? ORDER BY 1", [version])
    expected = float((means["mean"] * weights["w"]).sum() / 100)
    assert {m.label: m.value for m in at.metric}["Weighted score"] == f"{expected:.2f} / 5"


def test_the_radar_has_one_trace_per_reviewer_the_consensus_and_the_stage_median(open_page, demo_db, shortlisted):
    at = _find(open_page(PAGE, "hiring_lead"), shortlisted["external_id"])
    application_id = at.selectbox[1].value
    reviewers = demo_db.scalar("SELECT count(DISTINCT reviewer_id) FROM current_scores "
                               "WHERE application_id = ? AND stage_id = 3", [application_id])
    radar = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = [trace["name"] for trace in radar["data"]]
    assert len(names) == reviewers + 2
    assert "Consensus" in names and "Median candidate at this stage" in names
    consensus = next(t for t in radar["data"] if t["name"] == "Consensus")
    means = demo_db.frame("""SELECT avg(rating) AS mean FROM current_scores WHERE application_id = ? AND stage_id = 3
                             GROUP BY dimension_id ORDER BY dimension_id""", [application_id])["mean"].tolist()
    assert plotly_values(consensus["r"])[:5] == pytest.approx(means)


def test_the_radar_draws_consensus_reviewers_and_median_each_in_its_own_style(open_page, shortlisted):
    at = _find(open_page(PAGE, "hiring_lead"), shortlisted["external_id"])
    radar = json.loads(at.get("plotly_chart")[0].proto.spec)
    drawn = {trace["name"]: trace for trace in radar["data"]}
    consensus, median = drawn.pop("Consensus"), drawn.pop("Median candidate at this stage")
    assert consensus["line"].get("dash", "solid") == "solid"
    assert median["line"]["dash"] == "dash" and median["line"]["color"] == charts.MEDIAN_COLOUR
    assert median.get("fill", "none") == "none" and "markers" not in median["mode"]
    assert drawn, "no reviewer trace"
    for reviewer in drawn.values():
        assert reviewer["line"]["dash"] != "solid" and "markers" in reviewer["mode"]
        assert reviewer["line"]["width"] < consensus["line"]["width"]
        assert "%{customdata[1]}" in reviewer["hovertemplate"]            # the rating and the note
    assert len({r["marker"]["symbol"] for r in drawn.values()}) == len(drawn)
    polar = radar["layout"]["polar"]["radialaxis"]
    assert polar["range"] == [0, 5] and polar["tickvals"] == [1, 2, 3, 4, 5]
    assert radar["layout"]["height"] >= 420


def test_the_shortlist_is_compared_side_by_side(open_page, demo_db, shortlisted):
    at = _find(open_page(PAGE, "hiring_lead"), shortlisted["external_id"])
    search_id = demo_db.scalar("SELECT search_id FROM applications WHERE application_id = ?",
                               [int(at.selectbox[1].value)])
    presented = demo_db.scalar("""SELECT count(*) FROM stage_decisions JOIN applications USING (application_id)
                                  WHERE stage_id = 4 AND search_id = ?""", [search_id])
    comparison = at.dataframe[-1].value
    assert len(comparison) == presented


def test_search_by_name_lists_matches_and_nonsense_finds_nothing(open_page, shortlisted):
    at = _find(open_page(PAGE, "hiring_lead"), shortlisted["full_name"].split()[0][:4].lower())
    assert len(at.selectbox[0].options) >= 1
    at = _find(at, "zzzz-no-such-person")
    assert any("No candidate matches" in i.value for i in at.info)


@pytest.mark.parametrize("role", ["hiring_lead", "reviewer"])
def test_before_anything_is_typed_the_latest_scored_candidates_link_to_their_profiles(open_page, demo_db, role):
    at = open_page(PAGE, role)
    assert not at.exception
    reader = account(demo_db, role)
    expected = candidates.recently_scored(demo_db, reader)
    assert not expected.empty
    listed = at.dataframe[0].value
    assert listed["candidate"].tolist() == expected["full_name"].tolist()
    assert listed["profile"].tolist() == [f"/candidate?q={ref}" for ref in expected["external_id"]]
    mine_only = role == "reviewer"
    assert at.caption[0].value == ("Your most recently submitted scorecards:" if mine_only else "Scored most recently:")


def test_a_reviewer_only_finds_candidates_assigned_to_them(open_page, demo_db, shortlisted):
    reviewer = account(demo_db, "reviewer")
    assigned = demo_db.scalar("""SELECT count(*) FROM assignments JOIN applications USING (application_id)
                                 WHERE reviewer_id = ? AND candidate_id = ?""",
                              [reviewer.account_id, int(shortlisted["candidate_id"])])
    at = _find(open_page(PAGE, "reviewer"), shortlisted["external_id"])
    assert not at.exception
    found = len(at.selectbox) > 0 and len(at.selectbox[0].options) > 0
    assert found == bool(assigned)


def test_a_hiring_lead_records_a_final_decision_and_the_scores_stay(open_page, demo_db, shortlisted):
    at = _find(open_page(PAGE, "hiring_lead"), shortlisted["external_id"])
    application_id = int(at.selectbox[1].value)
    before = demo_db.frame("SELECT * FROM current_scores WHERE application_id = ? ORDER BY ALL", [application_id])
    at.radio(key="final_decision").set_value("hold")
    at.text_area(key="final_reason").input("Client asked to pause the search")
    at.button[0].click().run()
    assert not at.exception
    assert any("Final decision recorded" in s.value for s in at.success)
    stored = demo_db.frame("SELECT decision, reason FROM final_decisions WHERE application_id = ?", [application_id])
    assert stored.iloc[0].tolist() == ["hold", "Client asked to pause the search"]
    after = demo_db.frame("SELECT * FROM current_scores WHERE application_id = ? ORDER BY ALL", [application_id])
    assert after.equals(before)


def test_a_reason_is_required_for_a_final_decision(open_page, demo_db, shortlisted):
    at = _find(open_page(PAGE, "hiring_lead"), shortlisted["external_id"])
    at.button[0].click().run()
    assert any("needs a reason" in e.value for e in at.error)
    assert demo_db.scalar("SELECT count(*) FROM final_decisions") == 0


SKIPPED = "The take-home had no registry or data-versioning part"


def _skip_governance(db, application_id: int) -> int:
    """Every reviewer of the application's take-home left Governance not assessed; returns how many."""
    cards = db.frame("SELECT scorecard_id FROM scorecards WHERE application_id = ? AND stage_id = 3 "
                     "AND status = 'submitted'", [application_id])["scorecard_id"].tolist()
    with db.transaction() as cur:
        cur.execute("UPDATE scores SET rating = NULL, note = '', not_assessed_reason = ? "
                    "WHERE dimension_id = 5 AND scorecard_id IN (SELECT unnest(?::INTEGER[]))", [SKIPPED, cards])
    return len(cards)


def test_a_stage_no_reviewer_rated_on_governance_shows_incomplete_and_no_total(open_page, demo_db, shortlisted):
    application_id = int(shortlisted["application_id"])
    reviewers = _skip_governance(demo_db, application_id)
    at = _find(open_page(PAGE, "hiring_lead"), shortlisted["external_id"])
    at.selectbox(key=f"application_of_{int(shortlisted['candidate_id'])}").set_value(application_id).run()

    assert not at.exception
    assert any("Incomplete: Governance not rated by any reviewer" in w.value for w in at.warning)
    metrics = {m.label: m.value for m in at.metric}
    assert "Weighted score" not in metrics and "On 0-100" not in metrics       # no total anywhere
    assert metrics["Scorecard"] == "incomplete"
    # the only figure left is labelled as re-weighted, and is the rated dimensions' weighted mean
    means = demo_db.frame("""SELECT dimension_id, avg(rating) AS mean FROM current_scores
                             WHERE application_id = ? AND stage_id = 3 GROUP BY 1 ORDER BY 1""", [application_id])
    assert means["dimension_id"].tolist() == [1, 2, 3, 4]
    entered = demo_db.scalar("SELECT entered_on FROM stage_decisions WHERE application_id = ? AND stage_id = 3",
                             [application_id])
    version = demo_db.scalar("SELECT version_id FROM weight_versions WHERE effective_from <= ? "
                             "ORDER BY effective_from DESC LIMIT 1", [entered])
    weights = demo_db.frame("SELECT weight_pct::DOUBLE AS w FROM dimension_weights WHERE version_id = ? "
                            "AND dimension_id < 5 ORDER BY dimension_id", [version])["w"]
    expected = float((means["mean"].to_numpy() * weights.to_numpy()).sum() / weights.sum())
    assert metrics["Re-weighted score"] == f"{expected:.2f} / 5"

    breakdown = at.dataframe[0].value.set_index("Dimension")
    assert breakdown.loc["Governance"].tolist() == ["not assessed"] * reviewers + ["not rated"]
    assert breakdown.columns[-1] == "Consensus"
    skipped = next(d.value for d in at.dataframe if "Reason" in d.value.columns)
    assert skipped["Reason"].tolist() == [SKIPPED] * reviewers and set(skipped["Dimension"]) == {"Governance"}
    shortlist = at.dataframe[-1].value.set_index("Candidate id")
    profile = f"/candidate?q={shortlisted['external_id']}"                 # the id opens the profile
    assert shortlist.loc[profile, "Weighted score"] == "Incomplete: Governance not rated by any reviewer"
    assert shortlist.index[-1] == profile                                  # after every complete scorecard
    assert shortlist.loc[profile, "On 0-100"] == MISSING


# -- blind review on the candidate page ------------------------------------------------------------
# A reviewer asked to score the take-home of an application that went on to the client (as in a
# calibration exercise) sees neither how the take-home was decided, nor the client's decision, nor the
# hiring lead's adjudication, until they submit their own scorecard.

LEAD_REASON = "The client asked for this engineer by name"


@pytest.fixture
def late_item(demo_db, shortlisted):
    """(reviewer, application id): a shortlisted, adjudicated application whose take-home the reviewer
    has just been asked to score."""
    reviewer = account(demo_db, "reviewer")
    application_id = int(demo_db.scalar("""
        SELECT min(d.application_id) FROM stage_decisions AS d
        WHERE d.stage_id = 4 AND d.decision IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM assignments AS x WHERE x.application_id = d.application_id
                          AND x.reviewer_id = ?)""", [reviewer.account_id]))
    scorecards.record_final_decision(demo_db, account(demo_db, "hiring_lead"), application_id, "advance", LEAD_REASON)
    as_of = date.fromisoformat(demo_db.metadata("demo_as_of"))
    demo_db.write(lambda cur: cur.execute("INSERT INTO assignments VALUES (?, 3, ?, ?, ?)",
                                          [application_id, reviewer.account_id, as_of, as_of + timedelta(days=14)]))
    return reviewer, application_id


def _open_as_reviewer(open_page, demo_db, application_id):
    candidate = demo_db.frame("SELECT c.candidate_id, c.external_id FROM applications AS a "
                              "JOIN candidates AS c USING (candidate_id) WHERE a.application_id = ?",
                              [application_id]).iloc[0]
    at = _find(open_page(PAGE, "reviewer"), candidate["external_id"])
    at.selectbox(key=f"application_of_{int(candidate['candidate_id'])}").set_value(application_id).run()
    assert not at.exception
    return at


def _history(at):
    return next(frame.value for frame in at.dataframe if "Decision" in frame.value.columns)


def _all_text(at) -> str:
    parts = [element.value for kind in ("markdown", "caption", "info", "warning", "error", "success", "header")
             for element in getattr(at, kind)]
    parts += [frame.value.to_csv() for frame in at.dataframe]
    parts += [json.dumps(json.loads(chart.proto.spec)) for chart in at.get("plotly_chart")]
    return "\n".join(map(str, parts))


def test_before_submitting_a_reviewer_sees_no_later_outcome_of_the_application(open_page, demo_db, late_item):
    reviewer, application_id = late_item
    at = _open_as_reviewer(open_page, demo_db, application_id)

    history = _history(at)
    assert history["Stage"].tolist() == ["Pipeline and tooling audit", "Production incident interview",
                                         "Take-home assessment"]
    assert history["Decision"].tolist()[-1] == WITHHELD and history["Decided"].tolist()[-1] == MISSING
    assert any("Blind review" in c.value for c in at.caption)
    text = _all_text(at)
    assert "Client shortlist" not in text and LEAD_REASON not in text and "advance" not in text
    assert not [e for e in at.expander if "Adjudicated" in e.label]
    later = demo_db.frame("SELECT decided_on FROM stage_decisions WHERE application_id = ? AND stage_id >= 3",
                          [application_id])["decided_on"]
    assert not [day for day in later if f"{day:%d %b %Y}" in text]


def test_after_submitting_the_reviewer_sees_how_the_application_went_on(open_page, demo_db, late_item):
    reviewer, application_id = late_item
    scorecards.submit(demo_db, reviewer, application_id, 3, {"infrastructure": 3, "deployment": 3, "monitoring": 3,
                                                             "automation": 3, "governance": 3}, {})
    at = _open_as_reviewer(open_page, demo_db, application_id)

    history = _history(at)
    assert history["Stage"].tolist()[-1] == "Client shortlist"
    assert WITHHELD not in history["Decision"].tolist()
    assert LEAD_REASON not in _all_text(at)         # adjudication stays the hiring lead's
