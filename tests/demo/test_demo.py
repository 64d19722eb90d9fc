"""The demo agency: deterministic from its seed, loadable, and realistic enough to analyse.

Realism targets come from the product brief (shared/DESIGN.md: shortlists within 7-14 business
days, replacements under the guarantee, 95% of clients past their first 3 months, shortlists of
2-3) and from the generator's own description in ``scoring.demo.generator``. The session's small demo
(``demo_file``: 3,000 candidates, seed 11) is a small sample, so the bounds are wide.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import duckdb
import pandas as pd
import pytest

from scoring.agency import records as rules
from scoring.agency.funnel import funnel_table
from scoring.agency.passwords import verify_password
from scoring.agency.retention import client_outcomes
from scoring.agency.scorecard import scores_under_versions
from scoring.agency.sla import shortlist_sizes, shortlist_summary, shortlist_times
from scoring.demo.generator import DEMO_ACCOUNTS, DEMO_PASSWORD, DemoConfig, generate
from scoring.store.tables import SEQUENCES
from tests.conftest import DEMO_AS_OF, SMALL_DEMO, account

TINY = DemoConfig(candidates=2_000, seed=5, as_of=date(2026, 1, 15))


# -- determinism -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_tables() -> dict[str, pd.DataFrame]:
    return generate(TINY)


def test_same_seed_and_as_of_give_identical_tables(tiny_tables):
    again = generate(DemoConfig(candidates=TINY.candidates, seed=TINY.seed, as_of=TINY.as_of))
    assert sorted(again) == sorted(tiny_tables)
    for name, table in tiny_tables.items():
        pd.testing.assert_frame_equal(again[name], table, obj=name)


def test_a_different_seed_gives_different_data(tiny_tables):
    other = generate(replace(TINY, seed=TINY.seed + 1))
    for name in ("candidates", "applications", "stage_decisions", "scores"):
        assert not other[name].equals(tiny_tables[name]), name


def test_generated_tables_are_not_empty(tiny_tables):
    for name in ("clients", "searches", "candidates", "applications", "tooling_evidence", "stage_decisions",
                 "assignments", "scorecards", "scores", "placements", "weight_versions", "dimension_weights"):
        assert len(tiny_tables[name]) > 0, name
    assert len(tiny_tables["candidates"]) == TINY.candidates


# -- the session's demo database ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo(demo_file):
    """The session demo agency, read-only."""
    con = duckdb.connect(str(demo_file), read_only=True)
    yield con
    con.close()


def rows(con, sql: str) -> pd.DataFrame:
    return con.execute(sql).df()


def stage_scores(con, stage_id: int) -> pd.DataFrame:
    """Weighted consensus score per application at ``stage_id``, under the weights in force."""
    ratings = rows(con, f"""
        SELECT cs.application_id, cs.stage_id, cs.reviewer_id, d.code AS dimension, cs.rating
        FROM current_scores AS cs JOIN dimensions AS d USING (dimension_id) WHERE cs.stage_id = {stage_id}""")
    dates = rows(con, f"SELECT application_id, stage_id, entered_on FROM stage_decisions WHERE stage_id = {stage_id}")
    versions = rows(con, """
        SELECT version_id, effective_from, d.code AS dimension, weight_pct::DOUBLE AS weight_pct
        FROM weight_versions JOIN dimension_weights USING (version_id) JOIN dimensions AS d USING (dimension_id)""")
    return scores_under_versions(ratings, dates, versions)[["application_id", "score"]]


def test_the_demo_records_its_seed_size_and_date(demo):
    metadata = dict(rows(demo, "SELECT key, value FROM metadata").values)
    assert metadata["demo_seed"] == str(SMALL_DEMO.seed)
    assert metadata["demo_candidates"] == str(SMALL_DEMO.candidates)
    assert metadata["demo_as_of"] == DEMO_AS_OF.isoformat()
    assert demo.execute("SELECT count(*) FROM candidates").fetchone()[0] == SMALL_DEMO.candidates


def test_every_foreign_key_of_the_demo_resolves(demo):
    """DuckDB enforced them while the build inserted; here every declared one is re-checked."""
    keys = rows(demo, """SELECT table_name, constraint_column_names AS columns, referenced_table,
                                referenced_column_names AS referenced
                         FROM duckdb_constraints() WHERE constraint_type = 'FOREIGN KEY'""")
    assert len(keys) >= 20
    orphans = {}
    for table, columns, referenced_table, referenced in keys.itertuples(index=False):
        match = " AND ".join(f"r.{r} = t.{c}" for c, r in zip(columns, referenced))
        present = " AND ".join(f"t.{c} IS NOT NULL" for c in columns)
        orphans[f"{table}({', '.join(columns)})"] = demo.execute(
            f"SELECT count(*) FROM {table} AS t WHERE {present} "
            f"AND NOT EXISTS (SELECT 1 FROM {referenced_table} AS r WHERE {match})").fetchone()[0]
    assert orphans == dict.fromkeys(orphans, 0)


def test_stage_pass_rates_are_between_20_and_80_percent(demo):
    funnel = funnel_table(rows(demo, "SELECT * FROM stage_decisions"), as_of=DEMO_AS_OF).set_index("stage_id")
    pass_rates = funnel.loc[[1, 2, 3], "pass_rate"]
    assert pass_rates.between(0.2, 0.8).all(), pass_rates.to_dict()


def test_stage_pass_rates_fall_along_the_funnel(demo):
    funnel = funnel_table(rows(demo, "SELECT * FROM stage_decisions"), as_of=DEMO_AS_OF).set_index("stage_id")
    pass_rates = funnel.loc[[1, 2, 3], "pass_rate"]
    assert pass_rates.is_monotonic_decreasing, pass_rates.to_dict()


def test_several_reviewers_score_each_application(demo):
    per_stage = rows(demo, """SELECT application_id, stage_id, count(DISTINCT reviewer_id) AS reviewers
                              FROM current_scores GROUP BY ALL""")
    assert 2 <= per_stage["reviewers"].mean() <= 3
    assert per_stage["reviewers"].max() >= 3


def test_reviewers_differ_in_leniency(demo):
    means = rows(demo, """SELECT reviewer_id, avg(rating) AS mean_rating, count(*) AS ratings
                          FROM current_scores GROUP BY reviewer_id HAVING count(*) >= 200""")
    assert len(means) >= 5
    assert means["mean_rating"].max() - means["mean_rating"].min() >= 0.5   # rating points


def test_most_shortlists_arrive_within_14_business_days(demo):
    searches = rows(demo, """SELECT s.search_id, s.client_id, s.opened_on, s.shortlist_delivered_on, s.closed_on,
                                    c.country
                             FROM searches AS s JOIN clients AS c USING (client_id)""")
    summary = shortlist_summary(shortlist_times(searches, DEMO_AS_OF)).iloc[0]
    assert summary["searches"] >= 50
    assert 0.7 <= summary["share_within_limit"] <= 0.99, summary.to_dict()


def test_shortlists_mostly_hold_2_or_3_candidates(demo):
    searches = rows(demo, "SELECT search_id, client_id, shortlist_delivered_on FROM searches")
    entries = rows(demo, """SELECT d.application_id, d.stage_id, d.entered_on, a.search_id
                            FROM stage_decisions AS d JOIN applications AS a USING (application_id)
                            WHERE d.stage_id = 4""")
    sizes = shortlist_sizes(searches, entries, DEMO_AS_OF)
    assert len(sizes) >= 30
    # the generator draws 2 or 3 for 98% of searches; three in four is a generous floor
    assert sizes["shortlisted"].between(2, 3).mean() >= 0.75, sizes["shortlisted"].value_counts().to_dict()


def test_placed_engineers_were_accepted_by_the_client(demo):
    placements = rows(demo, """SELECT p.placement_id, d.decision
                               FROM placements AS p
                               LEFT JOIN stage_decisions AS d
                                 ON d.application_id = p.application_id AND d.stage_id = 4""")
    assert len(placements) >= 20
    assert (placements["decision"] == "pass").all()


def test_a_few_percent_of_placements_are_replaced(demo):
    placements = demo.execute("SELECT count(*) FROM placements").fetchone()[0]
    replaced = demo.execute("SELECT count(*) FROM replacements").fetchone()[0]
    assert 0.01 <= replaced / placements <= 0.12, (replaced, placements)


def test_few_clients_leave_in_their_first_3_months(demo):
    outcomes = client_outcomes(rows(demo, "SELECT client_id, signed_on, churned_on FROM clients"), DEMO_AS_OF)
    known = outcomes[outcomes["outcome"] != "censored"]
    assert len(known) >= 5
    assert 0 <= (known["outcome"] == "lost").mean() <= 0.15   # promise: 95% stay; a small sample


def test_engineers_replaced_as_not_a_fit_scored_lower_on_the_take_home():
    # a mid-sized agency: the small session demo holds too few misfits to compare
    tables = generate(DemoConfig(candidates=30_000, seed=5, as_of=DEMO_AS_OF))
    cards = tables["scorecards"].query("stage_id == 3")[["scorecard_id", "application_id"]]
    take_home = cards.merge(tables["scores"], on="scorecard_id").groupby("application_id")["rating"].mean()
    placements = tables["placements"].assign(score=lambda p: p["application_id"].map(take_home))
    misfit = placements["end_reason"].eq("not_a_fit")
    assert misfit.sum() >= 10 and (~misfit).sum() >= 100
    assert placements.loc[~misfit, "score"].mean() > placements.loc[misfit, "score"].mean()


def test_clients_accept_candidates_with_a_higher_take_home_consensus(demo):
    decided = rows(demo, "SELECT application_id, decision FROM stage_decisions "
                         "WHERE stage_id = 4 AND decision IS NOT NULL")
    scored = decided.merge(stage_scores(demo, 3), on="application_id")
    means = scored.groupby("decision")["score"].mean()
    assert means["pass"] > means["fail"], means.to_dict()


# -- writing to a copy -------------------------------------------------------------------------------

def test_a_new_client_gets_the_next_default_id(demo_db):
    highest = demo_db.scalar("SELECT max(client_id) FROM clients")
    with demo_db.cursor() as cur:
        new_id = cur.execute("INSERT INTO clients (external_id, name, country, signed_on) "
                             "VALUES ('CL-NEW', 'Newly Signed Labs', 'US', DATE '2026-11-20') "
                             "RETURNING client_id").fetchone()[0]
    assert new_id > highest


def test_every_id_sequence_is_past_the_ids_stored(demo_db):
    behind = {}
    for sequence, (table, column) in SEQUENCES.items():
        highest = demo_db.scalar(f"SELECT coalesce(max({column}), 0) FROM {table}")
        following = demo_db.scalar(f"SELECT nextval('{sequence}')")
        if following <= highest:
            behind[sequence] = (following, highest)
    assert behind == {}


def test_one_demo_account_per_role_and_two_more_hiring_leads(demo_db):
    stored = demo_db.frame("SELECT email, display_name, role FROM accounts WHERE email LIKE '%@demo.example'")
    assert sorted(map(tuple, stored.values.tolist())) == sorted(DEMO_ACCOUNTS)
    assert sorted(stored["role"]) == sorted(["reviewer", "hiring_lead", "hiring_lead", "hiring_lead", "ops", "admin",
                                             "auditor"])
    for email, _, role in DEMO_ACCOUNTS[1:4]:     # the first account of its role, the one to sign in with
        assert account(demo_db, role).email == email
    for role, count in {"hiring_lead": 3, "ops": 1, "admin": 1, "auditor": 1}.items():
        assert demo_db.scalar("SELECT count(*) FROM accounts WHERE role = ?", [role]) == count


def test_every_search_belongs_to_its_clients_hiring_lead(demo_db):
    owners = demo_db.frame("""SELECT s.client_id, a.role, count(DISTINCT s.lead_account_id) AS leads
                              FROM searches AS s JOIN accounts AS a ON a.account_id = s.lead_account_id
                              GROUP BY ALL""")
    assert demo_db.scalar("SELECT count(*) FROM searches WHERE lead_account_id IS NULL") == 0
    assert set(owners["role"]) == {"hiring_lead"} and set(owners["leads"]) == {1}
    assert demo_db.scalar("SELECT count(DISTINCT lead_account_id) FROM searches") == 3


def test_the_demo_password_opens_every_demo_account(demo_db):
    hashes = demo_db.frame("SELECT email, password_hash FROM accounts WHERE email LIKE '%@demo.example'")
    assert len(hashes) == len(DEMO_ACCOUNTS)
    for email, password_hash in hashes.itertuples(index=False):
        assert verify_password(password_hash, DEMO_PASSWORD), email
        assert not verify_password(password_hash, DEMO_PASSWORD + "!"), email


def test_the_demo_keeps_the_rules_imports_and_forms_enforce(demo):
    """scoring.agency.records, applied to the demo's own rows: what a form or an import would refuse is not there."""
    countries = rows(demo, "SELECT country FROM clients UNION ALL SELECT country FROM candidates")["country"]
    assert rules.country_reasons(countries).isna().all()
    replaced = rows(demo, """
        SELECT r.external_id AS replacement_ref, r.requested_on, r.fulfilled_on, p.external_id AS placement_ref,
               p.first_day, p.ended_on, p.end_reason, q.external_id AS replacing_placement_ref,
               q.accepted_on AS replacing_accepted_on, q.ended_on AS replacing_ended_on,
               q.end_reason AS replacing_end_reason, s.client_id AS client_ref, c.name AS client,
               qs.client_id AS replacing_client_ref, qc.name AS replacing_client
        FROM replacements AS r
        JOIN placements AS p ON p.placement_id = r.placement_id
        JOIN applications AS a ON a.application_id = p.application_id JOIN searches AS s ON s.search_id = a.search_id
        JOIN clients AS c ON c.client_id = s.client_id
        LEFT JOIN placements AS q ON q.placement_id = r.replacing_placement_id
        LEFT JOIN applications AS qa ON qa.application_id = q.application_id
        LEFT JOIN searches AS qs ON qs.search_id = qa.search_id
        LEFT JOIN clients AS qc ON qc.client_id = qs.client_id""")
    assert len(replaced) > 0
    for rule in (rules.REQUEST_DURING_ENGAGEMENT, rules.FULFILLED_AFTER_REQUEST, rules.FULFILLED_AFTER_ACCEPTANCE,
                 rules.REPLACING_IN_POST, rules.REPLACED_FOR_THE_SAME_CLIENT):
        assert rule.check(replaced).dropna().tolist() == [], rule.summary
    running = rows(demo, """
        SELECT c.name, c.churned_on, p.external_id AS placement_ref, p.first_day
        FROM placements AS p JOIN applications AS a USING (application_id) JOIN searches AS s USING (search_id)
        JOIN clients AS c USING (client_id)
        WHERE c.churned_on IS NOT NULL AND p.ended_on IS NULL""")
    assert rules.CHURN_AFTER_RUNNING_STARTS.check(running).dropna().tolist() == []
    still_open = rows(demo, """
        SELECT c.name, c.churned_on, s.external_id AS search_ref, s.opened_on
        FROM searches AS s JOIN clients AS c USING (client_id)
        WHERE c.churned_on IS NOT NULL AND s.status = 'open'""")
    assert rules.CHURN_AFTER_OPEN_SEARCHES.check(still_open).dropna().tolist() == []
