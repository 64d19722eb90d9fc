"""The Admin pages' report: the words and limits shown beside the weight versions, accounts and imports.

The page draws the tables the store returns; the roles, dimension names, default weights and which
versions may still be withdrawn come from here, declared in :mod:`scoring.agency` once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

import pandas as pd

from scoring.agency import records
from scoring.agency.access import ROLE_LABELS, ROLES
from scoring.agency.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from scoring.agency.scorecard import EARLIEST_DATE, check_weights
from scoring.agency.text import normalised, text_problem
from scoring.domain.dimensions import DEFAULT_WEIGHTS_PCT
from scoring.domain.dimensions import DIMENSION_NAMES as DIMENSION_NAMES
from scoring.reports.formatting import MISSING
from scoring.store.importer import ImportResult
from scoring.store.weights import MAX_YEARS_AHEAD, latest_start

__all__ = ["ACCOUNT_COLUMNS", "AUDIT_COLUMNS", "DIMENSION_NAMES", "FORMAT_COLUMNS", "ROLES", "VERSION_COLUMNS",
           "account_change_problems", "accounts_shown", "active_label", "audit_shown", "code_words", "files_read",
           "import_counts", "import_problems", "import_summary", "new_account_problems", "newest_weights",
           "problems_heading", "refusal", "role_label", "waiting_versions", "weight_problems", "weights_shown"]

#: The weight versions' columns as :func:`weights_shown` names them (the dimensions follow, by name).
VERSION_COLUMNS: tuple[str, ...] = ("Version", "Effective from", "Why", "Added by")
#: The accounts table's columns as :func:`accounts_shown` names them; ``account_id`` is kept, hidden.
ACCOUNT_COLUMNS: tuple[str, ...] = ("Email", "Name", "Role", "Active", "Failed sign-ins", "Locked until", "Created")
#: The audit log's columns (:func:`scoring.store.audit_log.entries`) as a person reads them.
AUDIT_COLUMNS: Mapping[str, str] = {"logged_at": "When", "actor": "Who", "action": "Action", "entity": "What",
                                    "entity_key": "Which", "before": "Before", "after": "After"}
EMAIL_EXAMPLE = "ana@agency.example"


def role_label(role: str | None, unset: str = "unchanged") -> str:
    """A role as a person reads it (``"Hiring lead"``), or ``unset`` for no role chosen.

    Examples
    --------
    >>> role_label("hiring_lead"), role_label(None)
    ('Hiring lead', 'unchanged')
    """
    return unset if role is None else ROLE_LABELS[role]


def active_label(active: bool | None) -> str:
    """Whether an account is active, as the change form offers it.

    Examples
    --------
    >>> active_label(None), active_label(True), active_label(False)
    ('unchanged', 'Active', 'Deactivated')
    """
    return "unchanged" if active is None else "Active" if active else "Deactivated"


def code_words(code: object) -> str:
    """An audit action or entity code as words: ``"save_draft"`` -> ``"Save draft"``.

    Examples
    --------
    >>> code_words("weight_version"), code_words("create")
    ('Weight version', 'Create')
    """
    return str(code).replace("_", " ").strip().capitalize()


#: How the version every database starts with (effective from the earliest date a fact may carry) is dated.
FROM_THE_START = "From the start"


def effective_text(day: date) -> str:
    """A weight version's first day as people read it; the seeded first version applies from the start.

    Examples
    --------
    >>> effective_text(date(1900, 1, 1)), effective_text(date(2026, 1, 31))
    ('From the start', '31 Jan 2026')
    """
    return FROM_THE_START if day <= EARLIEST_DATE else f"{day.day} {day:%b %Y}"


def weights_shown(versions: pd.DataFrame) -> pd.DataFrame:
    """The weight versions: ``Version`` and ``Effective from`` (:func:`effective_text`), each
    dimension's weight (percent) under its name, then ``Why`` and ``Added by`` (:data:`VERSION_COLUMNS`)."""
    starts = pd.to_datetime(versions["effective_from"]).dt.date
    shown = pd.DataFrame({"Version": versions["version_id"].astype("Int64").to_numpy(),
                          "Effective from": [effective_text(day) for day in starts]})
    for code, name in DIMENSION_NAMES.items():
        shown[name] = versions[code].astype(float).to_numpy()
    shown["Why"] = versions["note"].to_numpy()
    shown["Added by"] = versions["created_by"].to_numpy()
    return shown


def accounts_shown(people: pd.DataFrame) -> pd.DataFrame:
    """The accounts (:func:`scoring.store.accounts.list_accounts`) under :data:`ACCOUNT_COLUMNS`, roles in
    words; ``account_id`` stays as the first column for the page to hide."""
    return pd.DataFrame({
        "account_id": people["account_id"].to_numpy(),
        "Email": people["email"].to_numpy(), "Name": people["display_name"].to_numpy(),
        "Role": [role_label(r) for r in people["role"]], "Active": people["active"].astype(bool).to_numpy(),
        "Failed sign-ins": people["failed_logins"].astype(int).to_numpy(),
        "Locked until": pd.to_datetime(people["locked_until"]).to_numpy(),
        "Created": pd.to_datetime(people["created_at"]).dt.date.to_numpy(),
    }, columns=["account_id", *ACCOUNT_COLUMNS])


def audit_shown(rows: pd.DataFrame) -> pd.DataFrame:
    """Audit entries (:func:`scoring.store.audit_log.entries`) with their action and entity in words."""
    return rows.assign(action=rows["action"].map(code_words), entity=rows["entity"].map(code_words))


# -- refusals, in words, all at once, before anything reaches the database --------------------------

def refusal(what: str, problems: Iterable[str]) -> str:
    """What did not happen and every change it needs, one per line, as Markdown.

    Examples
    --------
    >>> print(refusal("Not created", ["Email: type it.", "Display name: type it."]))
    Not created. Change this first:
    <BLANKLINE>
    - Email: type it.
    - Display name: type it.
    """
    return f"{what}. Change this first:\n\n" + "\n".join(f"- {problem}" for problem in problems)


def _password_problems(password: str) -> list[str]:
    if not password:
        return []
    if len(password) < MIN_PASSWORD_LENGTH:
        return [f"Password: use at least {MIN_PASSWORD_LENGTH} characters (this one has {len(password)}); a "
                "few words in a row make a good one."]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [f"Password: use at most {MAX_PASSWORD_LENGTH:,} characters (this one has {len(password):,})."]
    return []


def new_account_problems(email: str, name: str, role: str | None, password: str,
                         taken: Iterable[str] = ()) -> list[str]:
    """Every change a new account needs before it can be created, in words; empty when it may be.

    The rules are the store's (:func:`scoring.store.accounts.create_account`), which checks again:
    an email address by :func:`scoring.agency.records.email_reasons`, not already taken (``taken``
    holds the stored addresses), a name, a known role, a password of
    :data:`~scoring.agency.passwords.MIN_PASSWORD_LENGTH` characters or more when one is given.

    Examples
    --------
    >>> for problem in new_account_problems("ana at agency", " ", "reviewer", "short"):
    ...     print(problem.split(":")[0])
    Email
    Display name
    Password
    """
    problems = []
    email, name = normalised(email.strip()), normalised(name.strip())
    invisible = text_problem("Email", email, "email")
    if not email:
        problems.append(f"Email: type the person's email address, such as {EMAIL_EXAMPLE}.")
    elif invisible:
        problems.append(f"{invisible}.")
    elif records.email_reasons(pd.Series([email], dtype=object)).iloc[0] is not None:
        problems.append(f"Email: this is not a whole email address; write it as a name, one @ and a domain with a "
                        f"dot, such as {EMAIL_EXAMPLE}.")
    elif email.lower() in {str(known).strip().lower() for known in taken}:
        problems.append("Email: an account with this address already exists; change that account on the right "
                        "instead.")
    too_long = text_problem("Display name", name, "name")
    if not name:
        problems.append("Display name: type the name people will see, such as Ana Souza.")
    elif too_long:
        problems.append(f"{too_long}.")
    if role not in ROLES:
        problems.append("Role: choose one of " + ", ".join(ROLE_LABELS[r] for r in ROLES) + ".")
    return problems + _password_problems(password)


def account_change_problems(people: pd.DataFrame, account_id: int, role: str | None, active: bool | None,
                            password: str) -> list[str]:
    """Every change an account change needs before it can be saved, in words; empty when it may be.

    ``people`` is :func:`scoring.store.accounts.list_accounts`. Nothing chosen is refused; so is
    taking the admin role or the active flag from the last active admin (the store checks again,
    against changes made meanwhile).
    """
    if role is None and active is None and not password:
        return ["Nothing is chosen: pick a new role, Active or Deactivated, or type a new password."]
    problems = []
    if role is not None and role not in ROLES:
        problems.append("Role: choose one of " + ", ".join(ROLE_LABELS[r] for r in ROLES) + ".")
    admins = people[(people["role"] == "admin") & people["active"].astype(bool)]
    removes_admin = (role is not None and role != "admin") or active is False
    if removes_admin and admins["account_id"].tolist() == [account_id]:
        problems.append("This account is the last active admin: make another account an admin first, or nobody "
                        "could manage accounts and weights.")
    return problems + _password_problems(password)


def weight_problems(proposed: Mapping[str, float], effective: date | None, note: str, today: date,
                    versions: pd.DataFrame) -> list[str]:
    """Every change a new weight version needs before it can be added, in words; empty when it may be.

    The store's rules (:func:`scoring.store.weights.add_version`), which checks again: weights of 0% or
    more adding up to 100% (:func:`scoring.agency.scorecard.check_weights`), a start from ``today`` to
    :data:`~scoring.store.weights.MAX_YEARS_AHEAD` year ahead and after the newest version's
    (``versions`` is :func:`scoring.store.weights.versions`).

    Examples
    --------
    >>> weight_problems({**DEFAULT_WEIGHTS_PCT, "governance": 15}, date(2026, 1, 1), "", date(2026, 1, 2),
    ...                 pd.DataFrame({"effective_from": []}))[0]
    'Weights: they add up to 105%; change them so that they add up to 100%.'
    """
    problems = []
    check = check_weights(proposed)
    if check.missing:
        missing = ", ".join(DIMENSION_NAMES[code] for code in check.missing)
        problems.append(f"Weights: give {missing} a weight.")
    if check.negative:
        problems.append(f"Weights: {', '.join(DIMENSION_NAMES.get(c, c) for c in check.negative)} cannot be below 0%.")
    if not check.adds_up:
        problems.append(f"Weights: they add up to {check.total:g}%; change them so that they add up to 100%.")
    starts = pd.to_datetime(versions["effective_from"]).dt.date
    newest = starts.max() if len(starts) else None
    latest = latest_start(today)
    if effective is None:
        problems.append("Effective from: choose the day the version starts.")
    elif effective < today:
        problems.append(f"Effective from: choose today ({today:%d %b %Y}) or later; a version never changes "
                        "scores already made under other weights.")
    elif effective > latest:
        problems.append(f"Effective from: choose a day by {latest:%d %b %Y}; a version starts at most "
                        f"{MAX_YEARS_AHEAD} year ahead.")
    elif newest is not None and effective <= newest:
        problems.append(f"Effective from: choose a day after {newest:%d %b %Y}, when the newest version starts.")
    too_long = text_problem("Why", normalised(note.strip()), "text")
    if too_long:
        problems.append(f"{too_long}.")
    return problems


def waiting_versions(versions: pd.DataFrame, today: date) -> pd.DataFrame:
    """The versions that have not taken effect by ``today``: the only ones that may be withdrawn."""
    starts = pd.to_datetime(versions["effective_from"]).dt.date
    return versions[starts > today]


def newest_weights(versions: pd.DataFrame) -> Mapping[str, float]:
    """Dimension code to weight (percent) of the newest version: where a new version's form starts.

    Without any version, the default weights.
    """
    if versions.empty:
        return {code: float(weight) for code, weight in DEFAULT_WEIGHTS_PCT.items()}
    newest = versions.iloc[-1]
    return {code: float(newest[code]) for code in DIMENSION_NAMES}


# -- the Import and export page -----------------------------------------------------------------------

#: The import format's columns (:func:`scoring.importing.format.format_summary`) as a person reads them.
FORMAT_COLUMNS: Mapping[str, str] = {"table": "File", "column": "Column", "type": "Type", "required": "Required",
                                     "in the key": "In the key", "allowed values": "Allowed values",
                                     "meaning": "Meaning"}


def files_read(result: ImportResult) -> pd.DataFrame:
    """Each file of an import: ``File``, ``Holds`` (the table it was read as) and ``Rows``."""
    return pd.DataFrame([(name, table or MISSING, rows) for name, table, rows in result.files],
                        columns=["File", "Holds", "Rows"])


def import_problems(result: ImportResult) -> pd.DataFrame:
    """Every problem of a refused import: ``File``, ``Row`` (as a spreadsheet counts, the header being
    row 1; missing for the whole file), ``Column`` and ``Reason``."""
    problems = pd.DataFrame([vars(p) for p in result.problems], columns=["file", "row", "column", "reason"])
    return pd.DataFrame({"File": problems["file"], "Row": problems["row"].astype("Int64"),
                         "Column": problems["column"], "Reason": problems["reason"]})


def import_counts(result: ImportResult) -> pd.DataFrame:
    """What an import wrote, per table: ``Table``, ``New``, ``Updated``, ``Unchanged`` rows."""
    return pd.DataFrame([{"Table": code_words(table), "New": c.inserted, "Updated": c.updated,
                          "Unchanged": c.unchanged} for table, c in result.counts.items()],
                        columns=["Table", "New", "Updated", "Unchanged"])


def import_summary(result: ImportResult, check_only: bool) -> str:
    """The sentence that reports an import that went through (or was only checked).

    Examples
    --------
    >>> import_summary(ImportResult(files=[("clients.csv", "clients", 2)]), check_only=True)
    'No problems in 1 file. Nothing was written (check only).'
    """
    files = f"{len(result.files):,} file{'' if len(result.files) == 1 else 's'}"
    if check_only:
        return f"No problems in {files}. Nothing was written (check only)."
    if not result.changed:
        return "No changes: the database already holds every row of these files. Nothing was written."
    counts = import_counts(result)
    return (f"Imported {counts['New'].sum():,} new and {counts['Updated'].sum():,} updated rows from {files} "
            "(score rows for scores; a changed scorecard is stored as its next revision).")


def problems_heading(result: ImportResult) -> str:
    """What a refused import says above its problems.

    Examples
    --------
    >>> from scoring.importing.format import Problem
    >>> problems_heading(ImportResult(files=[], problems=[Problem("a.csv", 2, "name", "empty")], total_problems=1))
    '1 problem found. Nothing was written.'
    """
    listed = len(result.problems)
    more = f" (the first {listed:,} are listed)" if listed < result.total_problems else ""
    return (f"{result.total_problems:,} problem{'' if result.total_problems == 1 else 's'} found{more}. "
            "Nothing was written.")
