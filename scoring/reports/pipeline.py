"""The pipeline-health report for hiring leads: stage counts, pass rates, funnel, shortlist times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from scoring.agency import funnel
from scoring.agency.access import Account
from scoring.reports.candidate import profile_link
from scoring.reports.shortlist import shortlist_figures
from scoring.store import applications
from scoring.store.db import Database
from scoring.store.searches import SearchFilter

STALLED_PER_STAGE = 10
#: The columns of the candidates waiting longest, in the order a person reads them.
STALLED_COLUMNS = ("candidate", "profile", "role", "client", "age_days")
#: How the funnel is counted, in sentences the page lists.
FUNNEL_RULES: tuple[str, ...] = funnel.FUNNEL_RULES


@dataclass(frozen=True)
class PipelineReport:
    """What the pipeline page shows. The shortlist figures are the ops audit's own
    (:func:`scoring.reports.shortlist.shortlist_figures`): one read, one computation, each search
    on its client's country's calendar."""

    as_of: date
    open_searches: int
    searches: int
    stages: pd.DataFrame          # funnel.funnel_table per stage, with the stage name
    by_month: pd.DataFrame        # funnel.funnel_table by month of entry
    shortlist: pd.Series          # sla.shortlist_summary over all searches (counted, at risk, cancelled)
    shortlist_times: pd.DataFrame # sla.shortlist_times per search
    at_risk: pd.DataFrame         # open searches past the 7-day target, not past 14: not counted yet
    cancelled: pd.DataFrame       # searches cancelled without a shortlist: left out, listed apart
    stalled: pd.DataFrame         # open applications waiting longest in each stage (see stalled_rows)
    holidays: pd.DataFrame        # country, date, holiday: the calendars the business days exclude
    countries: tuple[str, ...]    # the clients' countries whose calendars apply

    @property
    def searches_text(self) -> str:
        """How many searches the figures cover, in words that agree in number ("1 search", "26 searches")."""
        return f"{self.searches:,} search" if self.searches == 1 else f"{self.searches:,} searches"


def pipeline_report(db: Database, actor: Account, search_filter: SearchFilter, as_of: date) -> PipelineReport:
    shortlist = shortlist_figures(db, actor, search_filter, as_of)
    searches = shortlist.searches
    names = applications.stage_names(db, actor)
    overall = applications.funnel_counts(db, actor, search_filter, as_of).set_index("stage_id")
    stages = funnel.finish_funnel(overall, []).merge(names, on="stage_id")
    monthly = applications.funnel_counts(db, actor, search_filter, as_of, by_month=True)
    by_month = funnel.finish_funnel(monthly.set_index(["entry_month", "stage_id"]), ["entry_month"])
    stalled = stalled_rows(applications.stalled(db, actor, search_filter, as_of, STALLED_PER_STAGE)
                           .merge(names, on="stage_id"))
    return PipelineReport(
        as_of=as_of, open_searches=int((searches["status"] == "open").sum()), searches=len(searches),
        stages=stages, by_month=by_month, shortlist=shortlist.summary, shortlist_times=shortlist.times,
        at_risk=shortlist.at_risk, cancelled=shortlist.cancelled, stalled=stalled, holidays=shortlist.holidays,
        countries=shortlist.countries,
    )


def stalled_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The candidates waiting longest in each stage, as the page lists them.

    Adds ``profile``, the address of the candidate's profile (:func:`scoring.reports.candidate.profile_link`),
    ``role``, the search's role with its reference, and ``entered_on`` as a calendar date.

    Examples
    --------
    >>> rows = pd.DataFrame({"stage_id": [1], "candidate_ref": ["CA-1"], "candidate": ["Ana Lima"],
    ...                      "search_ref": ["SR-7"], "role_title": ["MLOps Engineer"], "client": ["Acme"],
    ...                      "entered_on": [pd.Timestamp("2025-06-02")], "age_days": [28]})
    >>> stalled_rows(rows).iloc[0][["profile", "role", "entered_on"]].tolist()
    ['/candidate?q=CA-1', 'MLOps Engineer (SR-7)', datetime.date(2025, 6, 2)]
    """
    out = rows.copy()
    out["profile"] = out["candidate_ref"].map(profile_link)
    out["role"] = out["role_title"] + " (" + out["search_ref"] + ")"
    out["entered_on"] = pd.to_datetime(out["entered_on"]).dt.date
    return out.reset_index(drop=True)
