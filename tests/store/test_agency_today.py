"""The day a database's figures are computed as of when no one chooses another date.

The dashboard's as-of filter and the ``scorecard report client`` command both start from it, so a demo
agency built some time ago still shows its promises as on the day it was built for.
"""

from __future__ import annotations

from datetime import date

from tests.conftest import DEMO_AS_OF


def test_a_demo_agency_is_read_as_of_the_day_it_was_built_for(demo_db):
    assert demo_db.agency_today() == DEMO_AS_OF


def test_any_other_database_is_read_as_of_the_calendar_day(empty_db):
    assert empty_db.agency_today() == date.today()
