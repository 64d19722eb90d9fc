"""Mapped imports (docs/import-mapping.md): another system's export read through a mapping file.

The mapped rows go through the native import, so these tests check what the mapping adds: each
field read from its source column or a constant, vocabularies (a rating word to 1-5 or to "not
assessed"), dates in the source's format, wide sources unpivoted; problems named by the source
file, row and column; unmapped columns and words refused by name; re-imports that change nothing;
corrections that become audited revisions. The worked Greenhouse mapping of ``data/mappings/``
(Greenhouse applications, then Greenhouse scorecards) are imported and their figures checked by
hand from their sample files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scoring.cli import main
from scoring.importing.files import Source
from scoring.importing.mapping import MappingError, apply_mapping, load_mapping, parse_mapping, preview
from scoring.store import Database

from .conftest import (
    ROOT,
    SAMPLES,
    amended_rating,
    file_text,
    imported_again,
    run_import,
    sample_sources,
    submitted_ratings,
    text_source,
)

MAPPINGS = ROOT / "data" / "mappings"
GREENHOUSE = MAPPINGS / "greenhouse-harvest-scorecards.toml"
GREENHOUSE_SAMPLE = MAPPINGS / "greenhouse" / "scorecards.csv"
GREENHOUSE_APPLICATIONS = MAPPINGS / "greenhouse-harvest-applications.toml"
GREENHOUSE_APPLICATIONS_SAMPLE = MAPPINGS / "greenhouse" / "applications.csv"

#: The two candidates of the Greenhouse samples, keyed by their Greenhouse candidate ids.
CANDIDATES = """candidate_ref,full_name,email,country,seniority,sourced_on
14271904,Lena Fischer,lena.fischer@inbox.example,DE,senior,2026-10-20
14271905,Yusuf Demir,yusuf.demir@inbox.example,TR,senior,2026-10-21
"""
#: The vetting stages the agency recorded for the two Greenhouse applications.
STAGES = """application_ref,stage,entered_on,decided_on,decision
23558552,tooling_audit,2026-10-29,2026-10-30,pass
23558552,incident_interview,2026-11-02,,
23558553,tooling_audit,2026-10-29,2026-10-30,pass
23558553,incident_interview,2026-11-02,,
"""


def source(path: Path) -> Source:
    return Source(path.name, path)


@pytest.fixture
def agency_db(sample_db: Database) -> Database:
    """The sample agency plus the Greenhouse candidates, their applications (mapped from the
    Greenhouse sample) and the stages they entered."""
    assert run_import(sample_db, [text_source("candidates-gh.csv", CANDIDATES)]).ok
    applications = run_import(sample_db, [source(GREENHOUSE_APPLICATIONS_SAMPLE)],
                              mapping=load_mapping(GREENHOUSE_APPLICATIONS))
    assert applications.ok, [str(p) for p in applications.problems]
    result = run_import(sample_db, [text_source("stage_decisions-gh.csv", STAGES)])
    assert result.ok, [str(p) for p in result.problems]
    return sample_db


def greenhouse_text(replace: tuple[str, str] | None = None) -> str:
    return file_text(GREENHOUSE_SAMPLE, replace)


def import_greenhouse(db: Database, text: str | None = None, **options):
    sources = [text_source("scorecards.csv", text or greenhouse_text())]
    return run_import(db, sources, mapping=load_mapping(GREENHOUSE), **options)


def ratings(db: Database) -> dict[tuple[str, str, str], object]:
    """(application, reviewer, dimension) -> rating or the not-assessed reason, of the Greenhouse applications."""
    return submitted_ratings(db, ["23558552", "23558553"])


# -- the worked Greenhouse mappings ------------------------------------------------------------------
def test_the_greenhouse_applications_sample_imports_with_its_dates_and_searches(agency_db):
    frame = agency_db.frame("""
        SELECT a.external_id, c.external_id AS candidate, s.external_id AS search, a.applied_on
        FROM applications AS a JOIN candidates AS c USING (candidate_id) JOIN searches AS s USING (search_id)
        WHERE a.external_id LIKE '2355855%' ORDER BY 1""")
    # data/mappings/greenhouse/applications.csv: applied_at 2026-10-28T09:12:44.000Z and
    # 2026-10-29T16:40:02.318Z; job 4690 is the agency's search SR-0004
    assert frame.astype(str).values.tolist() == [["23558552", "14271904", "SR-0004", "2026-10-28"],
                                                 ["23558553", "14271905", "SR-0004", "2026-10-29"]]
    mapping = load_mapping(GREENHOUSE_APPLICATIONS)
    again = run_import(agency_db, [source(GREENHOUSE_APPLICATIONS_SAMPLE)], mapping=mapping)
    assert again.ok and not again.changed


def test_the_greenhouse_sample_imports_with_the_ratings_its_words_stand_for(agency_db):
    result = import_greenhouse(agency_db)
    assert result.ok, [str(p) for p in result.problems]
    assert result.counts["scores"].inserted == 15
    got = ratings(agency_db)
    # figures read off data/mappings/greenhouse/scorecards.csv through the mapping's vocabularies:
    # definitely_not 1, no 2, mixed 3, yes 4, strong_yes 5, no_decision not assessed
    assert got[("23558552", "priya", "deployment")] == 5
    assert got[("23558552", "priya", "monitoring")] == 3
    assert got[("23558552", "priya", "governance")] == "no decision in Greenhouse"
    assert got[("23558552", "tomasz", "governance")] == 2
    assert got[("23558553", "priya", "deployment")] == 1
    assert got[("23558553", "priya", "governance")] == "no decision in Greenhouse"
    assert len(got) == 15
    rated = [v for v in got.values() if isinstance(v, int)]
    assert (len(rated), sum(rated)) == (13, 4 + 5 + 3 + 4 + 4 + 4 + 4 + 3 + 2 + 2 + 1 + 2 + 3)
    cards = agency_db.frame("""SELECT sc.submitted_at FROM scorecards AS sc
                               JOIN applications AS a USING (application_id) WHERE a.external_id = '23558553'""")
    assert str(cards["submitted_at"].iloc[0]) == "2026-11-05 11:00:00"      # 2026-11-05T11:00:00Z


def test_importing_the_same_export_again_changes_nothing(agency_db):
    again = imported_again(agency_db, lambda: import_greenhouse(agency_db))
    assert again.ok and not again.changed
    assert again.counts["scores"].unchanged == 15


def test_a_corrected_rating_becomes_the_scorecards_next_revision_with_an_audit_entry(agency_db):
    import_greenhouse(agency_db)
    corrected = greenhouse_text(("Tomasz Kowalski,2026-11-04T17:05:00Z,yes,Governance & lineage,Qualifications,no,",
                                 "Tomasz Kowalski,2026-11-04T17:05:00Z,yes,Governance & lineage,Qualifications,mixed,"))
    result = import_greenhouse(agency_db, corrected)
    assert result.ok and result.counts["scores"].updated == 5 and result.counts["scores"].unchanged == 10
    assert ratings(agency_db)[("23558552", "tomasz", "governance")] == 3
    assert amended_rating(agency_db, "governance") == (2, 3)


def test_an_unmapped_rating_word_is_refused_by_name_once_and_nothing_is_written(agency_db):
    before = agency_db.scalar("SELECT count(*) FROM scores")
    row = "Tomasz Kowalski,2026-11-04T17:05:00Z,yes,Pipeline automation,Skills,{},"
    result = import_greenhouse(agency_db, greenhouse_text((row.format("mixed"), row.format("maybe"))))
    assert not result.ok and not result.written
    listed = [str(p) for p in result.problems]
    assert listed == ["scorecards.csv, row 10, attribute.rating: 'maybe' is not in the mapping's vocabulary "
                      "'ratings': add it there with the scores.rating value it stands for"]
    assert result.total_problems == 1
    assert agency_db.scalar("SELECT count(*) FROM scores") == before


def test_rows_the_mapping_skips_are_left_out_and_their_words_are_not_refused(agency_db):
    # the guide's example: an attribute outside the rubric, its rows left out on purpose
    text = GREENHOUSE.read_text().replace('ignore = ["scorecard.id"', 'skip = { column = "attribute.name", words = '
                                          '["Communication"] }\nignore = ["scorecard.id"')
    first = greenhouse_text().splitlines()[1]
    assert first.endswith(",Kubernetes & cloud infrastructure,Skills,yes,")
    extra = first.replace(",Kubernetes & cloud infrastructure,Skills,yes,", ",Communication,Skills,maybe,")
    source = text_source("scorecards.csv", greenhouse_text() + extra + "\n")
    result = run_import(agency_db, [source], mapping=parse_mapping(text))
    assert result.ok, [str(p) for p in result.problems]
    assert result.counts["scores"].inserted == 15


def test_the_audit_log_names_the_files_given_not_the_tables_they_became(agency_db):
    import_greenhouse(agency_db)
    summary = json.loads(agency_db.scalar("SELECT after FROM audit_log WHERE action = 'import' ORDER BY audit_id DESC"))
    assert summary["files"] == ["scorecards.csv"]


def test_a_file_the_mapping_does_not_read_is_refused_and_nothing_is_written(agency_db):
    before = agency_db.data_version()
    result = run_import(agency_db, [text_source("notes.csv", "a\n1\n")], mapping=load_mapping(GREENHOUSE))
    assert not result.ok and not result.written and result.total_problems == 1
    assert "no table of the mapping reads this file" in result.problems[0].reason
    assert agency_db.data_version() == before


def test_an_unmapped_source_column_is_refused_by_name(agency_db):
    text = greenhouse_text()
    lines = text.splitlines()
    widened = "\n".join([lines[0] + ",scorecard.url"] + [line + ",https://example.invalid" for line in lines[1:]])
    result = import_greenhouse(agency_db, widened)
    assert not result.ok
    problem = result.problems[0]
    assert (problem.file, problem.row, problem.column) == ("scorecards.csv", 1, "scorecard.url")
    assert "is not mapped" in problem.reason and "ignore" in problem.reason


def test_the_imports_own_checks_are_named_by_source_file_row_and_column(agency_db):
    # an application the agency does not hold, and a 5 without a note: the native checks, reported
    # against the Greenhouse file's rows and columns
    text = greenhouse_text(("91003,23558553,", "91003,99999999,"))
    text = text.replace("Priya Raman,2026-11-04T15:30:00Z,yes,Pipeline automation,Skills,yes,",
                        "Priya Raman,2026-11-04T15:30:00Z,yes,Pipeline automation,Skills,strong_yes,")
    result = import_greenhouse(agency_db, text)
    assert not result.ok and not result.written
    places = {(p.file, p.row, p.column) for p in result.problems}
    assert ("scorecards.csv", 12, "application_id") in places
    assert ("scorecards.csv", 5, "attribute.note") in places
    assert all(p.file == "scorecards.csv" for p in result.problems)


def test_the_command_line_imports_through_a_mapping(tmp_path, capsys):
    (tmp_path / "candidates-gh.csv").write_text(CANDIDATES)
    (tmp_path / "stage_decisions-gh.csv").write_text(STAGES)
    db = tmp_path / "agency.duckdb"
    assert main(["import", str(SAMPLES), str(tmp_path / "candidates-gh.csv"), "--db", str(db)]) == 0
    assert main(["import", "--mapping", str(GREENHOUSE_APPLICATIONS), str(GREENHOUSE_APPLICATIONS_SAMPLE),
                 "--db", str(db)]) == 0
    assert main(["import", str(tmp_path / "stage_decisions-gh.csv"), "--db", str(db)]) == 0
    assert main(["import", "--mapping", str(GREENHOUSE), str(GREENHOUSE_SAMPLE), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "scores (mapped from" in out and "scores: 15 new" in out
    broken = tmp_path / "broken.toml"
    broken.write_text(GREENHOUSE.read_text().replace('note = "attribute.note"', 'notes = "attribute.note"'))
    assert main(["import", "--mapping", str(broken), str(GREENHOUSE_SAMPLE), "--db", str(db)]) == 1
    assert "no field 'notes'" in capsys.readouterr().err


def test_the_command_line_imports_through_a_mapping_saved_on_the_import_page(tmp_path, capsys):
    from scoring.store.accounts import account_for_email, create_operator_account
    from scoring.store.import_mappings import save_mapping

    (tmp_path / "candidates-gh.csv").write_text(CANDIDATES)
    db = tmp_path / "agency.duckdb"
    assert main(["import", str(SAMPLES), str(tmp_path / "candidates-gh.csv"), "--db", str(db)]) == 0
    with Database(db) as handle:
        create_operator_account(handle, email="ada@agency.example", display_name="Ada Admin", role="admin",
                                password="a long enough password")
        save_mapping(handle, account_for_email(handle, "ada@agency.example"), "Monthly Greenhouse applications",
                     GREENHOUSE_APPLICATIONS.read_text())
    capsys.readouterr()

    assert main(["import", "--mapping", " monthly greenhouse APPLICATIONS ", str(GREENHOUSE_APPLICATIONS_SAMPLE),
                 "--db", str(db)]) == 0
    assert "applications (mapped from" in capsys.readouterr().out
    assert main(["import", "--mapping", "Weekly Lever", str(GREENHOUSE_APPLICATIONS_SAMPLE), "--db", str(db)]) == 1
    assert ("no file or saved mapping is called 'Weekly Lever'; the saved ones are: Monthly Greenhouse applications"
            in capsys.readouterr().err)


# -- wide sources, constants, dates --------------------------------------------------------------------
WIDE = """
name = "a spreadsheet with one column per dimension"

[vocabularies.levels]
"1 - Poor" = 1
"2 - Below" = 2
"3 - Meets" = 3
"4 - Exceeds" = 4
"5 - Outstanding" = 5
"No decision" = "not assessed"

[tables.scores]
file = "panel*.csv"
ignore = ["Candidate"]

[tables.scores.fields]
application_ref = "App"
stage = { value = "take_home" }
reviewer_email = "Reviewer"
rating = { values = "levels" }
note = "Comments"
submitted_at = { column = "Date", format = "%d/%m/%Y %H:%M" }

[tables.scores.wide]
field = "dimension"
value = "rating"

[tables.scores.wide.columns]
Infra = "infrastructure"
Deploy = "deployment"
Monitor = "monitoring"
Automate = "automation"
Govern = "governance"
"""
PANEL = """App,Candidate,Reviewer,Date,Infra,Deploy,Monitor,Automate,Govern,Comments
AP-0011,Someone,ana.oliveira@agency.example,09/11/2026 14:00,4 - Exceeds,3 - Meets,,3 - Meets,No decision,
"""


def test_a_wide_source_becomes_one_row_per_rated_dimension():
    mapped = apply_mapping(parse_mapping(WIDE), [text_source("panel-nov.csv", PANEL)])
    assert mapped.ok, mapped.problems
    frame = preview(mapped)["scores"]
    assert frame["dimension"].tolist() == ["infrastructure", "deployment", "automation", "governance"]
    assert frame["rating"].tolist() == ["4", "3", "3", ""]
    assert frame["not_assessed_reason"].tolist()[-1] == "the source's rating was 'No decision'"
    assert set(frame["submitted_at"]) == {"2026-11-09 14:00:00"} and set(frame["stage"]) == {"take_home"}
    assert set(frame["source row"]) == {2}


def test_a_date_not_in_the_declared_format_is_refused_with_the_format():
    mapped = apply_mapping(parse_mapping(WIDE), [text_source("panel.csv", PANEL.replace("09/11/2026 14:00",
                                                                                        "2026-11-09"))])
    assert [str(p) for p in mapped.problems] == [
        "panel.csv, row 2, Date: '2026-11-09' is not a timestamp written as the mapping says ('%d/%m/%Y %H:%M')"]


def test_a_file_no_table_reads_is_refused():
    mapped = apply_mapping(parse_mapping(WIDE), [text_source("people.csv", "a,b\n1,2\n")])
    assert "no table of the mapping reads this file" in str(mapped.problems[0])


@pytest.mark.parametrize(("edit", "fault"), [
    (('reviewer_email = "Reviewer"\n', ""), "required field 'reviewer_email' is not mapped"),
    (('note = "Comments"', 'notes = "Comments"'), "no field 'notes'"),
    (('"3 - Meets" = 3', '"3 - Meets" = 7'), "'3 - meets' maps to '7', but scores.rating takes a rating from 1 to 5"),
    (('stage = { value = "take_home" }', 'stage = { column = "Stage", value = "take_home" }'), "not both"),
    (("[tables.scores]", "[tables.score]"), "no such table"),
    (('rating = { values = "levels" }', 'rating = { values = "grades" }'), "no vocabulary 'grades'"),
])
def test_a_mapping_that_cannot_be_used_is_refused_naming_each_fault(edit, fault):
    with pytest.raises(MappingError) as refused:
        parse_mapping(WIDE.replace(*edit), "wide.toml")
    assert any(fault in error for error in refused.value.errors), refused.value.errors


def test_every_worked_mapping_reads_and_names_its_public_documentation():
    worked = sorted(MAPPINGS.glob("*.toml"))
    assert worked
    for path in worked:
        mapping = load_mapping(path)
        assert mapping.documentation.startswith("https://"), path.name


def test_native_samples_still_import_unchanged(empty_db):
    assert run_import(empty_db, sample_sources()).ok


def test_a_parquet_source_with_typed_columns_maps_like_its_text(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "panel.parquet"
    pq.write_table(pa.table({"App": ["AP-0011"], "Candidate": ["Someone"], "Reviewer": ["ana.oliveira@agency.example"],
                             "Date": ["09/11/2026 14:00"], "Infra": ["4 - Exceeds"], "Deploy": [None],
                             "Monitor": [None], "Automate": [None], "Govern": [None], "Comments": [None]}), path)
    mapped = apply_mapping(parse_mapping(WIDE.replace('"panel*.csv"', '"panel*"')), [source(path)])
    assert mapped.ok, mapped.problems
    assert preview(mapped)["scores"][["dimension", "rating"]].values.tolist() == [["infrastructure", "4"]]


def test_a_time_with_an_offset_is_converted_to_utc():
    mapping = parse_mapping(WIDE.replace('format = "%d/%m/%Y %H:%M"', 'format = "%Y-%m-%dT%H:%M:%S%z"'))
    mapped = apply_mapping(mapping, [text_source("panel.csv", PANEL.replace("09/11/2026 14:00",
                                                                            "2026-11-09T14:00:00+05:30"))])
    assert set(preview(mapped)["scores"]["submitted_at"]) == {"2026-11-09 08:30:00"}
