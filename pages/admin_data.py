"""Admin: import CSV or Parquet files (checked whole, written all or nothing), and export every table."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from scoring.agency.access import require
from scoring.importing.files import Source
from scoring.importing.format import format_summary
from scoring.reports.exports import to_csv
from scoring.store.archive import export_database, zip_export
from scoring.store.importer import ImportResult, import_sources
from ui.context import database, guarded, require_account
from ui.tables import MISSING

EXPORT_KEY = "export_zip"


def _bar(text: str):
    """An st.progress bar and the ``progress(message, share_done)`` callback that drives it."""
    bar = st.progress(0.0, text=text)
    return bar, lambda message, done: bar.progress(min(max(float(done), 0.0), 1.0), text=message)


def import_section(actor) -> None:
    st.subheader("Import")
    st.caption("One table per file, recognised by its name (clients.csv, scores-2025.csv, ...) or by its "
               "header. Every file is checked before anything is written; a set with any problem writes "
               "nothing. Importing the same files again changes nothing; a corrected row updates the stored "
               "one and the change is audited. The format is in docs/import-format.md.")
    uploads = st.file_uploader("CSV or Parquet files", type=["csv", "parquet"], accept_multiple_files=True,
                               key="import_files")
    check_only = st.checkbox("Only check the files, write nothing", key="import_check_only")
    if st.button("Check and import" if not check_only else "Check", type="primary", disabled=not uploads,
                 key="import_button"):
        sources = [Source(upload.name, data=upload.getvalue()) for upload in uploads]
        bar, update = _bar("Reading the files")
        result = import_sources(database(), sources, actor, progress=update, check_only=check_only)
        bar.progress(1.0, text="Done")
        show_result(result, check_only)
    with st.expander("Columns of each file"):
        st.dataframe(format_summary(), hide_index=True, width="stretch", placeholder=MISSING)


def show_result(result: ImportResult, check_only: bool) -> None:
    files = pd.DataFrame(result.files, columns=["file", "table", "rows"])
    if not result.ok:
        listed = len(result.problems)
        shown = f" (the first {listed:,} are listed)" if listed < result.total_problems else ""
        st.error(f"{result.total_problems:,} problems found{shown}. Nothing was written.")
        problems = pd.DataFrame([vars(p) for p in result.problems], columns=["file", "row", "column", "reason"])
        problems["row"] = problems["row"].astype("Int64")
        st.dataframe(problems, hide_index=True, width="stretch", placeholder=MISSING)
        st.download_button("Download the problems as CSV", to_csv(problems),
                           "import-problems.csv", "text/csv", key="problems_download")
    elif check_only:
        st.success(f"No problems in {len(files)} files. Nothing was written (check only).")
    elif not result.changed:
        st.info("No changes: the database already holds every row of these files. Nothing was written.")
    else:
        counts = pd.DataFrame([{"table": t, "new": c.inserted, "updated": c.updated, "unchanged": c.unchanged}
                               for t, c in result.counts.items()])
        st.success(f"Imported {counts['new'].sum():,} new and {counts['updated'].sum():,} updated rows "
                   "(score rows for scores; a changed scorecard is stored as its next revision).")
        st.dataframe(counts, hide_index=True, width="stretch", placeholder=MISSING)
    st.caption("Files read")
    st.dataframe(files, hide_index=True, width="stretch", placeholder=MISSING)


def export_section(actor) -> None:
    st.subheader("Export")
    st.caption("Every table as Parquet, one consistent snapshot, with a manifest of row counts and SHA-256 "
               "checksums, in one zip. Restore it into a new database with `scorecard restore FILE.zip "
               "--db NEW.duckdb`.")
    if st.button("Prepare an export", key="export_button"):
        bar, update = _bar("Exporting")
        with tempfile.TemporaryDirectory(prefix="scorecard-export-") as scratch:
            folder = Path(scratch) / "export"
            manifest = export_database(database(), folder, actor, update)
            archive = zip_export(folder, Path(scratch) / "export.zip")
            name = f"scorecard-export-{datetime.now():%Y%m%d-%H%M%S}.zip"
            st.session_state[EXPORT_KEY] = (name, archive.read_bytes(),
                                            sum(entry["rows"] for entry in manifest["tables"]))
        bar.progress(1.0, text="Export ready")
    if EXPORT_KEY in st.session_state:
        name, data, rows = st.session_state[EXPORT_KEY]
        st.download_button(f"Download {name} ({rows:,} rows, {len(data) / 1e6:.1f} MB)", data, name,
                           "application/zip", key="export_download")


def body() -> None:
    actor = require(require_account(), "import_export")
    st.title("Import and export")
    import_section(actor)
    st.divider()
    export_section(actor)


guarded(body)
