"""Hostile text through every text field: stored exactly, read back unchanged, never run as SQL.

Reasons and display names are trimmed of surrounding whitespace by design (the store calls
``str.strip`` on them); everything between the ends is kept as given, in Unicode normal form C
(NFC, the form every text is stored in: the hostile strings below are already in it). Notes and
tooling evidence are kept exactly as given. The one character refused everywhere is NUL (U+0000),
which PostgreSQL cannot store: every field refuses it, naming itself, on both backends, and nothing
is written.

Limits (issue 18): every field has a longest length (:data:`scoring.agency.text.MAX_CHARS`), refused
with the field and the limit named; a key (an account's e-mail) may not hold an invisible character,
so that two look-alike e-mails cannot become two accounts; a password longer than 1,024 characters is
refused before it is hashed; a charge too large for its column is refused with its bounds.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal

import duckdb
import pytest

from scoring.agency import passwords
from scoring.agency.text import MAX_CHARS
from scoring.domain.dimensions import DEFAULT_WEIGHTS_PCT
from scoring.store import (
    Database,
    DatabaseError,
    accounts,
    calibration_exercises,
    candidates,
    scorecards,
    tooling_audit,
    weights,
)
from scoring.store import placements as placement_store
from scoring.store.db import is_constraint_violation, next_id

# Near the longest note (scoring.agency.text.MAX_CHARS["text"], 10,000), leaving room for a tool's name before it.
LONG = ("O'Brien said \"100%_done\"; DROP TABLE scores; -- \u202e\U0001F680\t" * 250)[:9_900]
HOSTILE = {
    "single quote": "'",
    "double quote": '"',
    "both quotes": "it's a \"quoted\" 'note'",
    "drop table": "'; DROP TABLE scores; --",
    "delete audit": "Robert'); DELETE FROM audit_log;--",
    "9,900 characters": LONG,
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
NAME_CASES = [pytest.param(value, id=name) for name, value in HOSTILE.items() if len(value) <= MAX_CHARS["name"]]
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


@pytest.mark.parametrize("text", NAME_CASES)
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
        accounts.create_account(agency.db, agency.admin, f"hostile.{number}@demo.example", text[:MAX_CHARS["name"]],
                                "reviewer", None)
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


# -- limits: every field has a longest length ---------------------------------------------------

def _amend(a, w, text):
    return scorecards.amend(a.db, w.reviewer, w.application_id, w.stage_id, RATINGS, notes_of("again"), text)


def _submit_first(a, w):
    scorecards.submit(a.db, w.reviewer, w.application_id, w.stage_id, RATINGS, notes_of("first"))


LIMITED_WRITES = {   # a write of ``text`` into one field -> (the field the refusal names, its kind, set-up)
    "scorecard note": (lambda a, w, text: scorecards.submit(
        a.db, w.reviewer, w.application_id, w.stage_id, RATINGS, {**notes_of("fine"), "monitoring": text}),
        "note on monitoring", "text", None),
    "not-assessed reason": (lambda a, w, text: scorecards.submit(
        a.db, w.reviewer, w.application_id, w.stage_id, {**RATINGS, "governance": None}, notes_of("fine"),
        {"governance": text}), "reason governance was not assessed", "text", None),
    "amendment reason": (_amend, "reason", "text", _submit_first),
    "adjudication reason": (lambda a, w, text: scorecards.record_final_decision(a.db, a.lead, w.application_id,
                                                                               "hold", text), "reason", "text", None),
    "tooling evidence": (lambda a, w, text: tooling_audit.submit_audit(
        a.db, a.reviewer, a.open_tooling_audit(), [{"tool": "Airflow", "claimed": True, "verified": True,
                                                    "evidence": text}], a.as_of),
        "row 1 (Airflow), evidence", "text", lambda a, w: a.open_tooling_audit()),
    "display name": (lambda a, w, text: accounts.create_account(a.db, a.admin, "long.name@demo.example", text,
                                                                "reviewer", None), "display_name", "name", None),
    "account e-mail": (lambda a, w, text: accounts.create_account(
        a.db, a.admin, text[:-len("@demo.example")] + "@demo.example", "Long Address", "reviewer", None),
        "email", "email", None),
    "calibration exercise name": (lambda a, w, text: calibration_exercises.create_exercise(
        a.db, a.admin, text, [w.application_id], w.stage_id, a.as_of), "name", "name", None),
    "weight version note": (lambda a, w, text: weights.add_version(
        a.db, a.admin, DEFAULT_WEIGHTS_PCT, a.as_of + timedelta(days=1), text, today=a.as_of), "note", "text", None),
}
KIND_WORDS = {"text": "a note, reason or evidence", "name": "a name or title", "email": "an e-mail address"}


@pytest.mark.parametrize("write", list(LIMITED_WRITES), ids=list(LIMITED_WRITES))
def test_text_longer_than_its_field_holds_is_refused_naming_the_field_and_the_limit(agency, write):
    attempt, field, kind, arrange = LIMITED_WRITES[write]
    [work] = scored_work(agency, 1)
    if arrange:
        arrange(agency, work)
    before = agency.fingerprint()
    limit = MAX_CHARS[kind]

    with pytest.raises(DatabaseError, match=f"^{re.escape(field)}: is {limit + 1:,} characters long; "
                                            f"{KIND_WORDS[kind]} may have at most {limit:,}$"):
        attempt(agency, work, "x" * (limit + 1))

    assert agency.fingerprint() == before


@pytest.mark.parametrize("write", list(LIMITED_WRITES), ids=list(LIMITED_WRITES))
def test_text_exactly_as_long_as_its_field_holds_is_stored(agency, write):
    attempt, field, kind, arrange = LIMITED_WRITES[write]
    [work] = scored_work(agency, 1)
    if arrange:
        arrange(agency, work)
    attempt(agency, work, "x" * MAX_CHARS[kind])


def test_the_schema_refuses_an_over_long_value_whatever_code_writes_it(agency):
    too_long = "C" * (MAX_CHARS["name"] + 1)
    with pytest.raises(duckdb.Error) as name_refused:
        agency.db.write(lambda cur: insert_candidate(cur, "CA-LONG", too_long, "long@mail.example"))
    with pytest.raises(duckdb.Error) as key_refused:
        agency.db.write(lambda cur: insert_candidate(cur, "K" * (MAX_CHARS["key"] + 1), "Ana", "k@mail.example"))
    assert is_constraint_violation(name_refused.value) and is_constraint_violation(key_refused.value)


# -- passwords --------------------------------------------------------------------------------------

@pytest.fixture
def no_hashing(monkeypatch):
    """Fail the test if Argon2 is asked to hash or verify anything."""
    class Refusing:
        def hash(self, *args, **kwargs):
            raise AssertionError("the password reached the hash function")

        verify = hash

    monkeypatch.setattr(passwords, "_HASHER", Refusing())


def test_a_megabyte_password_is_refused_before_it_is_hashed(agency, no_hashing):
    huge = "correct horse battery staple " * 36_000          # about a megabyte
    reviewer = agency.reviewer
    before = agency.fingerprint()
    refusal = f"^password: a password may have at most {MAX_CHARS['password']:,} characters$"

    with pytest.raises(DatabaseError, match=refusal):
        accounts.create_account(agency.db, agency.admin, "huge.password@demo.example", "Huge", "reviewer", huge)
    with pytest.raises(DatabaseError, match=refusal):
        accounts.update_account(agency.db, agency.admin, reviewer.account_id, password=huge)
    with pytest.raises(DatabaseError, match=refusal):
        accounts.operator_reset_password(agency.db, reviewer.email, huge)

    assert agency.fingerprint() == before
    stored = agency.db.scalar("SELECT password_hash FROM accounts WHERE account_id = ?", [reviewer.account_id])
    assert passwords.verify_password(stored, huge) is False        # and never hashed to find that out


def test_the_longest_password_is_accepted(agency):
    longest = ("p" * MAX_CHARS["password"])
    new_id = accounts.create_account(agency.db, agency.admin, "long.password@demo.example", "Long", "reviewer",
                                     longest)
    stored = agency.db.scalar("SELECT password_hash FROM accounts WHERE account_id = ?", [new_id])
    assert passwords.verify_password(stored, longest)


# -- Unicode: one normal form, visible keys -------------------------------------------------------

def test_text_is_stored_in_normal_form_c(agency):
    [work] = scored_work(agency, 1)
    decomposed_name, composed_name = "Jose\u0301 Garci\u0301a", "Jos\u00e9 Garc\u00eda"
    decomposed_email, composed_email = "jose\u0301.garcia@demo.example", "jos\u00e9.garcia@demo.example"

    new_id = accounts.create_account(agency.db, agency.admin, decomposed_email, decomposed_name, "reviewer", None)
    scorecard_id = scorecards.submit(agency.db, work.reviewer, work.application_id, work.stage_id, RATINGS,
                                     notes_of("Explained the caf\u0065\u0301's drift alerts"))

    stored = agency.db.frame("SELECT email, display_name FROM accounts WHERE account_id = ?", [new_id]).iloc[0]
    assert (stored["email"], stored["display_name"]) == (composed_email, composed_name)
    notes = agency.db.frame("SELECT note FROM scores WHERE scorecard_id = ?", [scorecard_id])["note"]
    assert set(notes) == {"Explained the caf\u00e9's drift alerts"}
    with pytest.raises(DatabaseError, match="already exists"):       # the same e-mail, typed the other way
        accounts.create_account(agency.db, agency.admin, composed_email, "Another", "reviewer", None)


INVISIBLE = {
    "zero-width space": ("\u200b", "U+200B ZERO WIDTH SPACE"),
    "zero-width joiner": ("\u200d", "U+200D ZERO WIDTH JOINER"),
    "byte-order mark": ("\ufeff", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
    "right-to-left override": ("\u202e", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    "left-to-right isolate": ("\u2066", "U+2066 LEFT-TO-RIGHT ISOLATE"),
    "soft hyphen": ("\u00ad", "U+00AD SOFT HYPHEN"),
    "escape": ("\x1b", "U+001B"),
    "no-break space": ("\u00a0", "U+00A0 NO-BREAK SPACE"),
}


@pytest.mark.parametrize("invisible", list(INVISIBLE), ids=list(INVISIBLE))
def test_an_email_with_an_invisible_character_is_refused_so_look_alikes_stay_one_account(agency, invisible):
    character, named = INVISIBLE[invisible]
    before = agency.fingerprint()

    with pytest.raises(DatabaseError, match=f"^email: holds an invisible character, {re.escape(named)}, "
                                            "at character 4; "):
        accounts.create_account(agency.db, agency.admin, f"ana{character}.silva@demo.example", "Ana", "reviewer",
                                None)
    with pytest.raises(DatabaseError, match="^email: holds an invisible character"):
        accounts.check_email(f"lead{character}@demo.example")

    assert agency.fingerprint() == before


def test_invisible_characters_in_names_and_notes_are_kept_as_written(agency):
    """Only keys are refused for them: a right-to-left mark in a name or a note is the writer's text."""
    new_id = accounts.create_account(agency.db, agency.admin, "rtl@demo.example", "\u05d3\u05e0\u05d4\u200f Levi",
                                     "reviewer", None)
    assert agency.db.scalar("SELECT display_name FROM accounts WHERE account_id = ?", [new_id]) == \
        "\u05d3\u05e0\u05d4\u200f Levi"


# -- ops: a charge too large for its column ------------------------------------------------------

@pytest.fixture
def ops_db(tmp_path):
    from tests.ops_fixture import build

    with Database(build(tmp_path / "ops.duckdb")) as db:
        yield db


@pytest.mark.parametrize("charge, reason", [
    (1e12, "must be from 0 to 99,999,999.99, not 1e+12"),
    (Decimal("1e12"), "must be from 0 to 99,999,999.99, not 1e+12"),
    ("1000000000000", "must be from 0 to 99,999,999.99, not 1e+12"),
    (100_000_000, "must be from 0 to 99,999,999.99, not 1e+08"),
    (1e308, "must be from 0 to 99,999,999.99, not 1e+308"),
    (float("inf"), "inf is not an amount in USD"),
    (float("nan"), "nan is not an amount in USD"),
], ids=["1e12", "Decimal 1e12", "text 1e12", "one above", "1e308", "infinity", "not a number"])
def test_a_charge_too_large_for_its_column_is_refused_with_its_bounds(ops_db, charge, reason):
    from tests.ops_fixture import AS_OF, person

    before = ops_db.frame("SELECT * FROM replacements ORDER BY replacement_id")
    with pytest.raises(DatabaseError, match=f"^cost_usd: .*{re.escape(reason)}"):
        placement_store.fulfil_replacement(ops_db, person("ops"), 4, date(2025, 6, 20), 5, cost_usd=charge,
                               cost_reason="relocation", as_of=AS_OF)
    assert ops_db.frame("SELECT * FROM replacements ORDER BY replacement_id").equals(before)


def test_the_largest_charge_the_column_holds_is_stored(ops_db):
    from tests.ops_fixture import AS_OF, person

    placement_store.fulfil_replacement(ops_db, person("ops"), 4, date(2025, 6, 20), 5, cost_usd=Decimal("99999999.99"),
                           cost_reason="relocation", as_of=AS_OF)
    assert ops_db.scalar("SELECT cost_usd FROM replacements WHERE replacement_id = 4") == Decimal("99999999.99")


@pytest.mark.parametrize("field", ["note", "cost_reason"])
def test_ops_notes_and_reasons_have_the_note_limit(ops_db, field):
    from tests.ops_fixture import AS_OF, person

    text = "x" * (MAX_CHARS["text"] + 1)
    with pytest.raises(DatabaseError, match=f"^{field}: is 10,001 characters long; a note, reason or evidence may "
                                            "have at most 10,000$"):
        if field == "note":
            placement_store.request_replacement(ops_db, person("ops"), 7, date(2025, 6, 27), text, as_of=AS_OF)
        else:
            placement_store.fulfil_replacement(ops_db, person("ops"), 4, date(2025, 6, 20), 5, cost_usd=10,
                                               cost_reason=text, as_of=AS_OF)


def test_the_schema_caps_every_text_column_at_the_limit_of_its_kind():
    """schema.sql repeats scoring.agency.text.MAX_CHARS as CHECK constraints; this keeps the two equal."""
    from tests.conftest import ROOT

    kinds = {"external_id": "key", "email": "email", "name": "name", "full_name": "name", "display_name": "name",
             "role_title": "name", "note": "text", "not_assessed_reason": "text", "evidence": "text",
             "cost_reason": "text", "reason": "text", "amendment_reason": "text",
             "recipient": "email", "mapping": "mapping"}
    capped = re.findall(r"length\((\w+)\) <= (\d+)", (ROOT / "schema.sql").read_text())
    assert {column for column, _ in capped} == set(kinds)
    assert {(column, int(limit)) for column, limit in capped} == {(c, MAX_CHARS[k]) for c, k in kinds.items()}
    assert len(capped) == 24      # every external id, e-mail, name, note and reason column of every table


@pytest.mark.parametrize("module", ["scoring.agency.text", "scoring.store.replacing"])
def test_the_documented_examples_hold(module):
    import doctest
    import importlib

    failures, tried = doctest.testmod(importlib.import_module(module))
    assert tried > 0 and failures == 0
