"""The database's funnel aggregation agrees with the pure reference implementation in scoring.agency.funnel."""

from __future__ import annotations

import pandas as pd
import pytest

from scoring.agency import funnel
from scoring.store import Database, applications
from scoring.store.searches import SearchFilter
from tests import audit_fixture
from tests.conftest import DEMO_AS_OF, account

FILTERS = [SearchFilter(), SearchFilter(seniorities=("senior",)),
           SearchFilter(start=pd.Timestamp("2025-06-01").date(), end=DEMO_AS_OF)]


@pytest.mark.parametrize("chosen", FILTERS, ids=["everything", "senior", "since June 2025"])
def test_funnel_counts_match_funnel_table(demo_db, chosen):
    lead = account(demo_db, "hiring_lead")
    entries = applications.stage_entries(demo_db, lead, chosen)
    expected = funnel.funnel_table(entries, as_of=DEMO_AS_OF)
    counted = applications.funnel_counts(demo_db, lead, chosen, DEMO_AS_OF).set_index("stage_id")
    pd.testing.assert_frame_equal(funnel.finish_funnel(counted, []), expected, check_dtype=False)


def test_monthly_funnel_counts_match_funnel_table_by_entry_month(demo_db):
    lead = account(demo_db, "hiring_lead")
    entries = funnel.add_entry_month(applications.stage_entries(demo_db, lead, SearchFilter()))
    expected = funnel.funnel_table(entries, by="entry_month", as_of=DEMO_AS_OF)
    counted = applications.funnel_counts(demo_db, lead, SearchFilter(), DEMO_AS_OF, by_month=True)
    got = funnel.finish_funnel(counted.set_index(["entry_month", "stage_id"]), ["entry_month"])
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_stalled_matches_the_pure_ranking(demo_db):
    lead = account(demo_db, "hiring_lead")
    entries = applications.stage_entries(demo_db, lead, SearchFilter())
    expected = funnel.stalled(entries, DEMO_AS_OF, top=5)
    got = applications.stalled(demo_db, lead, SearchFilter(), DEMO_AS_OF, 5)
    columns = ["stage_id", "rank", "application_id", "age_days"]
    pd.testing.assert_frame_equal(got[columns].reset_index(drop=True), expected[columns].reset_index(drop=True),
                                  check_dtype=False)


def test_a_reviewer_cannot_read_the_funnel(demo_db):
    from scoring.agency.access import PermissionDenied

    with pytest.raises(PermissionDenied):
        applications.funnel_counts(demo_db, account(demo_db, "reviewer"), SearchFilter(), DEMO_AS_OF)


def test_the_as_of_cut_in_sql_matches_the_pure_one(tmp_path):
    """On tests.audit_fixture, whose decisions and entries run past the audit date."""
    with Database(audit_fixture.build(tmp_path / "audit.duckdb")) as db:
        lead = audit_fixture.person("hiring_lead")
        as_of = audit_fixture.AS_OF
        stored = applications.stage_entries(db, lead, SearchFilter())               # every row, as stored
        expected = funnel.funnel_table(stored, as_of=as_of)
        counted = applications.funnel_counts(db, lead, SearchFilter(), as_of).set_index("stage_id")
        pd.testing.assert_frame_equal(funnel.finish_funnel(counted, []), expected, check_dtype=False)
        cut = applications.stage_entries(db, lead, SearchFilter(), as_of)
        assert len(cut) == len(stored) - 1                                      # AP-08 enters the shortlist later
        assert cut["decision"].isna().sum() == 3                                # AP-04, AP-07, AP-08 still open
        ages = applications.stalled(db, lead, SearchFilter(), as_of, 5)
        assert ages[["stage_id", "age_days"]].values.tolist() == [[2, 15], [3, 4], [4, 28]]
