"""The candidate radar tells its traces apart and reads on a 0-5 scale (issue 15, point 1)."""

from __future__ import annotations

import json

import pandas as pd

from ui import charts
from ui.text import chart_text

LABELS = {"infrastructure": "Infrastructure", "deployment": "Model Deployment", "monitoring": "Monitoring",
          "automation": "Automation", "governance": "Governance"}
SAME = pd.Series({"infrastructure": 4, "deployment": 3, "monitoring": 4, "automation": 3, "governance": 5})
CONSENSUS, MEDIAN = "Consensus", "Median candidate at this stage"


def profile(notes: dict[str, pd.Series] | None = None) -> dict:
    """A lone reviewer whose ratings are the consensus, and the median: the case where traces hid."""
    series = {"Rhea Reviewer": SAME, CONSENSUS: SAME.astype(float),
              MEDIAN: pd.Series({"infrastructure": 3.0, "deployment": 3.5, "monitoring": 3.0})}
    figure = charts.radar(series, LABELS, "Ratings", consensus=CONSENSUS, median=MEDIAN, notes=notes)
    return json.loads(figure.to_json())


def traces(spec: dict) -> dict[str, dict]:
    return {trace["name"]: trace for trace in spec["data"]}


def test_a_reviewer_equal_to_the_consensus_is_still_drawn_apart_from_it():
    drawn = traces(profile())
    consensus, reviewer = drawn[CONSENSUS], drawn["Rhea Reviewer"]
    assert consensus["line"]["width"] > reviewer["line"]["width"]
    assert consensus["line"].get("dash", "solid") == "solid" and reviewer["line"]["dash"] in charts.REVIEWER_DASHES
    assert "markers" in reviewer["mode"] and reviewer["marker"]["symbol"] in charts.REVIEWER_MARKERS
    assert reviewer["line"]["color"] != consensus["line"]["color"]
    # The reviewer is drawn after (on top of) the consensus; the legend still lists the consensus first.
    names = [trace["name"] for trace in profile()["data"]]
    assert names.index("Rhea Reviewer") > names.index(CONSENSUS)
    assert consensus["legendrank"] < reviewer["legendrank"] < drawn[MEDIAN]["legendrank"]


def test_several_reviewers_each_get_their_own_colour_dash_and_marker():
    series = {f"Reviewer {i}": SAME for i in range(4)} | {CONSENSUS: SAME}
    drawn = [t for t in json.loads(charts.radar(series, LABELS, "t", consensus=CONSENSUS).to_json())["data"]
             if t["name"] != CONSENSUS]
    for key in (("line", "color"), ("line", "dash"), ("marker", "symbol")):
        assert len({trace[key[0]][key[1]] for trace in drawn}) == 4, key


def test_the_median_is_grey_dashed_without_fill_or_markers():
    median = traces(profile())[MEDIAN]
    assert median["line"] == {"color": charts.MEDIAN_COLOUR, "width": 2, "dash": "dash"}
    assert median["mode"] == "lines" and median.get("fill", "none") == "none"


def test_the_scale_runs_from_0_to_5_with_ticks_1_to_5_between_the_spokes():
    polar = profile()["layout"]["polar"]
    assert polar["radialaxis"]["range"] == [0, 5]
    assert polar["radialaxis"]["tickvals"] == [1, 2, 3, 4, 5]
    assert polar["radialaxis"]["angle"] % 72 != 90 % 72            # not along a spoke, where ratings sit


def test_the_hover_shows_the_rating_and_the_reviewers_note_escaped():
    note = "Used <b>Helm</b> & Argo CD for the rollout, with a canary stage and an automatic rollback on errors"
    drawn = traces(profile({"Rhea Reviewer": pd.Series({"deployment": note})}))
    reviewer = drawn["Rhea Reviewer"]
    assert "%{customdata[0]}" in reviewer["hovertemplate"] and "%{customdata[1]}" in reviewer["hovertemplate"]
    rating, said = reviewer["customdata"][1]                      # Model Deployment
    assert rating == "3 / 5"
    assert said.startswith("<br>Note: ") and "<b>" not in said and chart_text("<b>Helm</b>") in said
    assert said.count("<br>") >= 2                                # a long note is wrapped
    assert reviewer["customdata"][0] == ["4 / 5", ""]             # no note, no "Note:" line
    assert drawn[CONSENSUS]["customdata"][0] == ["4 / 5", ""]
    assert drawn[MEDIAN]["customdata"][1] == ["3.50 / 5", ""]


def test_a_missing_rating_leaves_a_gap_not_a_zero():
    median = traces(profile())[MEDIAN]
    assert median["r"][3] is None and median["r"][4] is None
    assert median["customdata"][3][0] == "not rated"


def test_the_shortlist_comparison_draws_every_candidate_solid_and_apart():
    series = {"Ada": SAME, "Bo": SAME + 0.5, "Cy": SAME - 1}
    drawn = json.loads(charts.radar(series, LABELS, "Shortlisted").to_json())["data"]
    assert [t["name"] for t in drawn] == ["Ada", "Bo", "Cy"]
    assert {t["line"]["dash"] for t in drawn} == {"solid"}
    assert len({t["line"]["color"] for t in drawn}) == 3
