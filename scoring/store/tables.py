"""The schema's data tables as the bulk writers and the file checks see them: their order, id sequences and seed.

Shared by :mod:`scoring.store.bulk` (writing whole tables) and :mod:`scoring.store.replacing` (judging
whether a database file holds anything before it is replaced), so neither imports the other's module
for it.
"""

from __future__ import annotations

import duckdb

from scoring.store.db import scalar_of

#: Tables in an order where every foreign key points at a table written earlier.
TABLE_ORDER = (
    "metadata", "clients", "candidates", "self_identification", "searches", "applications", "accounts",
    "sign_in_attempts", "sessions",
    "weight_versions",
    "dimension_weights", "stage_decisions", "assignments", "scorecards", "scores", "tooling_evidence",
    "placements", "replacements", "final_decisions", "calibration_sets", "calibration_items",
    "calibration_references", "certification_bar", "audit_log",
    "digests_sent", "import_mappings",
)
#: Which sequence hands out the ids of which table's key column.
SEQUENCES = {
    "client_ids": ("clients", "client_id"), "search_ids": ("searches", "search_id"),
    "candidate_ids": ("candidates", "candidate_id"), "application_ids": ("applications", "application_id"),
    "account_ids": ("accounts", "account_id"), "weight_version_ids": ("weight_versions", "version_id"),
    "scorecard_ids": ("scorecards", "scorecard_id"), "placement_ids": ("placements", "placement_id"),
    "replacement_ids": ("replacements", "replacement_id"), "audit_ids": ("audit_log", "audit_id"),
    "calibration_set_ids": ("calibration_sets", "set_id"),
    "import_mapping_ids": ("import_mappings", "mapping_id"),
}
#: The rows schema.sql itself inserts into data tables (the default weight version 1), as a condition
#: per table. Every database holds them, so a database holding nothing else counts as empty.
SEEDED_ROWS = {"weight_versions": "version_id = 1", "dimension_weights": "version_id = 1"}


def rows_beyond_seed(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Each data table holding rows besides the schema's seeded ones, with how many; ``{}`` if it holds no data."""
    counts = {}
    for table in TABLE_ORDER:
        seeded = SEEDED_ROWS.get(table)
        where = f" WHERE NOT ({seeded})" if seeded else ""
        rows = scalar_of(cur, f"SELECT count(*) FROM {table}{where}")
        if rows:
            counts[table] = int(rows)
    return counts
