"""``self_identification.csv``: optional, imported into its own table, with clear refusals and no trace
of it in the candidates' table."""

from __future__ import annotations

import pandas as pd

from scoring.importing.files import Source
from tests.importing.conftest import run_import, sample_frame, sample_sources


def _with(frame: pd.DataFrame) -> list[Source]:
    return sample_sources(without=("self_identification.csv",)) + [
        Source("self_identification.csv", data=frame.to_csv(index=False).encode())]


def test_the_sample_answers_land_in_their_own_table(empty_db):
    result = run_import(empty_db, sample_sources())
    assert result.ok, result.problems
    assert result.counts["self_identification"].inserted == 10
    stored = empty_db.frame("""SELECT c.external_id, si.sex, si.race_ethnicity FROM self_identification AS si
                               JOIN candidates AS c USING (candidate_id) ORDER BY 1""")
    assert stored.iloc[1].tolist() == ["CA-0002", "male", "hispanic_latino"]
    assert not {"sex", "race_ethnicity"} & set(empty_db.frame("SELECT * FROM candidates LIMIT 1").columns)


def test_the_file_is_optional(empty_db):
    result = run_import(empty_db, sample_sources(without=("self_identification.csv",)))
    assert result.ok, result.problems
    assert empty_db.scalar("SELECT count(*) FROM self_identification") == 0


def test_an_unknown_category_or_candidate_is_refused_by_row_and_column_and_nothing_is_written(empty_db):
    answers = sample_frame("self_identification")
    answers.loc[0, "sex"] = "woman"
    answers.loc[1, "candidate_ref"] = "CA-9999"
    result = run_import(empty_db, _with(answers))
    assert not result.ok
    where = {(p.file, p.row, p.column) for p in result.problems}
    assert ("self_identification.csv", 2, "sex") in where
    assert ("self_identification.csv", 3, "candidate_ref") in where
    assert empty_db.scalar("SELECT count(*) FROM candidates") == 0


def test_a_corrected_answer_updates_the_row(empty_db):
    assert run_import(empty_db, sample_sources()).ok
    answers = sample_frame("self_identification")
    answers.loc[0, "race_ethnicity"] = "two_or_more"
    again = run_import(empty_db, _with(answers))
    assert again.ok and again.counts["self_identification"].updated == 1
    assert empty_db.scalar("""SELECT si.race_ethnicity FROM self_identification AS si
                              JOIN candidates AS c USING (candidate_id) WHERE c.external_id = 'CA-0001'""") == \
        "two_or_more"
