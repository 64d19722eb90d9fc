"""A realistic demo agency, generated deterministically from a seed.

Each candidate has a latent skill and a profile across the five dimensions; every observable
(stage-1 tooling evidence, reviewers' ratings, stage decisions, the client's choice, whether a
placement lasts) depends on them with noise, so the analytics have a real signal to find.

The agency it draws is the seed's agency, working as promised with a handful of misses to find
(:data:`scoring.demo.targets.TARGETS` states each figure, its tolerance and its source): most
shortlists within 14 business days, a first day about four weeks after a search opens, most
replacements within the guarantee at zero cost, about 95% of clients past their first three months.
Reviewers agree as a working anchored rubric lets them (Krippendorff's alpha about 0.7), except on
Governance, whose anchors leave more to judgement; three reviewers stand out for the calibration
page to find: one lenient, one who grows harsher over the last months, one erratic. A calibration exercise
of past take-homes carries the experts' reference ratings (:mod:`scoring.demo.exercise`), so the page can
show how far each reviewer scores from them.

Most candidates answer the voluntary self-identification (EEO-1 sex and race/ethnicity), drawn from a
random stream of their own. Two unfair effects are planted for the fairness page to find: one ordinary
reviewer marks Hispanic or Latino candidates down by about half a rating point on Model Deployment, and
the take-home fails a quarter of the women it would pass, whatever their score (an impact ratio near
0.75). Both began 18 months before the demo's date; the history before is fair.

Generation is vectorised with numpy; dates are day numbers (days since 1970-01-01) until the end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from scoring.demo.exercise import reference_exercise
from scoring.demo.pipeline import PipelineDraw
from scoring.domain.dimensions import DEFAULT_WEIGHTS_PCT, DIMENSION_CODES
from scoring.domain.ratings import RATING_MAX, RATING_MIN
from scoring.domain.seniorities import SENIORITIES as SENIORITY_CODES
from scoring.domain.stages import Stage
from scoring.domain.tools import REQUIRED_CATEGORIES, TOOL_CATALOGUE

Progress = Callable[[str, float], None]   # (what is happening, share done 0-1)
#: (tool_id, name, category) in the order of the catalogue, which is also the schema's tool ids.
TOOLS = tuple((i + 1, name, category) for i, (category, name) in
              enumerate((c, n) for c, names in TOOL_CATALOGUE.items() for n in names))
HISTORY_DAYS = 3 * 365
CANDIDATES_PER_SEARCH = 40
CANDIDATES_PER_CLIENT = 342          # 85,500 candidates -> 250 clients, the seed's figures
CANDIDATES_PER_REVIEWER = 1_425      # 85,500 candidates -> 60 reviewers
EARLY_CHURN_SHARE = 0.04             # clients leaving within their first 3 months (seed: at least 95% stay)
LATE_CHURN_SHARE = 0.18              # clients leaving some time after their first 3 months
RETENTION_MONTHS_DAYS = 92           # a client signed this long ago has a known 3-month outcome

# How reviewers rate (rating points on the 1-5 scale). A rating is the candidate's true level on the
# dimension, moved by the reviewer's severity and blurred by the reviewer's noise, then rounded.
RATING_CENTRE = 3.0                  # the rating of an average candidate on an average dimension
TAKE_HOME_BAR = 0.7                  # the take-home asks more: the same level rates this much lower
INTERVIEW_NOISE = 1.4                # an interview leaves more to judgement than a submitted repository
RATING_SLOPE = 0.95                  # rating points per standard deviation of skill
PROFILE_SD = 0.7                     # a candidate's own strengths and gaps across dimensions
DIFFICULTY = {"infrastructure": 0.1, "deployment": 0.0, "monitoring": -0.25, "automation": 0.05,
              "governance": 0.15}    # Monitoring is the hardest dimension to score well on
VAGUE_DIMENSION = "governance"       # its anchors leave most to judgement: reviewers agree least
VAGUE_NOISE = 2.1                    # how much more a reviewer's noise blurs it
SEVERITY_SD = 0.05                   # the spread of ordinary reviewers' severities
NOISE_RANGE = (0.2, 0.35)            # ordinary reviewers' noise
LENIENT_SEVERITY = -0.55             # the lenient reviewer rates this much above peers
DRIFT_DAYS = 270                     # the drifting reviewer grows harsher over the last months...
DRIFT_SEVERITY = 1.0                 # ...by this much in all
ERRATIC_NOISE = 1.4                  # the erratic reviewer's noise
SENIORITIES = np.array(SENIORITY_CODES)
# Voluntary self-identification (scoring.domain.self_identification): who answers, and how.
SELF_ID_ANSWERED = 0.85              # candidates who answered the questions at all
SEX_SHARES = (("female", 0.27), ("male", 0.66), ("prefer_not_to_say", 0.07))
RACE_SHARES = (("asian", 0.45), ("white", 0.2), ("hispanic_latino", 0.14), ("black", 0.08),
               ("two_or_more", 0.04), ("pacific_islander", 0.01), ("american_indian", 0.01),
               ("prefer_not_to_say", 0.07))
# The planted unfairness the fairness page must find (scoring.demo.targets).
BIASED_DIMENSION = "deployment"      # the biased reviewer marks one group down on this dimension...
BIASED_AGAINST = ("race_ethnicity", "hispanic_latino")   # ...this group...
REVIEWER_GROUP_BIAS = 0.6            # ...by this much before rounding (a little less, about 0.45, as rated)
IMPACT_STAGE = Stage.TAKE_HOME       # the stage whose pass rate differs between groups...
IMPACT_GROUP = ("sex", "female")     # ...this group...
IMPACT_DROPPED = 0.25                # ...losing this share of its passes, whatever the score (ratio about 0.75)
UNFAIR_DAYS = 540                    # both began this many days before the demo's date (the older history is fair)
DEMO_PASSWORD = "demo-password"
DEMO_ACCOUNTS = (   # (email, display name, role); reviewer@ is also the first reviewer of the pool
    ("reviewer@demo.example", "Riley Reviewer", "reviewer"),
    ("lead@demo.example", "Harper Lead", "hiring_lead"),
    ("ops@demo.example", "Oakley Ops", "ops"),
    ("admin@demo.example", "Avery Admin", "admin"),
    ("jordan.lead@demo.example", "Jordan Ellis", "hiring_lead"),   # two more leads share the clients
    ("sam.lead@demo.example", "Sam Okafor", "hiring_lead"),
    ("auditor@demo.example", "Aubrey Auditor", "auditor"),        # reads self-identification and fairness
)
FIRST_NAMES = ("Aarav Aisha Alejandro Amara Ana Andrei Arjun Beatriz Bilal Camila Chen Chidi Daniela "
               "Diego Dmitri Elena Emeka Fatima Gabriel Hana Hugo Ines Ivan Jakub Jia Joao Julia Kavya "
               "Kenji Lucia Luis Maja Marta Mateo Mei Mohammed Nadia Neha Nikolai Olena Omar Pablo Priya "
               "Rafael Rahul Rosa Sahil Sara Sofia Tariq Tomasz Valentina Vikram Wei Yara Yusuf Zofia").split()
LAST_NAMES = ("Abara Ahmed Alvarez Banerjee Bondarenko Castro Chowdhury Costa Cruz Dimitrov Fernandes Garcia "
              "Gomez Gupta Haddad Hernandez Ibrahim Iyer Jankowski Khan Kim Kovalenko Kowalski Kumar Li "
              "Lopez Mendoza Mehta Moreno Nair Nguyen Novak Okafor Oliveira Patel Pereira Petrov Qureshi "
              "Ramos Rao Reyes Rodrigues Santos Shah Silva Singh Sokolov Tan Torres Wang Wisniewski Yilmaz "
              "Zhang").split()
CANDIDATE_COUNTRIES = (("IN", .34), ("PH", .12), ("PL", .1), ("BR", .1), ("MX", .08), ("UA", .07),
                       ("PK", .07), ("EG", .05), ("AR", .04), ("RO", .03))
CLIENT_WORDS = (("Blue North Bright Cedar Delta Ember Granite Harbor Iron Lumen Maple Nova Orbit Pine "
                 "Quartz River Silver Summit Tidal Vertex").split(),
                ("Analytics Health Labs Logistics Robotics Retail Finance Media Energy Mobility Security "
                 "Insights Commerce Bio Cloud").split())
ROLE_TITLES = ("MLOps Engineer", "ML Platform Engineer", "ML Infrastructure Engineer",
               "Machine Learning Engineer, Production", "Model Serving Engineer", "MLOps Lead")


@dataclass(frozen=True)
class DemoConfig:
    """Size and seed of a demo agency; the same config always gives the same data."""

    candidates: int = 85_500
    seed: int = 7
    as_of: date = field(default_factory=date.today)

    @property
    def clients(self) -> int:
        return max(8, round(self.candidates / CANDIDATES_PER_CLIENT))

    @property
    def searches(self) -> int:
        return max(20, round(self.candidates / CANDIDATES_PER_SEARCH))

    @property
    def reviewers(self) -> int:
        return max(16, round(self.candidates / CANDIDATES_PER_REVIEWER))


def _days(d: date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _dates(days: np.ndarray) -> pd.Series:
    """Day numbers to dates; negative sentinels (-1) become missing."""
    values = np.asarray(days, dtype=np.int64)
    out = pd.Series(values.astype("datetime64[D]")).astype("datetime64[s]")
    return out.where(values >= 0)


class _Generator:
    """Holds the shared random state and the latent truth while the tables are drawn."""

    def __init__(self, config: DemoConfig) -> None:
        self.config = config
        self.rng = np.random.default_rng(config.seed)
        self.today = _days(config.as_of)
        self.start = self.today - HISTORY_DAYS

    # -- clients, searches, candidates ---------------------------------------------------------
    def clients(self) -> pd.DataFrame:
        rng, n = self.rng, self.config.clients
        signed = rng.integers(self.start - 365, self.today - 30, n)
        # Exactly EARLY_CHURN_SHARE of the clients old enough to judge leave early, so a small demo
        # shows the intended rate rather than a lucky or unlucky draw: one client in every
        # 1 / EARLY_CHURN_SHARE in order of signing, so any year's cohort shows it too.
        known = np.nonzero(signed <= self.today - RETENTION_MONTHS_DAYS)[0]
        known = known[np.argsort(signed[known], kind="stable")]
        step = round(1 / EARLY_CHURN_SHARE)
        early_churn = np.zeros(n, dtype=bool)
        early_churn[known[int(rng.integers(0, step))::step]] = True
        late_churn = rng.random(n) < LATE_CHURN_SHARE
        churn_after = np.where(early_churn, rng.integers(20, 90, n),
                               RETENTION_MONTHS_DAYS + 10 + rng.exponential(320, n).astype(int))
        churned = np.where(early_churn | late_churn, signed + churn_after, -1)
        churned[churned > self.today] = -1
        first, second = CLIENT_WORDS
        names = [f"{first[i % len(first)]} {second[(i * 7 + i // len(first)) % len(second)]} {i + 1:03d}"
                 for i in rng.permutation(n)]
        self.client_signed, self.client_end = signed, np.where(churned >= 0, churned, self.today + 1)
        return pd.DataFrame({
            "client_id": np.arange(1, n + 1), "external_id": [f"CL-{i:05d}" for i in range(1, n + 1)],
            "name": names, "country": "US", "signed_on": _dates(signed), "churned_on": _dates(churned),
        })

    def searches(self) -> pd.DataFrame:
        rng, n = self.rng, self.config.searches
        opened = np.sort(rng.integers(self.start, self.today + 1, n))
        recent = max(4, n // 100)              # work in progress as of today, even in a small demo
        opened[-recent:] = np.sort(rng.integers(self.today - 10, self.today - 2, recent))
        active = (self.client_signed[None, :] <= opened[:, None]) & (opened[:, None] < self.client_end[None, :])
        appetite = rng.gamma(1.5, 1.0, self.config.clients)          # some clients hire much more
        weights = active * appetite
        has_client = weights.sum(axis=1) > 0
        opened, weights = opened[has_client], weights[has_client]
        cumulative = np.cumsum(weights, axis=1)
        pick = rng.random(len(opened))[:, None] * cumulative[:, -1:]
        client = (cumulative < pick).sum(axis=1) + 1
        n = len(opened)
        self.search_opened, self.search_client = opened, client
        self.search_seniority = rng.choice(SENIORITIES, n, p=[0.3, 0.45, 0.25])
        return pd.DataFrame({
            "search_id": np.arange(1, n + 1), "external_id": [f"SR-{i:06d}" for i in range(1, n + 1)],
            "client_id": client, "role_title": rng.choice(ROLE_TITLES, n),
            "seniority": self.search_seniority, "opened_on": _dates(opened),
        })

    def candidates(self) -> pd.DataFrame:
        rng, n = self.rng, self.config.candidates
        self.skill = rng.normal(0, 1, n)
        self.profile = rng.normal(0, PROFILE_SD, (n, len(DIMENSION_CODES)))
        seniority_index = np.clip(np.round(1 + 0.6 * self.skill + rng.normal(0, 0.7, n)), 0, 2).astype(int)
        self.candidate_seniority = SENIORITIES[seniority_index]
        first = rng.choice(FIRST_NAMES, n)
        last = rng.choice(LAST_NAMES, n)
        ids = np.arange(1, n + 1)
        countries, shares = zip(*CANDIDATE_COUNTRIES)
        return pd.DataFrame({
            "candidate_id": ids, "external_id": [f"CA-{i:06d}" for i in ids],
            "full_name": np.char.add(np.char.add(first.astype(str), " "), last.astype(str)),
            "email": [f"{given.lower()}.{family.lower()}.{i}@mail.example"
                      for given, family, i in zip(first, last, ids)],
            "country": rng.choice(countries, n, p=np.array(shares) / sum(shares)),
            "seniority": self.candidate_seniority,
        })

    def self_identification(self) -> pd.DataFrame:
        """The answers of the candidates who gave one, from a random stream of their own (the main stream
        is untouched, so every other table is drawn as it would be without them)."""
        rng, n = np.random.default_rng([self.config.seed, 1_607]), self.config.candidates
        answered = rng.random(n) < SELF_ID_ANSWERED
        sex_p = np.array([share for _, share in SEX_SHARES])
        race_p = np.array([share for _, share in RACE_SHARES])
        sex = rng.choice(np.array([code for code, _ in SEX_SHARES]), n, p=sex_p / sex_p.sum())
        race = rng.choice(np.array([code for code, _ in RACE_SHARES]), n, p=race_p / race_p.sum())
        self.answers = {"sex": np.where(answered, sex, ""), "race_ethnicity": np.where(answered, race, "")}
        self.unfair_rng = rng
        ids = np.nonzero(answered)[0]
        return pd.DataFrame({"candidate_id": ids + 1, "sex": sex[answered], "race_ethnicity": race[answered]})

    def in_group(self, candidates: np.ndarray, group: tuple[str, str]) -> np.ndarray:
        """Whether each of ``candidates`` (0-based) answered ``group`` ((attribute, code))."""
        attribute, code = group
        return self.answers[attribute][candidates] == code

    def unfair_since(self, day: np.ndarray) -> np.ndarray:
        """Whether day numbers ``day`` fall in the last :data:`UNFAIR_DAYS`, when the planted unfairness acts."""
        return day >= self.today - UNFAIR_DAYS

    def dropped(self, apps: np.ndarray, stage: int, entered: np.ndarray) -> np.ndarray:
        """Which of applications ``apps``, entering ``stage`` on days ``entered``, the planted unfairness fails
        whatever their score: a share of the group's, drawn from the answers' own random stream."""
        if stage != IMPACT_STAGE:
            return np.zeros(len(apps), dtype=bool)
        chance = self.unfair_rng.random(len(apps))
        in_group = self.in_group(self.app_candidate[apps], IMPACT_GROUP)
        return in_group & self.unfair_since(entered) & (chance < IMPACT_DROPPED)

    def applications(self) -> pd.DataFrame:
        rng = self.rng
        n_candidates, n_searches = self.config.candidates, len(self.search_opened)
        n_apps = int(n_candidates * 1.3)
        candidate = np.concatenate([rng.permutation(n_candidates)[: int(n_candidates * 0.93)],
                                    rng.integers(0, n_candidates, n_apps - int(n_candidates * 0.93))])
        search = rng.integers(0, n_searches, len(candidate))
        pairs = pd.DataFrame({"candidate": candidate, "search": search}).drop_duplicates()
        pairs = pairs.sort_values(["search", "candidate"]).reset_index(drop=True)
        self.app_candidate = pairs["candidate"].to_numpy()
        self.app_search = pairs["search"].to_numpy()
        self.app_skill = self.skill[self.app_candidate]
        self.applied = self.search_opened[self.app_search] + rng.integers(0, 5, len(pairs))
        n = len(pairs)
        keep = self.applied <= self.today
        self._keep_applications(keep)
        n = keep.sum()
        return pd.DataFrame({
            "application_id": np.arange(1, n + 1), "external_id": [f"AP-{i:07d}" for i in range(1, n + 1)],
            "candidate_id": self.app_candidate + 1, "search_id": self.app_search + 1,
            "applied_on": _dates(self.applied),
        })

    def _keep_applications(self, keep: np.ndarray) -> None:
        self.app_candidate, self.app_search = self.app_candidate[keep], self.app_search[keep]
        self.app_skill, self.applied = self.app_skill[keep], self.applied[keep]

    # -- stage 1: the tooling audit -------------------------------------------------------------
    def tooling(self) -> tuple[pd.DataFrame, np.ndarray]:
        """Claimed and verified tools per candidate; the stage-1 rule decides pass or fail."""
        rng = self.rng
        candidates = np.unique(self.app_candidate)
        tool_ids = np.array([t[0] for t in TOOLS])
        category = np.array([t[2] for t in TOOLS])
        required = np.isin(category, REQUIRED_CATEGORIES)
        claim_p = np.where(required, 0.5, 0.12)
        skill = self.skill[candidates][:, None]
        claimed = rng.random((len(candidates), len(TOOLS))) < claim_p
        verified = claimed & (rng.random(claimed.shape) < _sigmoid(1.4 * skill + 1.9))
        passes = np.ones(len(candidates), dtype=bool)
        for cat in REQUIRED_CATEGORIES:
            passes &= verified[:, category == cat].any(axis=1)
        row, col = np.nonzero(claimed)
        first_entry = pd.Series(self.applied).groupby(self.app_candidate).min()
        checked = first_entry.reindex(candidates).to_numpy() + 1
        evidence = pd.DataFrame({
            "candidate_id": candidates[row] + 1, "tool_id": tool_ids[col], "verified": verified[row, col],
            "evidence": np.where(verified[row, col], "verified against code samples", "self-reported"),
            "checked_on": _dates(np.minimum(checked[row], self.today)),
        })
        candidate_passes = np.zeros(self.config.candidates, dtype=bool)
        candidate_passes[candidates] = passes
        return evidence, candidate_passes[self.app_candidate]

    # -- reviewers and their ratings ------------------------------------------------------------
    def reviewer_traits(self) -> None:
        """Ordinary reviewers differ a little; three stand out (:func:`standout_reviewers`)."""
        rng, n = self.rng, self.config.reviewers
        self.severity = rng.normal(0, SEVERITY_SD, n)          # rating points; positive = harsher
        self.noise = rng.uniform(*NOISE_RANGE, n)
        self.lenient, self.drifting, self.erratic = standout_reviewers(n)
        self.biased = biased_reviewer(n)
        self.severity[self.lenient] = LENIENT_SEVERITY
        self.severity[self.drifting] = 0.0
        self.noise[self.erratic] = ERRATIC_NOISE
        self.difficulty = np.array([DIFFICULTY[code] for code in DIMENSION_CODES])
        self.dimension_noise = np.array([VAGUE_NOISE if code == VAGUE_DIMENSION else 1.0 for code in DIMENSION_CODES])

    def ratings(self, apps: np.ndarray, reviewers: np.ndarray, when: np.ndarray, stage: int) -> np.ndarray:
        """Ratings (reviews x 5 dimensions) of applications ``apps`` by ``reviewers`` on day ``when``
        at ``stage`` (2: the incident interview, 3: the take-home)."""
        rng = self.rng
        candidates = self.app_candidate[apps]
        level = self.skill[candidates][:, None] + self.profile[candidates]
        severity = self.severity[reviewers].copy()
        drift = reviewers == self.drifting
        severity[drift] += DRIFT_SEVERITY * np.clip((when[drift] - (self.today - DRIFT_DAYS)) / DRIFT_DAYS, 0, 1)
        noise = self.noise[reviewers][:, None] * self.dimension_noise[None, :]
        if stage == Stage.INCIDENT_INTERVIEW:
            noise = noise * INTERVIEW_NOISE
        centre = RATING_CENTRE - (TAKE_HOME_BAR if stage == Stage.TAKE_HOME else 0.0)
        latent = (centre + RATING_SLOPE * level + self.difficulty[None, :] - severity[:, None]
                  + rng.normal(0, 1, level.shape) * noise)
        marked_down = ((reviewers == self.biased) & self.in_group(candidates, BIASED_AGAINST)
                       & self.unfair_since(when))
        latent[marked_down, DIMENSION_CODES.index(BIASED_DIMENSION)] -= REVIEWER_GROUP_BIAS
        return np.clip(np.rint(latent), RATING_MIN, RATING_MAX).astype(np.int8)

    def reference_ratings(self, apps: np.ndarray, stage: int) -> np.ndarray:
        """What the agency's experts rate applications ``apps`` at ``stage`` (apps x 5 dimensions): the
        rubric read without severity or noise, rounded onto the scale."""
        candidates = self.app_candidate[apps]
        level = self.skill[candidates][:, None] + self.profile[candidates]
        centre = RATING_CENTRE - (TAKE_HOME_BAR if stage == Stage.TAKE_HOME else 0.0)
        latent = centre + RATING_SLOPE * level + self.difficulty[None, :]
        return np.clip(np.rint(latent), RATING_MIN, RATING_MAX).astype(np.int8)

    def true_level(self, apps: np.ndarray) -> np.ndarray:
        """What a perfectly calibrated, noiseless panel would score applications ``apps`` (before the
        rating scale): the candidate's skill plus their profile, under the default weights."""
        candidates = self.app_candidate[apps]
        weights = np.array([DEFAULT_WEIGHTS_PCT[code] for code in DIMENSION_CODES]) / 100
        return self.skill[candidates] + self.profile[candidates] @ weights


def standout_reviewers(n_reviewers: int) -> tuple[int, int, int]:
    """Pool positions (0-based; account id minus one) of the lenient, the drifting and the erratic
    reviewer: the last three of the pool, so the demo reviewer account (the first) is an ordinary one."""
    return n_reviewers - 1, n_reviewers - 2, n_reviewers - 3


def biased_reviewer(n_reviewers: int) -> int:
    """Pool position of the reviewer who marks one group down (:data:`BIASED_AGAINST`): an ordinary
    reviewer otherwise, just before the three of :func:`standout_reviewers`."""
    return n_reviewers - 4


def generate(config: DemoConfig, progress: Progress | None = None) -> dict[str, pd.DataFrame]:
    """Draw every table of a demo agency. Pure: nothing is written."""
    say = progress or (lambda message, done: None)
    g = _Generator(config)
    say("clients and searches", 0.02)
    tables = {"clients": g.clients(), "searches": g.searches()}
    say("candidates and applications", 0.08)
    tables["candidates"] = g.candidates()
    tables["self_identification"] = g.self_identification()
    tables["applications"] = g.applications()
    say("tooling audit", 0.15)
    tables["tooling_evidence"], stage1_pass = g.tooling()
    g.reviewer_traits()
    say("stages, reviews and scores", 0.22)
    pipeline = PipelineDraw(g, stage1_pass)
    tables.update(pipeline.draw(say))
    tables.update(reference_exercise(g, tables, admin_account_id(config)))
    unaudited = g.app_candidate[pipeline.open_tooling_audits()] + 1
    evidence = tables["tooling_evidence"]
    pending = evidence["candidate_id"].isin(unaudited)
    evidence.loc[pending, "verified"] = False          # claims from the CV, not yet checked
    evidence.loc[pending, "evidence"] = "claimed on CV"
    tables = finalise(tables)
    tables["searches"]["lead_account_id"] = search_leads(config, tables["searches"]["client_id"])
    return tables


def admin_account_id(config: DemoConfig) -> int:
    """Account id of the demo's admin (see :func:`accounts`)."""
    return config.reviewers + next(i for i, (_, _, role) in enumerate(DEMO_ACCOUNTS) if role == "admin")


def lead_account_ids(config: DemoConfig) -> list[int]:
    """Account ids of the demo's hiring leads, in the order of :data:`DEMO_ACCOUNTS` (see :func:`accounts`)."""
    return [config.reviewers + i for i, (_, _, role) in enumerate(DEMO_ACCOUNTS[1:], start=1) if role == "hiring_lead"]


def search_leads(config: DemoConfig, client_ids: pd.Series) -> np.ndarray:
    """Each search's hiring lead: every client has one lead, who owns all its searches (the leads take the
    clients in turn), so a lead's at-risk list and digest are about the clients they look after."""
    leads = np.array(lead_account_ids(config))
    return leads[(client_ids.to_numpy(dtype=np.int64) - 1) % len(leads)]


DAY_COLUMNS = ("signed_on", "churned_on", "opened_on", "shortlist_delivered_on", "closed_on", "applied_on",
               "entered_on", "decided_on", "checked_on", "assigned_on", "due_on", "accepted_on",
               "first_day", "ended_on", "requested_on", "fulfilled_on")
SECOND_COLUMNS = ("created_at", "submitted_at", "entered_at")


def accounts(config: DemoConfig, password_hash: str) -> pd.DataFrame:
    """The reviewer pool plus the accounts of :data:`DEMO_ACCOUNTS` (three hiring leads, one ops, one admin,
    one auditor); every demo account shares one password."""
    rng = np.random.default_rng(config.seed + 1)
    n = config.reviewers
    names = [f"{given} {family}" for given, family in zip(rng.choice(FIRST_NAMES, n), rng.choice(LAST_NAMES, n))]
    emails = [f"reviewer{i:03d}@agency.example" for i in range(1, n + 1)]
    names[0], emails[0] = DEMO_ACCOUNTS[0][1], DEMO_ACCOUNTS[0][0]
    rows = [(i + 1, emails[i], names[i], "reviewer") for i in range(n)]
    rows += [(n + i, email, name, role) for i, (email, name, role) in enumerate(DEMO_ACCOUNTS[1:], start=1)]
    frame = pd.DataFrame(rows, columns=["account_id", "email", "display_name", "role"])
    frame["password_hash"] = password_hash
    return frame


def finalise(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Turn day numbers into dates and second counts into timestamps; -1 becomes missing."""
    searches = tables.pop("searches_update")
    tables["searches"] = tables["searches"].merge(searches, on="search_id")
    for frame in tables.values():
        for column in frame.columns:
            if column in DAY_COLUMNS and np.issubdtype(frame[column].dtype, np.integer):
                frame[column] = _dates(frame[column].to_numpy())
            elif column in SECOND_COLUMNS:
                seconds = frame[column].to_numpy(dtype=np.int64)
                stamps = pd.Series(seconds.astype("datetime64[s]"))
                frame[column] = stamps.where(seconds >= 0)
    tables["candidates"]["sourced_on"] = _sourced_on(tables)
    if "self_identification" in tables:     # answered when the candidate entered the database
        sourced = tables["candidates"].set_index("candidate_id")["sourced_on"]
        answers = tables["self_identification"]
        answers["recorded_on"] = sourced.reindex(answers["candidate_id"]).to_numpy()
    return tables


def _sourced_on(tables: dict[str, pd.DataFrame]) -> pd.Series:
    """A candidate entered the database some time before their first application."""
    candidates = tables["candidates"]
    first = tables["applications"].groupby("candidate_id")["applied_on"].min()
    first = first.reindex(candidates["candidate_id"]).reset_index(drop=True)
    rng = np.random.default_rng(len(candidates))
    lead = pd.to_timedelta(rng.integers(0, 240, len(candidates)), unit="D")
    fallback = first.min() if first.notna().any() else pd.Timestamp("2020-01-01")
    return (first.fillna(fallback) - lead).astype("datetime64[s]")


def build_demo(path, config: DemoConfig, progress: Progress | None = None, *, replace: bool = False) -> dict[str, int]:
    """Generate a demo agency and write it as a new database at ``path``; returns row counts.

    An existing database there is replaced only with ``replace``, and never a file another process
    has open (:func:`scoring.store.bulk.build_database`).
    """
    from scoring.agency.passwords import hash_password
    from scoring.store.bulk import build_database

    tables = generate(config, progress)
    tables["accounts"] = accounts(config, hash_password(DEMO_PASSWORD))
    summary = {"seed": config.seed, "candidates": config.candidates, "as_of": config.as_of.isoformat()}
    tables["metadata"] = pd.DataFrame({"key": [f"demo_{k}" for k in summary],
                                       "value": [str(v) for v in summary.values()]})
    writing = None if progress is None else (lambda message, done: progress(message, 0.45 + 0.55 * done))
    return build_database(path, tables, {"demo": summary}, writing, replace=replace)
