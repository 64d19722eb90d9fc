"""Rules relating rows of two tables, applied to an import together with what the database holds.

A replacement must be requested while the placement it replaces runs, and filled by a placement of
the same client that was accepted and still in post; a client's churn must come after the start of
every placement still running for it and the opening of every search still open. The dashboard's
forms refuse a fact that breaks one of these rules (:mod:`scoring.store.placements`,
:mod:`scoring.store.clients`); an import refuses it too, with the same rules
(:mod:`scoring.agency.records`) and the same words.

The rows an import brings may sit beside rows already stored: a replacement file for placements
imported last month. Each table is therefore taken as the database will hold it after the import,
the files' rows replacing the stored rows of the same key. A broken pair is reported on the
file's row of the pair's subject (the replacement, the client); when only the other row comes from
the files (a placement whose new end date falls before a stored request), on that row instead,
under its key column. Pairs made only of stored rows are not re-judged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from scoring.agency import records as rules
from scoring.importing.format import FORMATS

if TYPE_CHECKING:
    from scoring.importing.validation import Existing, ProblemLog

META = ("_file", "_row")
#: The tables these rules read, with the columns each needs (the import format's names).
COLUMNS: dict[str, tuple[str, ...]] = {
    "clients": ("client_ref", "name", "signed_on", "churned_on"),
    "searches": ("search_ref", "client_ref", "opened_on", "status"),
    "applications": ("application_ref", "search_ref"),
    "placements": ("placement_ref", "application_ref", "accepted_on", "first_day", "ended_on", "end_reason"),
    "replacements": ("replacement_ref", "placement_ref", "requested_on", "fulfilled_on", "replacing_placement_ref"),
}
#: The rules on a replacement and a placement, and the side of the pair each placement column is on.
REPLACEMENT_RULES = (rules.REQUEST_DURING_ENGAGEMENT, rules.FULFILLED_AFTER_ACCEPTANCE, rules.REPLACING_IN_POST,
                     rules.REPLACED_FOR_THE_SAME_CLIENT)


def tables_needed(imported: set[str]) -> set[str]:
    """The tables whose stored rows these rules need, for an import of ``imported``."""
    return set(COLUMNS) if imported & set(COLUMNS) else set()


def check_across_tables(frames: Mapping[str, pd.DataFrame], existing: Existing, log: ProblemLog) -> None:
    """Report every pair of rows (files and database) that breaks a rule relating two tables.

    ``frames`` are the parsed files' rows per table, with ``_file`` and ``_row``; ``existing`` holds
    the stored rows with the columns of :data:`COLUMNS`.
    """
    if not set(frames) & set(COLUMNS):
        return
    table = {name: _as_imported(name, frames, existing) for name in COLUMNS}
    placed = _placements_with_clients(table)
    _check_replacements(table["replacements"], placed, log)
    _check_churn(table["clients"], placed, table["searches"], log)


def _as_imported(name: str, frames: Mapping[str, pd.DataFrame], existing: Existing) -> pd.DataFrame:
    """The table as it will be: the files' rows, then the stored rows whose key no file row has."""
    columns = list(COLUMNS[name])
    key = FORMATS[name].key[0]
    stored = existing.rows.get(name, pd.DataFrame()).reindex(columns=columns)
    if name in frames:
        incoming = frames[name].reindex(columns=[*columns, *META])
        stored = stored[~stored[key].isin(incoming[key].dropna())]
    else:
        incoming = pd.DataFrame(columns=[*columns, *META])
    parts = [part for part in (incoming, stored.assign(_file=None, _row=None)) if len(part)]
    if not parts:
        return pd.DataFrame(columns=[*columns, *META])
    return pd.concat(parts, ignore_index=True)


def _placements_with_clients(table: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every placement with its client (``client_ref`` and name ``client``) through its search."""
    applications = table["applications"].drop_duplicates("application_ref")[["application_ref", "search_ref"]]
    searches = table["searches"].drop_duplicates("search_ref")[["search_ref", "client_ref"]]
    clients = table["clients"].drop_duplicates("client_ref")[["client_ref", "name"]].rename(columns={"name": "client"})
    return (table["placements"].merge(applications, on="application_ref", how="left")
            .merge(searches, on="search_ref", how="left").merge(clients, on="client_ref", how="left"))


def _check_replacements(replacements: pd.DataFrame, placed: pd.DataFrame, log: ProblemLog) -> None:
    if replacements.empty:
        return
    once = placed.dropna(subset=["placement_ref"]).drop_duplicates("placement_ref")
    replaced = once[["placement_ref", "first_day", "ended_on", "end_reason", "client_ref", "client", *META]]
    replacing = once[["placement_ref", "accepted_on", "ended_on", "end_reason", "client_ref", "client", *META]]
    replacing = replacing.rename(columns=lambda c: "replacing_" + c)
    pairs = (replacements.merge(replaced, on="placement_ref", how="left", suffixes=("", "_placement"))
             .merge(replacing, on="replacing_placement_ref", how="left"))
    for rule in REPLACEMENT_RULES:
        _report(pairs, rule, [("", rule.column), ("_placement", "placement_ref"),
                              ("replacing_", "replacing_placement_ref")], log)


def _check_churn(clients: pd.DataFrame, placed: pd.DataFrame, searches: pd.DataFrame, log: ProblemLog) -> None:
    churned = clients[clients["churned_on"].notna() & clients["client_ref"].notna()]
    if churned.empty:
        return
    running = placed[placed["ended_on"].isna()][["placement_ref", "first_day", "client_ref", *META]]
    pairs = churned.merge(running, on="client_ref", suffixes=("", "_placement"))
    _report(pairs, rules.CHURN_AFTER_RUNNING_STARTS, [("", "churned_on"), ("_placement", "placement_ref")], log)
    still_open = searches[searches["status"] == "open"][["search_ref", "opened_on", "client_ref", *META]]
    pairs = churned.merge(still_open, on="client_ref", suffixes=("", "_search"))
    _report(pairs, rules.CHURN_AFTER_OPEN_SEARCHES, [("", "churned_on"), ("_search", "search_ref")], log)


def _report(pairs: pd.DataFrame, rule: rules.Rule, sides: list[tuple[str, str]], log: ProblemLog) -> None:
    """Log each broken pair once, on the first of ``sides`` whose row comes from the files.

    ``sides`` are (marker, column): a marker ending in ``_`` prefixes that row's ``_file``/``_row``
    columns, any other marker suffixes them (``""`` is the pair's subject); ``column`` is the
    column named in the report.
    """
    if pairs.empty:
        return
    reasons = rule.check(pairs)
    left = reasons.notna()
    for marker, column in sides:
        file_column, row_column = ((marker + "_file", marker + "_row") if marker.endswith("_")
                                   else ("_file" + marker, "_row" + marker))
        if file_column not in pairs.columns:
            continue
        here = left & pairs[file_column].notna()
        if here.any():
            rows = pairs.loc[here, [file_column, row_column]].set_axis(list(META), axis=1)
            log.add_rows(rows, column, reasons[here])
        left &= ~here
