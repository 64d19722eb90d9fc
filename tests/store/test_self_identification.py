"""Self-identification is kept apart: only auditors and admins read it, through one store module, and
nothing a reviewer, a hiring lead or ops staff can call returns it or anything computed from it.

Two proofs, as for blind review (``tests/store/test_blind_review.py``):

* by reading the code: the table is named in the SQL of one store module only, whose every function
  checks a permission only auditors and admins hold, and no view of the schema reads it;
* by calling: every public store and report function is called as a reviewer, a hiring lead and ops on
  a demo agency whose candidates answered, and no result holds an answer's column, code or words.

The counts the auditor reads are checked against the rows they count.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import scoring.store
from scoring.agency.access import PERMISSIONS, Account, PermissionDenied
from scoring.domain.self_identification import CATEGORIES, PREFER_NOT_TO_SAY
from scoring.store import Database
from scoring.store import self_identification as store
from scoring.store.db import SCHEMA_PATH
from tests.conftest import DEMO_AS_OF, account
from tests.store.test_authorization import ACTING, sample_arguments

STORE = Path(scoring.store.__file__).parent
FORBIDDEN_ROLES = ("reviewer", "hiring_lead", "ops")
ALLOWED_ROLES = ("auditor", "admin")
#: Every answer's code and words, and the columns they are stored in.
CODES = sorted({code for categories in CATEGORIES.values() for code in categories} - {PREFER_NOT_TO_SAY})
WORDS = sorted({words for categories in CATEGORIES.values() for words in categories.values()})
COLUMNS = {"sex", "race_ethnicity", "recorded_on"}


# -- by reading the code ----------------------------------------------------------------------------

def test_only_auditors_and_admins_hold_the_permissions_that_reach_it():
    assert PERMISSIONS["read_self_identification"] == frozenset(ALLOWED_ROLES)
    assert PERMISSIONS["read_fairness"] == frozenset(ALLOWED_ROLES)


def test_the_table_is_named_in_one_store_module_and_no_view():
    """``tables.py`` lists it among every table (for the admin's export and the bulk writers), ``importer.py``
    writes it (operator or admin only) and ``archive.py`` names it to leave it out of an export; beyond
    them only ``self_identification.py`` names it, and it alone reads it."""
    naming = sorted(path.name for path in STORE.glob("*.py") if "self_identification" in path.read_text()
                    and path.name not in ("self_identification.py", "tables.py"))
    assert naming == ["archive.py", "importer.py"]
    assert "FROM self_identification" not in (STORE / "importer.py").read_text()
    assert "SPECIAL_CATEGORY_TABLES = (\"self_identification\",)" in (STORE / "archive.py").read_text()
    views = re.findall(r"CREATE OR REPLACE VIEW .*?;", SCHEMA_PATH.read_text(), re.S)
    assert views and not [view for view in views if "self_identification" in view]


def test_every_function_of_the_module_checks_a_permission_only_auditors_and_admins_hold():
    from tests.store.test_blind_review import _permissions_checked

    for name in store.__all__:
        checked = _permissions_checked(store, getattr(store, name))
        assert checked == {"read_self_identification"}, name


@pytest.mark.parametrize("role", FORBIDDEN_ROLES)
@pytest.mark.parametrize("name", store.__all__)
def test_a_reviewer_a_hiring_lead_and_ops_are_refused_every_read(answered, role, name):
    function = getattr(store, name)
    with pytest.raises(PermissionDenied, match="is for: Auditor, Admin"):
        function(answered, account(answered, role), **sample_arguments(function, Path("/nonexistent")))


@pytest.mark.parametrize("role", ALLOWED_ROLES)
def test_auditors_and_admins_read_it(answered, role):
    actor = account(answered, role)
    assert len(store.records(answered, actor)) == answered.scalar("SELECT count(*) FROM self_identification")
    assert not store.stage_counts(answered, actor, DEMO_AS_OF).empty
    assert not store.group_ratings(answered, actor, DEMO_AS_OF).empty
    assert not store.reviewer_names(answered, actor).empty


# -- by calling everything ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def answered(demo_file, tmp_path_factory) -> Database:
    """A private copy of the small demo agency, whose candidates answered (most of them), for this module
    only: the calls below may write."""
    path = tmp_path_factory.mktemp("self_id") / "demo.duckdb"
    shutil.copy(demo_file, path)
    with Database(path) as db:
        assert db.scalar("SELECT count(*) FROM self_identification") > 1_000
        yield db


def _values(column: pd.Series) -> list:
    try:
        return list(column.unique())
    except TypeError:                      # cells holding lists or dicts
        return column.tolist()


def _texts(value: object, depth: int = 0) -> list[str]:
    """Every column name and text value a result holds, however it is nested."""
    if depth > 4 or value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, pd.DataFrame):
        return [str(c) for c in value.columns] + [t for c in value.columns for v in _values(value[c])
                                                  for t in _texts(v, depth + 1)]
    if isinstance(value, pd.Series):
        return ([str(value.name)] + [str(i) for i in value.index]
                + [t for v in _values(value) for t in _texts(v, depth + 1)])
    if isinstance(value, dict):
        return [str(k) for k in value] + [t for v in value.values() for t in _texts(v, depth + 1)]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [t for v in value for t in _texts(v, depth + 1)]
    if hasattr(value, "__dict__") and not callable(value):
        return list(vars(value)) + [t for v in vars(value).values() for t in _texts(v, depth + 1)]
    if hasattr(value, "__dataclass_fields__"):
        return [t for f in value.__dataclass_fields__ for t in [f, *_texts(getattr(value, f), depth + 1)]]
    return []


def leaks(value: object) -> list[str]:
    """What of an answer a result holds: an answer's column, its code or its words."""
    found = []
    for text in _texts(value):
        if text in COLUMNS or any(code in text for code in CODES) or any(
                re.search(rf"\b{re.escape(words)}\b", text) for words in WORDS if words != "Prefer not to say"):
            found.append(text)
    return found


def test_the_leak_check_sees_what_the_auditor_reads(answered):
    assert leaks(store.records(answered, account(answered, "auditor")))
    assert leaks({"table": pd.DataFrame({"group": ["Hispanic or Latino"]})})
    assert not leaks(pd.DataFrame({"candidate": ["Ana Silva"], "stage": ["Take-home assessment"]}))


@pytest.mark.parametrize("role", FORBIDDEN_ROLES)
@pytest.mark.parametrize("name", sorted(ACTING))
def test_no_store_or_report_function_gives_a_reviewer_a_lead_or_ops_any_answer(answered, tmp_path, role, name):
    function = ACTING[name]
    actor: Account = account(answered, role)
    try:
        result = function(answered, actor=actor, **sample_arguments(function, tmp_path))
    except PermissionDenied:
        return
    except Exception:      # a sample argument this function cannot use: it returned nothing at all
        return
    assert leaks(result) == []


# -- what the auditor's counts count -----------------------------------------------------------

def test_stage_counts_add_up_to_the_decisions_and_split_them_by_answer(answered):
    auditor = account(answered, "auditor")
    counts = store.stage_counts(answered, auditor, DEMO_AS_OF)
    decided = answered.frame("SELECT stage_id, count(*) AS n, count(*) FILTER (WHERE decision = 'pass') AS p "
                             "FROM stage_decisions WHERE decision IS NOT NULL AND decided_on <= ? GROUP BY stage_id "
                             "ORDER BY stage_id", [DEMO_AS_OF])
    totals = counts.groupby("stage_id")[["decided", "passed"]].sum().reset_index()
    assert totals.values.tolist() == decided.values.tolist()
    women = answered.scalar("""
        SELECT count(*) FROM stage_decisions AS d JOIN applications AS a USING (application_id)
        JOIN self_identification AS si USING (candidate_id)
        WHERE d.stage_id = 3 AND d.decision IS NOT NULL AND si.sex = 'female'""")
    assert counts.query("stage_id == 3 and sex == 'female'")["decided"].sum() == women


def test_stage_counts_keep_to_the_period_and_the_audit_date(answered):
    auditor = account(answered, "auditor")
    start, end = date(2026, 1, 1), date(2026, 3, 31)
    counts = store.stage_counts(answered, auditor, DEMO_AS_OF, start, end)
    expected = answered.scalar("SELECT count(*) FROM stage_decisions WHERE decided_on BETWEEN ? AND ?", [start, end])
    assert counts["decided"].sum() == expected
    earlier = store.stage_counts(answered, auditor, date(2026, 2, 1))
    recorded_later = answered.scalar("SELECT count(*) FROM self_identification WHERE recorded_on > DATE '2026-02-01'")
    assert recorded_later > 0
    assert earlier["decided"].sum() == answered.scalar(
        "SELECT count(*) FROM stage_decisions WHERE decided_on <= DATE '2026-02-01'")


def test_scoring_counts_split_the_complete_scores_at_their_median(answered):
    auditor = account(answered, "auditor")
    counts = store.scoring_counts(answered, auditor, DEMO_AS_OF)
    assert sorted(counts["stage_id"].unique()) == [2, 3]
    for _, stage in counts.groupby("stage_id"):
        assert stage["median_score"].nunique() == 1
        share = stage["above_median"].sum() / stage["scored"].sum()
        assert 0.35 < share <= 0.5                           # ties at the median are not above it


def test_group_ratings_are_every_live_rating_with_its_group_and_no_application_id(answered):
    """One row per rating in force, of scorecards submitted in the period; each application is named by a key
    made for the read (1 to the number of applications, in no order of their ids), never by its id."""
    auditor = account(answered, "auditor")
    rows = store.group_ratings(answered, auditor, DEMO_AS_OF)
    assert list(rows.columns) == ["stage_id", "application_key", "reviewer_id", "dimension_id", "rating", "sex",
                                  "race_ethnicity"]
    assert len(rows) == answered.scalar("SELECT count(*) FROM current_scores")
    keys = rows.groupby("application_key")["stage_id"].size()
    applications = answered.frame("SELECT application_id, count(*) AS n FROM current_scores GROUP BY ALL "
                                  "ORDER BY application_id")
    assert sorted(keys.tolist()) == sorted(applications["n"].tolist())
    assert keys.index.min() == 1 and keys.index.max() == len(applications)
    assert keys.tolist() != applications["n"].tolist()          # keys do not follow the ids' order
    spring = store.group_ratings(answered, auditor, DEMO_AS_OF, date(2026, 3, 1), date(2026, 5, 31))
    assert len(spring) == answered.scalar("SELECT count(*) FROM current_scores WHERE CAST(submitted_at AS DATE) "
                                          "BETWEEN DATE '2026-03-01' AND DATE '2026-05-31'")
    women = answered.scalar("""
        SELECT count(*) FROM current_scores AS cs JOIN applications AS a USING (application_id)
        JOIN self_identification AS si USING (candidate_id) WHERE si.sex = 'female'""")
    assert (rows["sex"] == "female").sum() == women


def test_reviewer_names_name_everyone_who_scored(answered):
    names = store.reviewer_names(answered, account(answered, "auditor"))
    scored = answered.frame("SELECT DISTINCT reviewer_id FROM scorecards ORDER BY reviewer_id")
    assert names["reviewer_id"].tolist() == scored["reviewer_id"].tolist()
    assert names["display_name"].str.len().min() > 0


# -- export ---------------------------------------------------------------------------------------

def test_the_admins_export_carries_the_answers_and_restores_them(answered, tmp_path):
    from scoring.store.archive import export_database, restore_database

    manifest = export_database(answered, tmp_path / "export", account(answered, "admin"))
    assert "self_identification" in {entry["name"] for entry in manifest["tables"]}
    with Database(tmp_path / "restored.duckdb") as restored:
        restore_database(restored, tmp_path / "export")
        assert restored.scalar("SELECT count(*) FROM self_identification") == answered.scalar(
            "SELECT count(*) FROM self_identification")


def test_an_export_for_a_role_that_may_not_read_the_answers_leaves_them_out(answered, tmp_path, monkeypatch):
    """No such role holds ``import_export`` today; were one given it, its export would hold no answer, and
    still restore, as an export made before the table existed."""
    from scoring.agency import access
    from scoring.store.archive import export_database, restore_database

    monkeypatch.setitem(access.PERMISSIONS, "import_export", frozenset({"ops", "admin"}))
    manifest = export_database(answered, tmp_path / "export", account(answered, "ops"))
    assert "self_identification" not in {entry["name"] for entry in manifest["tables"]}
    assert "self_identification" not in manifest["schema"]
    assert not (tmp_path / "export" / "self_identification.parquet").exists()
    with Database(tmp_path / "restored.duckdb") as restored:
        restore_database(restored, tmp_path / "export")
        assert restored.scalar("SELECT count(*) FROM self_identification") == 0
        assert restored.scalar("SELECT count(*) FROM candidates") > 0
