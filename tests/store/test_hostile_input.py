"""Hostile text through every text field: stored exactly, read back unchanged, never run as SQL.

Reasons and display names are trimmed of surrounding whitespace by design (the store calls
``str.strip`` on them); everything between the ends is kept byte for byte. Notes and tooling
evidence are kept exactly as given. The one character refused is NUL (U+0000), which PostgreSQL
cannot store: every field refuses it, naming itself, on both backends, and nothing is written.
"""

from __future__ import annotations

import json
import re

import duckdb
import pytest

from scoring.store import DatabaseError, accounts, candidates, scorecards, tooling_audit
from scoring.store.db import next_id

LONG = ("O'Brien said \"100%_done\"; DROP TABLE scores; -- \u202e\U0001F680\t" * 250)[:10_000]
HOSTILE = {
    "single quote": "'",
    "double quote": '"',
    "both quotes": "it's a \"quoted\" 'note'",
    "drop table": "'; DROP TABLE scores; --",
    "delete audit": "Robert'); DELETE FROM audit_log;--",
    "ten thousand characters": LONG,
    "control characters": "\x07\x1b[31m\r\n\t",
    "rtl override": "\u202eevil.exe\u202c",
    "emoji": "\U0001F680 shipped \U0001F469\u200D\U0001F4BB with \U0001F525",
    "percent": "%",
    "underscore": "_",
    "wildcards": "%_%",
    "backslashes": "C:\\models\\%v1_\\",
    "json-looking": '{"after": null, "actor_id": 1}',
}
CASES = [pytest.param(value, id=name) for name, value in HOSTILE.items()]
RATINGS = {"infrastructure": 3, "deployment": 3, "monitoring": 5, "automation": 3, "governance": 3}


def notes_of(text: str) -> dict[str, str]:
    return {code: text for code in RATINGS}


def scored_work(agency, how_many: int):
    work = [w for r in agency.reviewers() for w in agency.open_work(r)]
    assert len(work) >= how_many
    return work[:how_many]


def literal_matches(db, text: str) -> set[int]:
    """Candidates containing ``text`` literally (case-insensitive) in name or email, or with that id."""
    needle = text.strip()
    if not needle:
        return set()
    found = db.frame("""SELECT candidate_id FROM candidates
                        WHERE contains(lower(full_name), lower(?)) OR contains(lower(email), lower(?))
                           OR upper(external_id) = upper(?) OR candidate_id = ?""",
                     [needle, needle, needle, int(needle) if needle.isdigit() else -1])
    return set(found["candidate_id"])


def insert_candidate(cur, external_id: str, name: str, email: str) -> int:
    candidate_id = next_id(cur, "candidate_ids")
    cur.execute("INSERT INTO candidates (candidate_id, external_id, full_name, email, country, seniority, sourced_on) "
                "VALUES (?, ?, ?, ?, 'PL', 'mid', DATE '2026-01-05')", [candidate_id, external_id, name, email])
    return candidate_id


@pytest.fixture
def planted(agency):
    """Two candidates whose names hold a literal '%' and a literal '_'."""
    rows = [("CA-PCT", "Ana 100% Certain", "ana.certain@mail.example"),
            ("CA-UND", "Li_Wei Underscore", "li_wei.underscore@mail.example")]
    ids = {}
    for external_id, name, email in rows:
        ids[name] = agency.db.write(lambda cur, row=(external_id, name, email): insert_candidate(cur, *row))
    return ids


# -- each field on its own ----------------------------------------------------------------------

@pytest.mark.parametrize("text", CASES)
def test_scorecard_notes_are_stored_and_read_back_exactly(agency, diff, text):
    [work] = scored_work(agency, 1)
    tables, before = agency.tables(), agency.fingerprint()

    scorecard_id = scorecards.submit(agency.db, work.reviewer, work.application_id, work.stage_id, RATINGS,
                                     notes_of(text))

    stored = agency.db.frame("SELECT note FROM scores WHERE scorecard_id = ?", [scorecard_id])["note"]
    assert stored.tolist() == [text] * 5
    assert scorecards.own_card(agency.db, work.reviewer, work.application_id, work.stage_id)["notes"] == notes_of(text)
    peers = scorecards.peer_ratings(agency.db, work.reviewer, work.application_id, work.stage_id)
    assert peers[peers["reviewer_id"] == work.reviewer.account_id]["note"].tolist() == [text] * 5
    seen = candidates.ratings(agency.db, agency.lead, [work.application_id])
    assert seen[seen["reviewer_id"] == work.reviewer.account_id]["note"].tolist() == [text] * 5
    logged = agency.audit_entries("submit", scorecard_id).iloc[0]["after"]
    assert json.loads(logged)["notes"] == notes_of(text)

    assert agency.tables() == tables
    assert diff(before, agency.fingerprint()) == {"scorecards", "scores", "audit_log"}


@pytest.mark.parametrize("text", CASES)
def test_adjudication_reasons_are_stored_and_read_back_exactly(agency, diff, text):
    [work] = scored_work(agency, 1)
    candidate_id = int(agency.db.scalar("SELECT candidate_id FROM applications WHERE application_id = ?",
                                        [work.application_id]))
    tables, before = agency.tables(), agency.fingerprint()

    scorecards.record_final_decision(agency.db, agency.lead, work.application_id, "hold", text)

    assert agency.db.scalar("SELECT reason FROM final_decisions WHERE application_id = ?",
                            [work.application_id]) == text.strip()
    shown = candidates.applications(agency.db, agency.lead, candidate_id)
    assert shown.set_index("application_id").loc[work.application_id, "final_reason"] == text.strip()
    logged = agency.audit_entries("adjudicate", work.application_id).iloc[0]["after"]
    assert json.loads(logged)["reason"] == text.strip()

    assert agency.tables() == tables
    assert diff(before, agency.fingerprint()) == {"final_decisions", "audit_log"}


@pytest.mark.parametrize("text", CASES)
def test_display_names_are_stored_and_read_back_exactly(agency, diff, text):
    tables, before = agency.tables(), agency.fingerprint()

    new_id = accounts.create_account(agency.db, agency.admin, "hostile.name@demo.example", text, "reviewer", None)

    listed = accounts.list_accounts(agency.db, agency.admin).set_index("account_id")
    assert listed.loc[new_id, "display_name"] == text.strip()
    assert accounts.account_for_email(agency.db, "hostile.name@demo.example").display_name == text.strip()
    assert agency.tables() == tables
    assert diff(before, agency.fingerprint()) == {"accounts", "audit_log"}


@pytest.mark.parametrize("text", CASES)
def test_tooling_evidence_is_stored_and_read_back_exactly(agency, diff, text):
    application_id = agency.open_tooling_audit()
    tables, before = agency.tables(), agency.fingerprint()
    rows = [{"tool": tool, "claimed": True, "verified": True, "evidence": f"{tool}: {text}"}
            for tool in ("Airflow", "MLflow", "KServe")]
    rows.append({"tool": "Evidently", "claimed": True, "verified": False, "evidence": text})

    tooling_audit.submit_audit(agency.db, agency.reviewer, application_id, rows, agency.as_of)

    listed = tooling_audit.checklist(agency.db, agency.reviewer, application_id)
    claimed = listed[listed["claimed"]]
    assert dict(zip(claimed["tool"], claimed["evidence"])) == {row["tool"]: row["evidence"] for row in rows}
    assert agency.tables() == tables
    assert diff(before, agency.fingerprint()) == {"tooling_evidence", "stage_decisions", "audit_log"}


@pytest.mark.parametrize("text", CASES)
def test_search_text_only_ever_matches_literally(agency, planted, text):
    tables, before = agency.tables(), agency.fingerprint()

    for actor in (agency.lead, agency.reviewer):
        found = candidates.find_candidates(agency.db, actor, text, limit=100_000)
        assert set(found["candidate_id"]) <= literal_matches(agency.db, text)
    found = candidates.find_candidates(agency.db, agency.lead, text, limit=100_000)
    assert set(found["candidate_id"]) == literal_matches(agency.db, text)

    assert agency.tables() == tables
    assert agency.fingerprint() == before


def test_amendment_reasons_are_stored_and_read_back_exactly(agency):
    [work] = scored_work(agency, 1)
    scorecards.submit(agency.db, work.reviewer, work.application_id, work.stage_id, RATINGS, notes_of("first"))
    for text in HOSTILE.values():
        amended = scorecards.amend(agency.db, work.reviewer, work.application_id, work.stage_id, RATINGS,
                                   notes_of("again"), text)
        assert agency.db.scalar("SELECT amendment_reason FROM scorecards WHERE scorecard_id = ?",
                                [amended]) == text.strip()


# -- the NUL character ----------------------------------------------------------------------------

NUL_TEXT = "before\x00after"
NUL_WRITES = {   # a write carrying NUL_TEXT in one field -> the field the refusal names
    "scorecard note": (lambda a, w: scorecards.submit(a.db, w.reviewer, w.application_id, w.stage_id, RATINGS,
                                                      {**notes_of("fine"), "monitoring": NUL_TEXT}),
                       "note on monitoring"),
    "adjudication reason": (lambda a, w: scorecards.record_final_decision(a.db, a.lead, w.application_id, "hold",
                                                                          NUL_TEXT), "reason"),
    "display name": (lambda a, w: accounts.create_account(a.db, a.admin, "nul@demo.example", NUL_TEXT, "reviewer",
                                                          None), "display_name"),
    "tooling evidence": (lambda a, w: tooling_audit.submit_audit(
        a.db, a.reviewer, a.open_tooling_audit(), [{"tool": "Airflow", "claimed": True, "verified": True,
                                                    "evidence": NUL_TEXT}], a.as_of), "row 1 (Airflow), evidence"),
}


@pytest.mark.parametrize("write", list(NUL_WRITES), ids=list(NUL_WRITES))
def test_a_nul_character_is_refused_naming_the_field_and_nothing_is_written(agency, write):
    attempt, field = NUL_WRITES[write]
    [work] = scored_work(agency, 1)
    if write == "tooling evidence":
        agency.open_tooling_audit()          # arranged before the snapshot: set-up, not the refused write
    before = agency.fingerprint()

    with pytest.raises(DatabaseError, match=f"^{re.escape(field)}: contains a NUL character"):
        attempt(agency, work)

    assert agency.fingerprint() == before


def test_an_amendment_reason_with_a_nul_character_is_refused(agency):
    [work] = scored_work(agency, 1)
    scorecards.submit(agency.db, work.reviewer, work.application_id, work.stage_id, RATINGS, notes_of("first"))
    before = agency.fingerprint()
    with pytest.raises(DatabaseError, match="^reason: contains a NUL character"):
        scorecards.amend(agency.db, work.reviewer, work.application_id, work.stage_id, RATINGS, notes_of("again"),
                         NUL_TEXT)
    assert agency.fingerprint() == before


# -- wildcards ----------------------------------------------------------------------------------

def test_percent_and_underscore_match_only_themselves(agency, planted):
    search = lambda text: set(candidates.find_candidates(agency.db, agency.lead, text,  # noqa: E731
                                                         limit=100_000)["candidate_id"])
    assert search("%") == {planted["Ana 100% Certain"]}
    assert search("100%") == {planted["Ana 100% Certain"]}
    assert search("_") == {planted["Li_Wei Underscore"]}
    assert search("i_w") == {planted["Li_Wei Underscore"]}
    assert search("%_%") == set()
    assert search("0%") == {planted["Ana 100% Certain"]}
    assert len(search("a")) > 100, "an ordinary search still finds many candidates"


def test_a_reviewer_searching_for_wildcards_finds_nothing_outside_their_assignments(agency, planted):
    for text in ("%", "_", "%%", "__"):
        assert candidates.find_candidates(agency.db, agency.reviewer, text, limit=100_000).empty


# -- everything at once -------------------------------------------------------------------------

def test_every_table_survives_hostile_text_in_every_field(agency, planted):
    texts = list(HOSTILE.values())
    application_id = agency.open_tooling_audit()
    tables, before = agency.tables(), agency.counts()
    fingerprint_before = agency.fingerprint()
    work = scored_work(agency, len(texts))

    for item, text in zip(work, texts):
        scorecards.submit(agency.db, item.reviewer, item.application_id, item.stage_id, RATINGS, notes_of(text))
        scorecards.record_final_decision(agency.db, agency.lead, item.application_id, "reject", text)
    for number, text in enumerate(texts):
        accounts.create_account(agency.db, agency.admin, f"hostile.{number}@demo.example", text, "reviewer", None)
        candidates.find_candidates(agency.db, agency.reviewer, text)
        candidates.find_candidates(agency.db, agency.lead, text)
    tools = ["Airflow", "MLflow", "KServe", "Kubeflow", "Prefect", "Dagster", "Neptune", "Triton", "BentoML",
             "Seldon", "TorchServe", "Evidently", "Arize", "Feast"]
    assert len(tools) == len(texts)
    claimed_before = agency.db.scalar(
        "SELECT count(*) FROM tooling_evidence WHERE candidate_id = (SELECT candidate_id FROM applications "
        "WHERE application_id = ?)", [application_id])
    tooling_audit.submit_audit(agency.db, agency.reviewer, application_id,
                               [{"tool": t, "claimed": True, "verified": True, "evidence": e}
                                for t, e in zip(tools, texts)], agency.as_of)

    assert agency.tables() == tables
    applications_decided = len({item.application_id for item in work})
    expected = dict(before)
    expected["scorecards"] += len(texts)
    expected["scores"] += 5 * len(texts)
    expected["final_decisions"] += applications_decided
    expected["accounts"] += len(texts)
    expected["tooling_evidence"] += len(tools) - claimed_before
    expected["stage_decisions"] += 1
    expected["audit_log"] += 2 * len(texts) + len(texts) + 1
    assert agency.counts() == expected

    untouched = set(tables) - {"scorecards", "scores", "final_decisions", "accounts", "tooling_evidence",
                               "stage_decisions", "audit_log"}
    after = agency.fingerprint()
    assert {t: after[t] for t in untouched} == {t: fingerprint_before[t] for t in untouched}
