"""The Admin report: every refusal in words, all problems at once, before anything reaches the database."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from scoring.domain.dimensions import DEFAULT_WEIGHTS_PCT
from scoring.reports.admin import (
    account_change_problems,
    accounts_shown,
    new_account_problems,
    weight_problems,
    weights_shown,
)

TODAY = date(2026, 11, 23)
PEOPLE = pd.DataFrame({"account_id": [1, 2, 3], "email": ["admin@a.example", "lead@a.example", "rev@a.example"],
                       "display_name": ["Ada", "Lee", "Rev"], "role": ["admin", "hiring_lead", "reviewer"],
                       "active": [True, True, True], "failed_logins": [0, 2, 0],
                       "locked_until": [None, None, None],
                       "created_at": pd.to_datetime(["2026-01-01 09:30", "2026-01-02 10:00", "2026-01-03 11:00"])})


def test_a_good_new_account_has_no_problem():
    assert new_account_problems(" new@agency.example ", "New Person", "reviewer", "", PEOPLE["email"]) == []
    assert new_account_problems("new@agency.example", "New Person", "ops", "twelve-chars", PEOPLE["email"]) == []


def test_every_problem_of_a_new_account_is_listed_in_words():
    problems = new_account_problems("bad", "", "boss", "short", PEOPLE["email"])
    assert [p.split(":")[0] for p in problems] == ["Email", "Display name", "Role", "Password"]
    assert all("_" not in p and "CHECK" not in p for p in problems)
    assert problems[2] == "Role: choose one of Reviewer, Hiring lead, Ops, Auditor, Admin."


@pytest.mark.parametrize(("email", "said"), [
    ("", "Email: type the person's email address"),
    ("a@b", "Email: this is not a whole email address"),
    ("ADMIN@a.example", "Email: an account with this address already exists"),
    ("ana@agency\u200b.example", "Email: holds an invisible character, U+200B ZERO WIDTH SPACE"),
    ("a" * 250 + "@x.example", "Email: is 260 characters long; an e-mail address may have at most 254"),
])
def test_each_email_refusal_says_what_to_change(email, said):
    assert new_account_problems(email, "Name", "reviewer", "", PEOPLE["email"])[0].startswith(said)


def test_a_change_needs_something_chosen_and_keeps_the_last_admin():
    assert account_change_problems(PEOPLE, 2, None, None, "")[0].startswith("Nothing is chosen")
    assert account_change_problems(PEOPLE, 2, "reviewer", None, "") == []
    assert "last active admin" in account_change_problems(PEOPLE, 1, None, False, "")[0]
    assert "last active admin" in account_change_problems(PEOPLE, 1, "ops", None, "")[0]
    assert account_change_problems(PEOPLE, 3, None, None, "x" * 5) == [
        "Password: use at least 12 characters (this one has 5); a few words in a row make a good one."]


def test_every_problem_of_a_weight_version_is_listed_in_words():
    versions = pd.DataFrame({"effective_from": pd.to_datetime(["1900-01-01", "2026-12-01"])})
    problems = weight_problems({**DEFAULT_WEIGHTS_PCT, "governance": 15}, date(2026, 11, 30), "x" * 10_001,
                               TODAY, versions)
    assert problems == [
        "Weights: they add up to 105%; change them so that they add up to 100%.",
        "Effective from: choose a day after 01 Dec 2026, when the newest version starts.",
        "Why: is 10,001 characters long; a note, reason or evidence may have at most 10,000."]
    assert weight_problems(DEFAULT_WEIGHTS_PCT, date(2026, 11, 22), "", TODAY, versions)[0].startswith(
        "Effective from: choose today (23 Nov 2026) or later")
    assert weight_problems(DEFAULT_WEIGHTS_PCT, date(2027, 11, 24), "", TODAY, versions)[0].startswith(
        "Effective from: choose a day by 23 Nov 2027")
    assert weight_problems(DEFAULT_WEIGHTS_PCT, date(2026, 12, 2), "planned", TODAY, versions) == []


def test_the_tables_use_peoples_words():
    people = accounts_shown(PEOPLE)
    assert people["Role"].tolist() == ["Admin", "Hiring lead", "Reviewer"]
    assert people["Created"].tolist()[0] == date(2026, 1, 1)
    weights = {code: [weight] for code, weight in DEFAULT_WEIGHTS_PCT.items()}
    versions = weights_shown(pd.DataFrame({"version_id": [1], "effective_from": [date(1900, 1, 1)], "note": [""],
                                           "created_by": ["system"], **weights}))
    assert list(versions.columns) == ["Version", "Effective from", "Infrastructure", "Model Deployment",
                                      "Monitoring", "Automation", "Governance", "Why", "Added by"]
    assert versions["Effective from"].tolist() == ["From the start"]     # the version every database starts with
