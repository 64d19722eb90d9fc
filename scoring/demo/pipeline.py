"""The demo agency's vetting pipeline: stages, reviews, shortlists, placements and replacements.

Walks every application through the four stages on a calendar that stops at the demo's "as of"
day: a stage not yet entered by then is absent, one not yet decided is open, and its reviewers'
scorecards are partly submitted, partly drafts, partly not started (the reviewers' queue).

The walk is paced so the agency keeps its promises with a few misses (:mod:`scoring.demo.targets`):
each stage takes a day or two, a few searches for scarce skills take longer to shortlist, a placed
engineer starts about two weeks after the client accepts, and a replacement arrives in about a week.

It reads the candidates, searches and reviewers from a :class:`scoring.demo.generator._Generator`
it is given, and imports nothing from that module.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from scoring.agency.scorecard import EARLIEST_DATE, version_in_force
from scoring.domain.dimensions import DEFAULT_WEIGHTS_PCT, DIMENSION_CODES
from scoring.domain.ratings import NOTE_REQUIRED_LEVELS, RATING_MAX
from scoring.domain.stages import SCORED_STAGES, Stage

NOT_ENTERED = -1
SECONDS_PER_DAY = 86_400
REVIEW_DUE_DAYS = 3
THIRD_REVIEWER_SHARE = 0.2                  # scored applications given a third reviewer; the rest get two
STAGE_DAYS = {                              # (fewest days, mean extra days) a stage takes to decide
    Stage.TOOLING_AUDIT: (1, 0.5),
    Stage.INCIDENT_INTERVIEW: (1, 0.8),
    Stage.TAKE_HOME: (2, 1.0),              # 3-4 hours of work, handed in within a few days
}
PASS_THRESHOLD = {Stage.INCIDENT_INTERVIEW: 3.3, Stage.TAKE_HOME: 3.55}   # consensus weighted score to pass
SHORTLIST_SIZES = ((2, 0.44), (3, 0.55), (4, 0.01))   # candidates presented; 4 breaks the 2-3 promise
SCARCE_SEARCH_SHARE = 0.08                  # searches for scarce skills: the shortlist waits...
SCARCE_SEARCH_DELAY = (7, 17)               # ...this many more calendar days (low, high exclusive)
CLIENT_DECISION_DAYS = (2, 9)               # from the shortlist to the client's answer
START_GAP = (11, 4, 3, 30)                  # accepted -> first day: mean, sd, fewest, most days
LONG_NOTICE_SHARE = 0.06                    # engineers serving a longer notice period...
LONG_NOTICE_DAYS = (10, 25)                 # ...start this many days later still
MISFIT_RATE = 0.045                         # placements ending as not a fit, at the average hire...
MISFIT_SKILL_EFFECT = 1.6                   # ...less likely the stronger the engineer (log-odds per sd)
REPLACEMENT_DAYS = (5, 3.0)                 # request -> replacement's first day: fewest, mean extra
LATE_REPLACEMENT_SHARE = 0.05               # replacements hard to find...
LATE_REPLACEMENT_DELAY = (9, 15)            # ...take this many days more (low, high exclusive)
CHARGED_REPLACEMENT_SHARE = 0.015           # a replacement the client agreed to pay for
SHORTLIST = Stage.CLIENT_SHORTLIST
WEEKLY_RATE_BAND = {"junior": (600, 720), "mid": (700, 860), "senior": (840, 1000)}   # USD per week (seed)
SECOND_WEIGHTS_PCT = {"infrastructure": 25, "deployment": 25, "monitoring": 25, "automation": 15,
                      "governance": 10}
SECOND_WEIGHTS_AGE_DAYS = 300               # the current weights came in this many days ago
SECOND_WEIGHTS_VERSION = 2                  # version 1 is the default every database holds (schema.sql)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _exactly(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    """``n`` flags of which exactly ``round(share * n)``, chosen at random, are set: a small demo then
    shows the intended rate instead of a lucky or unlucky draw."""
    return rng.permutation(n) < round(share * n)


class PipelineDraw:
    """Draws the pipeline tables from a demo generator's latent truth (see :mod:`scoring.demo.generator`)."""

    def __init__(self, generator, stage1_pass: np.ndarray) -> None:
        self.g = generator
        self.rng = generator.rng
        self.today = generator.today
        self.stage1_pass = stage1_pass
        self.n_apps = len(generator.applied)
        earliest = int(np.datetime64(EARLIEST_DATE, "D").astype(np.int64))
        self.weight_starts = np.array([earliest, self.today - SECOND_WEIGHTS_AGE_DAYS])
        self.weight_sets = [DEFAULT_WEIGHTS_PCT, SECOND_WEIGHTS_PCT]
        self.enter = np.full((5, self.n_apps), NOT_ENTERED, dtype=np.int64)   # row = stage (1-4)
        self.decide = np.full((5, self.n_apps), NOT_ENTERED, dtype=np.int64)
        self.passed = np.zeros((5, self.n_apps), dtype=bool)
        self.reviews: list[dict[str, np.ndarray]] = []

    def draw(self, say: Callable[[str, float], None]) -> dict[str, pd.DataFrame]:
        self._stage(Stage.TOOLING_AUDIT, self.g.applied, lambda apps, day, still_open: self.stage1_pass[apps])
        for stage in SCORED_STAGES:
            self._stage(stage, self.decide[stage - 1], self._reviewed_decision(stage))
        say("shortlists and placements", 0.35)
        searches = self._shortlists()
        placements, replacements = self._placements()
        say("assembling tables", 0.4)
        tables = {
            "searches_update": searches, "stage_decisions": self._stage_decisions(),
            "placements": placements, "replacements": replacements,
            # the first set is the seeded version 1 every database already holds: only the second is new
            "weight_versions": pd.DataFrame({
                "version_id": [SECOND_WEIGHTS_VERSION],
                "effective_from": pd.to_datetime(self.weight_starts[1:], unit="D"),
                "note": ["Monitoring raised: the highest-signal skill"]}),
            "dimension_weights": pd.DataFrame(
                [(SECOND_WEIGHTS_VERSION, d + 1, SECOND_WEIGHTS_PCT[code]) for d, code in enumerate(DIMENSION_CODES)],
                columns=["version_id", "dimension_id", "weight_pct"]),
        }
        tables.update(self._scorecards())
        return tables

    # -- stages ---------------------------------------------------------------------------------
    def _stage(self, stage: Stage, previous: np.ndarray,
               decide: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]) -> None:
        rng = self.rng
        base_days, extra_days = STAGE_DAYS[stage]
        if stage == Stage.TOOLING_AUDIT:
            eligible = np.ones(self.n_apps, dtype=bool)
        else:
            eligible = self.passed[stage - 1] & (self.decide[stage - 1] != NOT_ENTERED)
        apps = np.nonzero(eligible)[0]
        entered = previous[apps] + rng.integers(0, 2, len(apps))
        decided = entered + base_days + rng.poisson(extra_days, len(apps))
        inside = entered <= self.today
        apps, entered, decided = apps[inside], entered[inside], decided[inside]
        self.enter[stage, apps] = entered
        closed = decided <= self.today
        outcome = decide(apps, entered, ~closed)
        self.decide[stage, apps[closed]] = decided[closed]
        self.passed[stage, apps[closed]] = outcome[closed]

    def _reviewed_decision(self, stage: Stage) -> Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
        """Reviewers rate each application; it passes when their weighted consensus clears the bar."""

        def decide(apps: np.ndarray, entered: np.ndarray, still_open: np.ndarray) -> np.ndarray:
            rng, n_reviewers = self.rng, self.g.config.reviewers
            per_app = np.where(rng.random(len(apps)) < THIRD_REVIEWER_SHARE, 3, 2)
            chosen = rng.random((len(apps), n_reviewers)).argpartition(3, axis=1)[:, :3]
            # the demo reviewer account (reviewer 0) always has open work in its queue
            demo_reviewer_missing = still_open & ~(chosen == 0).any(axis=1)
            chosen[demo_reviewer_missing, 0] = 0
            slot = np.arange(3)[None, :] < per_app[:, None]
            review_app = np.repeat(apps, per_app)
            reviewer = chosen[slot]
            day = np.repeat(entered, per_app) + rng.integers(0, 2, len(reviewer))
            ratings = self.g.ratings(review_app, reviewer, day, stage)
            self.reviews.append({"app": review_app, "stage": np.full(len(reviewer), int(stage)),
                                 "reviewer": reviewer, "day": day, "ratings": ratings,
                                 "assigned": np.repeat(entered, per_app)})
            version = version_in_force(pd.Series(pd.to_datetime(self.weight_starts, unit="D")),
                                       pd.to_datetime(entered, unit="D"))
            weight_table = np.array([[w[d] for d in DIMENSION_CODES] for w in self.weight_sets]) / 100
            means = pd.DataFrame(ratings).groupby(review_app).mean().reindex(apps).to_numpy()
            consensus = (means * weight_table[version]).sum(axis=1)
            passed = consensus + rng.normal(0, 0.12, len(apps)) >= PASS_THRESHOLD[stage]
            return passed & ~self.g.dropped(apps, stage, entered)

        return decide

    # -- shortlists -----------------------------------------------------------------------------
    def _shortlists(self) -> pd.DataFrame:
        """The first 2-3 finishers of stage 3 in each search form its shortlist."""
        rng, g = self.rng, self.g
        ready = self.passed[Stage.TAKE_HOME] & (self.decide[Stage.TAKE_HOME] != NOT_ENTERED)
        finishers = pd.DataFrame({"app": np.nonzero(ready)[0]})
        finishers["search"] = g.app_search[finishers["app"]]
        finishers["day"] = self.decide[Stage.TAKE_HOME, finishers["app"]]
        finishers = finishers.sort_values(["search", "day", "app"])
        finishers["order"] = finishers.groupby("search").cumcount()
        n_searches = len(g.search_opened)
        sizes, shares = zip(*SHORTLIST_SIZES)
        size = rng.choice(sizes, n_searches, p=shares)
        finishers = finishers[finishers["order"] < size[finishers["search"]]]
        # A search short of finishers waits while any of its candidates is still being vetted.
        vetting = np.zeros(n_searches, dtype=bool)
        for stage in (Stage.TOOLING_AUDIT, *SCORED_STAGES):
            undecided = (self.enter[stage] != NOT_ENTERED) & (self.decide[stage] == NOT_ENTERED)
            vetting[g.app_search[undecided]] = True
        count = finishers.groupby("search")["app"].size()
        waiting = count.index[(count.to_numpy() < size[count.index]) & vetting[count.index]]
        finishers = finishers[~finishers["search"].isin(waiting)]
        last = finishers.groupby("search")["day"].max()
        delivered = np.full(n_searches, NOT_ENTERED)
        scarce = rng.random(len(last)) < SCARCE_SEARCH_SHARE
        delay = rng.integers(0, 2, len(last)) + scarce * rng.integers(*SCARCE_SEARCH_DELAY, len(last))
        delivered[last.index] = last.to_numpy() + delay
        client_end = g.client_end[g.search_client - 1]
        delivered[(delivered > self.today) | (delivered >= client_end)] = NOT_ENTERED
        shortlisted = finishers[delivered[finishers["search"]] != NOT_ENTERED]
        self.enter[SHORTLIST, shortlisted["app"]] = delivered[shortlisted["search"]]
        self._client_choice(shortlisted, delivered)
        return self._search_status(delivered, client_end)

    def _client_choice(self, shortlisted: pd.DataFrame, delivered: np.ndarray) -> None:
        """The client accepts at most one candidate, more likely a stronger one, or none."""
        rng, g = self.rng, self.g
        decided_day = delivered + rng.integers(*CLIENT_DECISION_DAYS, len(delivered))
        apps = shortlisted["app"].to_numpy()
        searches = shortlisted["search"].to_numpy()
        appeal = np.exp(1.6 * g.app_skill[apps]) * rng.random(len(apps))
        best = pd.Series(appeal, index=apps).groupby(searches).idxmax()
        hires = rng.random(len(best)) < 0.88
        chosen = np.zeros(self.n_apps, dtype=bool)
        chosen[best.to_numpy()[hires]] = True
        day = decided_day[searches]
        closed = day <= self.today
        self.decide[SHORTLIST, apps[closed]] = day[closed]
        self.passed[SHORTLIST, apps[closed]] = chosen[apps[closed]]

    def _search_status(self, delivered: np.ndarray, client_end: np.ndarray) -> pd.DataFrame:
        g = self.g
        n = len(delivered)
        shortlist = pd.DataFrame({"search": g.app_search, "decided": self.decide[SHORTLIST],
                                  "passed": self.passed[SHORTLIST],
                                  "entered": self.enter[SHORTLIST]})
        shortlist = shortlist[shortlist["entered"] != NOT_ENTERED]
        by_search = shortlist.groupby("search").agg(
            hired=("passed", "any"), decided=("decided", "max"),
            pending=("decided", lambda d: (d == NOT_ENTERED).any()))
        status = np.full(n, "open", dtype=object)
        closed = np.full(n, NOT_ENTERED)
        has_list = delivered != NOT_ENTERED
        status[has_list] = "shortlisted"
        idx = by_search.index.to_numpy()
        filled = by_search["hired"].to_numpy()
        done = ~by_search["pending"].to_numpy()
        status[idx[filled]] = "filled"
        closed[idx[filled]] = by_search["decided"].to_numpy()[filled]
        none_hired = done & ~filled
        status[idx[none_hired]] = "cancelled"
        closed[idx[none_hired]] = by_search["decided"].to_numpy()[none_hired]
        unlisted_gone = ~has_list & ((g.search_opened < self.today - 60) | (client_end <= self.today))
        status[unlisted_gone] = "cancelled"
        closed[unlisted_gone] = np.minimum(g.search_opened + 60, client_end)[unlisted_gone]
        closed = np.where(closed > self.today, self.today, closed)
        closed = np.where(closed == NOT_ENTERED, NOT_ENTERED, np.maximum(closed, g.search_opened))
        return pd.DataFrame({"search_id": np.arange(1, n + 1), "status": status,
                             "shortlist_delivered_on": delivered, "closed_on": closed})

    # -- placements and the replacement guarantee --------------------------------------------------
    def _placements(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        rng, g = self.rng, self.g
        hired = np.nonzero(self.passed[SHORTLIST])[0]
        accepted = self.decide[SHORTLIST, hired]
        mean, sd, fewest, most = START_GAP
        gap = np.clip(rng.normal(mean, sd, len(hired)), fewest, most).astype(int)
        gap += (rng.random(len(hired)) < LONG_NOTICE_SHARE) * rng.integers(*LONG_NOTICE_DAYS, len(hired))
        first_day = accepted + gap
        # Whether the engineer fits depends on what the take-home measures: the weighted true level.
        level = g.true_level(hired) if len(hired) else np.zeros(0)
        centred = (level - level.mean()) / level.std() if len(hired) > 1 else level
        not_a_fit = rng.random(len(hired)) < _sigmoid(np.log(MISFIT_RATE / (1 - MISFIT_RATE))
                                                      - MISFIT_SKILL_EFFECT * centred)
        misfit_day = first_day + 14 + rng.exponential(100, len(hired)).astype(int)
        leaves = rng.random(len(hired)) < 0.07
        leave_day = first_day + 30 + rng.exponential(300, len(hired)).astype(int)
        client_end = g.client_end[g.search_client[g.app_search[hired]] - 1]
        end = np.full(len(hired), 10**9)
        reason = np.full(len(hired), None, dtype=object)
        # A client who left before its engineer's first day ends that placement on the first day: a
        # churn never leaves a placement running that starts after it (scoring.agency.records).
        churn_day = np.where(client_end <= self.today, np.maximum(client_end, first_day), client_end)
        for mask, day, why in ((leaves, leave_day, "engineer_left"),
                               (np.ones(len(hired), bool), churn_day, "client_churned"),
                               (not_a_fit, misfit_day, "not_a_fit")):
            earlier = mask & (day < end) & (day >= first_day)
            end[earlier], reason[earlier] = day[earlier], why
        runners_up = self._runners_up()
        rows = [list(row) for row in zip(hired, accepted, first_day, end, reason)]
        replacement_rows = []
        misfits = np.nonzero(reason == "not_a_fit")[0]
        late = _exactly(rng, len(misfits), LATE_REPLACEMENT_SHARE)
        for i, hard_to_find in zip(misfits, late):
            requested = end[i] - int(rng.integers(0, 4))
            if requested > self.today:
                continue
            candidates = runners_up.get(g.app_search[hired[i]], [])
            fewest, extra = REPLACEMENT_DAYS
            fulfil_days = int(fewest + rng.poisson(extra) + hard_to_find * rng.integers(*LATE_REPLACEMENT_DELAY))
            fulfilled = requested + fulfil_days
            if fulfilled > client_end[i]:        # the client left: nothing to replace any more
                rows[i][3], rows[i][4] = max(client_end[i], first_day[i]), "client_churned"
                continue
            if not candidates:                  # no vetted engineer left for this search
                rows[i][4] = "engineer_left"
                continue
            if fulfilled > self.today:
                replacement_rows.append([i, requested, NOT_ENTERED, None])
                continue
            runner = candidates.pop(0)
            if self.enter[SHORTLIST, runner] == NOT_ENTERED:    # from the bench: presented for the replacement
                self.enter[SHORTLIST, runner] = requested
            self.decide[SHORTLIST, runner], self.passed[SHORTLIST, runner] = fulfilled, True
            rows.append([runner, requested + fulfil_days // 2, fulfilled, 10**9, None])
            if client_end[i] <= self.today:
                rows[-1][3], rows[-1][4] = client_end[i], "client_churned"
            replacement_rows.append([i, requested, fulfilled, len(rows) - 1])
        return self._placement_frame(rows), self._replacement_frame(replacement_rows, rows)

    def _runners_up(self) -> dict[int, list[int]]:
        """Per search, who can replace a placed engineer: shortlisted but not chosen, then the bench
        (passed every vetting stage but finished after the shortlist was full)."""
        not_chosen = (self.decide[SHORTLIST] != NOT_ENTERED) & ~self.passed[SHORTLIST]
        bench = self.passed[Stage.TAKE_HOME] & (self.enter[SHORTLIST] == NOT_ENTERED)
        runners: dict[int, list[int]] = {}
        for app in np.concatenate([np.nonzero(not_chosen)[0], np.nonzero(bench)[0]]):
            runners.setdefault(int(self.g.app_search[app]), []).append(int(app))
        return runners

    def _placement_frame(self, rows: list[list]) -> pd.DataFrame:
        rng, g = self.rng, self.g
        frame = pd.DataFrame(rows, columns=["app", "accepted", "first_day", "end", "reason"])
        frame.loc[frame["end"] > self.today, ["end", "reason"]] = [NOT_ENTERED, None]
        seniority = g.search_seniority[g.app_search[frame["app"]]]
        low = np.array([WEEKLY_RATE_BAND[s][0] for s in seniority])
        high = np.array([WEEKLY_RATE_BAND[s][1] for s in seniority])
        n = len(frame)
        return pd.DataFrame({
            "placement_id": np.arange(1, n + 1), "external_id": [f"PL-{i:06d}" for i in range(1, n + 1)],
            "application_id": frame["app"].to_numpy() + 1,
            "weekly_rate_usd": np.round(rng.uniform(low, high) / 10) * 10,
            "accepted_on": frame["accepted"].to_numpy(), "first_day": frame["first_day"].to_numpy(),
            "ended_on": frame["end"].to_numpy(), "end_reason": frame["reason"].to_numpy(),
        })

    def _replacement_frame(self, rows: list[list], placements: list[list]) -> pd.DataFrame:
        rng = self.rng
        n = len(rows)
        frame = pd.DataFrame(rows, columns=["placement", "requested", "fulfilled", "replacing"])
        charged = _exactly(rng, n, CHARGED_REPLACEMENT_SHARE)
        return pd.DataFrame({
            "replacement_id": np.arange(1, n + 1), "external_id": [f"RP-{i:05d}" for i in range(1, n + 1)],
            "placement_id": frame["placement"].to_numpy() + 1, "requested_on": frame["requested"].to_numpy(),
            "fulfilled_on": frame["fulfilled"].to_numpy(),
            "replacing_placement_id": frame["replacing"].map(lambda r: None if r is None or pd.isna(r) else int(r) + 1),
            "cost_usd": np.where(charged, 250.0, 0.0),
            # numpy's stubs refuse None as a choice of np.where, which numpy itself accepts
            "cost_reason": np.where(charged, "relocation fee agreed with the client", None),  # type: ignore[call-overload]
        })

    # -- tables ---------------------------------------------------------------------------------
    def _stage_decisions(self) -> pd.DataFrame:
        frames = []
        for stage in Stage:
            apps = np.nonzero(self.enter[stage] != NOT_ENTERED)[0]
            decided = self.decide[stage, apps]
            frames.append(pd.DataFrame({
                "application_id": apps + 1, "stage_id": int(stage), "entered_on": self.enter[stage, apps],
                "decided_on": decided,
                "decision": np.where(decided == NOT_ENTERED, None,  # type: ignore[call-overload]  # None, as above
                                     np.where(self.passed[stage, apps], "pass", "fail")),
            }))
        return pd.concat(frames, ignore_index=True)

    def open_tooling_audits(self) -> np.ndarray:
        """Applications whose tooling audit has started but is not decided: a reviewer's queue."""
        audit = Stage.TOOLING_AUDIT
        return np.nonzero((self.enter[audit] != NOT_ENTERED) & (self.decide[audit] == NOT_ENTERED))[0]

    def _scorecards(self) -> dict[str, pd.DataFrame]:
        """Assignments, scorecards and their ratings; open stages leave drafts and a queue."""
        rng = self.rng
        r = {k: np.concatenate([batch[k] for batch in self.reviews]) for k in self.reviews[0]}
        stage_open = self.decide[r["stage"], r["app"]] == NOT_ENTERED
        state = np.where(~stage_open, "submitted",
                         rng.choice(np.array(["submitted", "draft", "none"]), len(r["app"]), p=[.45, .2, .35]))
        state[(state == "submitted") & (r["day"] > self.today)] = "draft"
        state[stage_open & (r["reviewer"] == 0)] = "none"
        audits = self.open_tooling_audits()
        auditor = rng.integers(0, self.g.config.reviewers, len(audits))
        auditor[::2] = 0                       # the demo reviewer account has audits waiting too
        assignments = pd.DataFrame({
            "application_id": np.concatenate([r["app"], audits]) + 1,
            "stage_id": np.concatenate([r["stage"], np.full(len(audits), int(Stage.TOOLING_AUDIT))]),
            "reviewer_id": np.concatenate([r["reviewer"], auditor]) + 1,
            "assigned_on": np.concatenate([r["assigned"], self.enter[Stage.TOOLING_AUDIT, audits]]),
        })
        assignments["due_on"] = assignments["assigned_on"] + REVIEW_DUE_DAYS
        has_card = state != "none"
        n = int(has_card.sum())
        day = np.minimum(r["day"][has_card], self.today)
        created = day * SECONDS_PER_DAY + rng.integers(8 * 3600, 17 * 3600, n)
        submitted = np.where(state[has_card] == "submitted", created + rng.integers(600, 7200, n), -1)
        cards = pd.DataFrame({
            "scorecard_id": np.arange(1, n + 1), "application_id": r["app"][has_card] + 1,
            "stage_id": r["stage"][has_card], "reviewer_id": r["reviewer"][has_card] + 1, "revision": 1,
            "status": state[has_card], "created_at": created, "submitted_at": submitted,
            "amendment_reason": None,
        })
        ratings = r["ratings"][has_card]
        scores = pd.DataFrame({
            "scorecard_id": np.repeat(cards["scorecard_id"].to_numpy(), len(DIMENSION_CODES)),
            "dimension_id": np.tile(np.arange(1, len(DIMENSION_CODES) + 1), n),
            "rating": ratings.reshape(-1),
        })
        scores["note"] = np.where(np.isin(scores["rating"], sorted(NOTE_REQUIRED_LEVELS)),
                                  np.where(scores["rating"] == RATING_MAX, "specific production evidence given",
                                           "no concrete evidence offered"), "")
        return {"assignments": assignments, "scorecards": cards, "scores": scores}
