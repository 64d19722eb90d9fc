"""The worked Lever mapping (data/mappings/lever-feedback-scorecards.toml), and the Unix times it needs.

Lever's Data API documents a feedback form's scorecard as skills rated on a four-point thumbs scale
(an integer 1-4, null when no score is selected) and its times as milliseconds since 1970 UTC
(https://hire.lever.co/developer/documentation). The sample, data/mappings/lever/feedback.csv, is
imported into the sample agency after the two Lever opportunities it scores, and every figure below
is read off the sample through the mapping's vocabularies: thumbs 1, 2, 3, 4 are ratings 1, 2, 4, 5,
and an empty score is not assessed.
"""

from __future__ import annotations

import pytest

from scoring.importing.mapping import MappingError, apply_mapping, load_mapping, parse_mapping, preview
from scoring.store import Database

from .conftest import ROOT, amended_rating, file_text, imported_again, run_import, submitted_ratings, text_source

LEVER = ROOT / "data" / "mappings" / "lever-feedback-scorecards.toml"
LEVER_SAMPLE = ROOT / "data" / "mappings" / "lever" / "feedback.csv"
FIRST, SECOND = "6a1d8f2e-3b4c-4d5e-8f90-1a2b3c4d5e6f", "9c8b7a65-4d3e-4f2a-9b1c-0d9e8f7a6b5c"

#: The two candidates the Lever opportunities are about, and the opportunities as the agency's
#: applications (keyed by their Lever opportunity ids), in the import format.
CANDIDATES = """candidate_ref,full_name,email,country,seniority,sourced_on
LV-0001,Noor Haddad,noor.haddad@inbox.example,JO,senior,2026-10-22
LV-0002,Elias Berg,elias.berg@inbox.example,SE,senior,2026-10-23
"""
APPLICATIONS = f"""application_ref,candidate_ref,search_ref,applied_on
{FIRST},LV-0001,SR-0004,2026-10-27
{SECOND},LV-0002,SR-0004,2026-10-28
"""
STAGES = f"""application_ref,stage,entered_on,decided_on,decision
{FIRST},tooling_audit,2026-10-29,2026-10-30,pass
{FIRST},incident_interview,2026-11-02,,
{SECOND},tooling_audit,2026-10-29,2026-10-30,pass
{SECOND},incident_interview,2026-11-02,,
"""


@pytest.fixture
def agency_db(sample_db: Database) -> Database:
    """The sample agency plus the Lever candidates, their opportunities and the stages they entered."""
    result = run_import(sample_db, [text_source("candidates-lever.csv", CANDIDATES),
                                    text_source("applications-lever.csv", APPLICATIONS),
                                    text_source("stage_decisions-lever.csv", STAGES)])
    assert result.ok, [str(p) for p in result.problems]
    return sample_db


def sample_text(replace: tuple[str, str] | None = None) -> str:
    return file_text(LEVER_SAMPLE, replace)


def import_lever(db: Database, text: str | None = None):
    return run_import(db, [text_source("feedback.csv", text or sample_text())], mapping=load_mapping(LEVER))


def ratings(db: Database) -> dict[tuple[str, str, str], object]:
    """(opportunity, reviewer, dimension) -> rating or the not-assessed reason, of submitted scorecards; an
    opportunity by the first two characters of its id."""
    return {(opportunity[:2], reviewer, dimension): rating
            for (opportunity, reviewer, dimension), rating in submitted_ratings(db, [FIRST, SECOND]).items()}


def test_the_lever_sample_imports_with_the_ratings_its_thumbs_stand_for(agency_db):
    result = import_lever(agency_db)

    assert result.ok, [str(p) for p in result.problems]
    assert result.counts["scores"].inserted == 15
    got = ratings(agency_db)
    # data/mappings/lever/feedback.csv through the mapping's thumbs: 1 -> 1, 2 -> 2, 3 -> 4, 4 -> 5, empty ->
    # not assessed (rows 3, 6, 11 and 13 of the file)
    assert got[("6a", "ana", "deployment")] == 5
    assert got[("6a", "ana", "governance")] == "no score selected in Lever"
    assert got[("6a", "tomasz", "governance")] == 1
    assert got[("9c", "ana", "deployment")] == 1
    assert len(got) == 15
    rated = [v for v in got.values() if isinstance(v, int)]
    assert (len(rated), sum(rated)) == (14, (4 + 5 + 2 + 4) + (4 + 4 + 4 + 2 + 1) + (2 + 1 + 2 + 4 + 2))
    submitted = agency_db.frame("""
        SELECT acc.email, sc.submitted_at FROM scorecards AS sc JOIN applications AS a USING (application_id)
        JOIN accounts AS acc ON acc.account_id = sc.reviewer_id WHERE a.external_id = ? ORDER BY 2""", [FIRST])
    # completedAt 1793892000123 and 1793900730123 ms: 2026-11-05 15:20:00.123 and 17:45:30.123 UTC
    assert submitted["submitted_at"].astype(str).tolist() == ["2026-11-05 15:20:00", "2026-11-05 17:45:30"]


def test_importing_the_same_lever_export_again_changes_nothing(agency_db):
    again = imported_again(agency_db, lambda: import_lever(agency_db))
    assert again.ok and not again.changed and again.counts["scores"].unchanged == 15


def test_a_corrected_thumb_becomes_the_scorecards_next_revision_with_an_audit_entry(agency_db):
    import_lever(agency_db)
    row = "1793900730123,3 - Hire,Skills assessment,Pipeline automation,{},"
    result = import_lever(agency_db, sample_text((row.format(2), row.format(3))))
    assert result.ok and result.counts["scores"].updated == 5
    assert ratings(agency_db)[("6a", "tomasz", "automation")] == 4
    assert amended_rating(agency_db, "automation") == (2, 4)


def test_a_thumb_outside_lever_scale_is_refused_by_name_and_nothing_is_written(agency_db):
    before = agency_db.scalar("SELECT count(*) FROM scores")
    row = "1793959500123,2 - No Hire,Skills assessment,Monitoring and observability,{},"
    result = import_lever(agency_db, sample_text((row.format(2), row.format(5))))
    assert not result.ok and not result.written
    assert [str(p) for p in result.problems] == [
        "feedback.csv, row 14, value.score: '5' is not in the mapping's vocabulary 'thumbs': add it there with the "
        "scores.rating value it stands for"]
    assert agency_db.scalar("SELECT count(*) FROM scores") == before


def test_a_time_not_in_unix_milliseconds_is_refused_naming_the_format():
    mapped = apply_mapping(load_mapping(LEVER), [text_source("feedback.csv", sample_text(
        ("1793959500123", "2026-11-06T10:05:00Z")))])
    assert {str(p) for p in mapped.problems} == {
        f"feedback.csv, row {row}, completedAt: '2026-11-06T10:05:00Z' is not a timestamp written as the mapping "
        "says ('unix-milliseconds')" for row in range(12, 17)}


@pytest.mark.parametrize(("unit", "expected"), [
    ("unix-seconds", "2026-11-05 15:20:00"),          # 1,793,892,000 s after 1970-01-01 00:00 UTC
    ("unix-milliseconds", "1970-01-21 18:18:12"),     # the same count read as milliseconds
])
def test_the_unix_unit_says_how_a_count_is_read(unit, expected):
    text = LEVER.read_text().replace('format = "unix-milliseconds"', f'format = "{unit}"')
    source = sample_text(("1793892000123", "1793892000"))
    frame = preview(apply_mapping(parse_mapping(text), [text_source("feedback.csv", source)]))["scores"]
    assert frame["submitted_at"].iloc[0] == expected


def test_an_unknown_unix_unit_is_refused_when_the_mapping_is_read():
    with pytest.raises(MappingError, match="no format 'unix-nanoseconds'"):
        parse_mapping(LEVER.read_text().replace('"unix-milliseconds"', '"unix-nanoseconds"'))


def test_without_the_empty_word_an_empty_thumb_is_left_to_the_imports_own_check(agency_db):
    text = LEVER.read_text().replace('"" = "not assessed"\n', "")
    result = run_import(agency_db, [text_source("feedback.csv", sample_text())], mapping=parse_mapping(text))
    assert not result.ok
    assert {(p.file, p.row, p.column) for p in result.problems} == {("feedback.csv", 6, "value.score")}


def test_a_strongest_thumb_without_a_comment_is_refused_against_the_comment_cell(agency_db):
    # thumb 4 is rating 5, which the rubric accepts only with the evidence written down
    row = "1793892000123,3 - Hire,Skills assessment,Pipeline automation,{},"
    result = import_lever(agency_db, sample_text((row.format(3), row.format(4))))
    assert not result.ok and not result.written
    assert ("feedback.csv", 5, "value.comment") in {(p.file, p.row, p.column) for p in result.problems}
