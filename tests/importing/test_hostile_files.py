"""Files made to break the import, or a terminal, get a clear problem each and write nothing (issue 18).

A CSV whose lines end with a carriage return alone used to stop the import with Python's own
``_csv.Error``; a 10 MB client name, a 20,000-character note and a key with a zero-width space in it
used to be stored. Now each is a problem with its file, row, column and reason (the limits are
:data:`scoring.agency.text.MAX_CHARS`), text is taken in Unicode normal form C so two spellings of one
key are one key, and ``scorecard import`` prints what came from the files with control characters
escaped, so an escape sequence in a cell cannot recolour or clear the operator's terminal.
"""

from __future__ import annotations

import pandas as pd
import pytest

from scoring.agency.text import MAX_CHARS
from scoring.cli import main
from scoring.importing.files import Source
from tests.importing.conftest import db_fingerprints, run_import, sample_frame, sample_sources

HEADER = "client_ref,name,country,signed_on,churned_on"


def clients_file(*rows: str, ending: str = "\n") -> Source:
    return Source("clients.csv", data=ending.join([HEADER, *rows, ""]).encode())


def with_clients(frame: pd.DataFrame) -> list[Source]:
    """The sample file set with its clients file replaced by ``frame``."""
    return sample_sources(without=("clients.csv",)) + [
        Source("clients.csv", data=frame.to_csv(index=False).encode())]


def problems(result) -> list[tuple[str, int | None, str, str]]:
    return [(p.file, p.row, p.column, p.reason) for p in result.problems]


# -- line endings ------------------------------------------------------------------------------------

def test_a_csv_whose_lines_end_with_a_carriage_return_alone_is_a_clear_problem(empty_db):
    before = db_fingerprints(empty_db)
    source = clients_file("CL-0001,Blue Harbor Analytics,US,2025-01-13,", ending="\r")

    result = run_import(empty_db, [source])

    [(file, row, column, reason)] = problems(result)
    assert (file, row, column) == ("clients.csv", None, "")
    assert reason.startswith("its lines end with a carriage return alone (the old Mac OS format)")
    assert "with Windows (CR LF) or Unix (LF) line endings" in reason
    assert db_fingerprints(empty_db) == before


def test_a_carriage_return_inside_the_header_is_a_clear_problem(empty_db):
    source = Source("clients.csv", data=b"client_ref,name\r,country,signed_on,churned_on\nCL-1,A,US,2025-01-13,\n")

    result = run_import(empty_db, [source])

    [(file, row, column, reason)] = problems(result)
    assert file == "clients.csv" and reason.startswith("its header row cannot be split into cells")
    assert "universal-newline" not in reason


def test_windows_and_unix_line_endings_are_both_read(empty_db):
    for ending in ("\r\n", "\n"):
        result = run_import(empty_db, [clients_file("CL-0001,Blue Harbor Analytics,US,2025-01-13,",
                                                    ending=ending)], check_only=True)
        assert result.ok, problems(result)


# -- lengths -----------------------------------------------------------------------------------------

def test_a_ten_megabyte_client_name_is_refused_naming_file_row_column_and_limit(empty_db):
    clients = sample_frame("clients")
    clients.loc[1, "name"] = "Acme" * 2_500_000              # 10,000,000 characters
    before = db_fingerprints(empty_db)

    result = run_import(empty_db, with_clients(clients))

    assert problems(result) == [("clients.csv", 3, "name", "is 10,000,000 characters long; a name or title may "
                                                           "have at most 200")]
    assert db_fingerprints(empty_db) == before


@pytest.mark.parametrize("table, column, kind", [
    ("clients", "client_ref", "key"), ("clients", "name", "name"), ("searches", "role_title", "name"),
    ("candidates", "full_name", "name"), ("candidates", "email", "email"), ("reviewers", "display_name", "name"),
    ("scores", "note", "text"), ("replacements", "cost_reason", "text"), ("tooling_evidence", "evidence", "text"),
])
def test_each_text_column_holds_up_to_its_limit_and_no_more(empty_db, table, column, kind):
    limit = MAX_CHARS[kind]
    frame = sample_frame(table)
    at_limit, over = frame.copy(), frame.copy()
    filler = "x" * limit
    if kind == "email":
        filler = "x" * (limit - len("@mail.example")) + "@mail.example"
    at_limit.loc[0, column] = filler
    over.loc[0, column] = "y" + filler
    if column == "cost_reason":
        at_limit.loc[0, "cost_usd"] = over.loc[0, "cost_usd"] = "10"

    def sources(frame: pd.DataFrame) -> list[Source]:
        return sample_sources(without=(f"{table}.csv",)) + [
            Source(f"{table}.csv", data=frame.to_csv(index=False).encode())]

    fine = run_import(empty_db, sources(at_limit), check_only=True)
    refused = run_import(empty_db, sources(over), check_only=True)

    assert [p for p in fine.problems if (p.file, p.column) == (f"{table}.csv", column)] == []
    words = {"key": "an external id", "name": "a name or title", "email": "an e-mail address",
             "text": "a note, reason or evidence"}[kind]
    assert (f"{table}.csv", 2, column, f"is {limit + 1:,} characters long; {words} may have at most {limit:,}") \
        in problems(refused)


# -- keys that look alike --------------------------------------------------------------------------

@pytest.mark.parametrize("character, named", [
    ("\u200b", "U+200B ZERO WIDTH SPACE"), ("\ufeff", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
    ("\u202e", "U+202E RIGHT-TO-LEFT OVERRIDE"), ("\x1b", "U+001B"),
])
def test_a_key_with_an_invisible_character_is_refused_so_a_look_alike_never_becomes_a_second_row(
        sample_db, character, named):
    clients = sample_frame("clients")
    clients.loc[len(clients)] = [f"CL-{character}0001", "Blue Harbor Analytics (again)", "US", "2025-01-13", ""]
    before = db_fingerprints(sample_db)

    result = run_import(sample_db, with_clients(clients))

    row = len(clients) + 1
    assert problems(result) == [("clients.csv", row, "client_ref", f"holds an invisible character, {named}, at "
                                 "character 4; keys and e-mail addresses must be visible text, so that two that "
                                 "look the same are the same; remove it")]
    assert db_fingerprints(sample_db) == before


def test_an_email_with_a_zero_width_space_is_refused_in_every_email_column(empty_db):
    reviewers = sample_frame("reviewers")
    reviewers.loc[0, "email"] = "priya\u200b.raman@agency.example"
    candidates = sample_frame("candidates")
    candidates.loc[2, "email"] = "olena.bondarenko@mail.example\u200d"
    sources = sample_sources(without=("reviewers.csv", "candidates.csv")) + [
        Source("reviewers.csv", data=reviewers.to_csv(index=False).encode()),
        Source("candidates.csv", data=candidates.to_csv(index=False).encode())]

    result = run_import(empty_db, sources, check_only=True)

    found = {(p.file, p.row, p.column): p.reason for p in result.problems}
    assert found[("reviewers.csv", 2, "email")].startswith("holds an invisible character, U+200B ZERO WIDTH SPACE, "
                                                           "at character 6")
    assert found[("candidates.csv", 4, "email")].startswith("holds an invisible character, U+200D ZERO WIDTH "
                                                            "JOINER, at character 30")


def test_invisible_characters_are_allowed_in_names_and_notes(empty_db):
    clients = sample_frame("clients")
    clients.loc[0, "name"] = "Blue\u200bHarbor \u05d3\u05e0\u05d4\u200f Analytics"
    result = run_import(empty_db, with_clients(clients), check_only=True)
    assert result.ok, problems(result)


# -- one normal form -------------------------------------------------------------------------------

def test_two_spellings_of_one_key_are_one_row_stored_in_normal_form_c(empty_db):
    decomposed = clients_file("CL-Jose\u0301,Cafe\u0301 Analytics,US,2025-01-13,")
    composed = clients_file("CL-Jos\u00e9,Caf\u00e9 Analytics,US,2025-01-13,")

    assert run_import(empty_db, [decomposed]).ok
    again = run_import(empty_db, [composed])

    assert again.ok and not again.changed, "the composed spelling is the row already stored"
    stored = empty_db.frame("SELECT external_id, name FROM clients")
    assert stored.to_dict("records") == [{"external_id": "CL-Jos\u00e9", "name": "Caf\u00e9 Analytics"}]


# -- the terminal ----------------------------------------------------------------------------------

def test_scorecard_import_escapes_an_escape_sequence_from_a_file(tmp_path, capsys):
    planted = tmp_path / "clients.csv"
    planted.write_text(f"{HEADER}\nCL-0001,Blue Harbor Analytics,\x1b[2J\x1b[31mXX,2025-01-13,\n")
    odd_name = tmp_path / "clients-\x1b[1mbold.csv"
    odd_name.write_text(f"{HEADER}\nCL-0002,Cedar Robotics,US,2025-03-03,\n")

    assert main(["import", str(planted), str(odd_name), "--db", str(tmp_path / "new.duckdb"), "--check"]) == 1

    out = capsys.readouterr().out
    assert "\x1b" not in out, "no escape character reaches the terminal"
    assert "clients.csv, row 2, country: '\\x1b[2J\\x1b[31MXX' is not an ISO 3166-1 country code" in out
    assert "clients-\\x1b[1mbold.csv: clients, 1 rows" in out
