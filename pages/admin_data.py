"""Admin: import CSV or Parquet files (checked whole, written all or nothing), and export every table."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import streamlit as st

from scoring.reports.admin import (
    FORMAT_COLUMNS,
    files_read,
    import_counts,
    import_problems,
    import_summary,
    problems_heading,
)
from scoring.reports.exports import to_csv
from scoring.reports.formatting import MISSING
from scoring.store.archive import export_database, zip_export
from scoring.store.importer import ImportResult, import_sources
from ui.access import Account, account_allowed
from ui.context import database, guarded
from ui.import_mapping import mapping_section, problems_table
from ui.uploads import import_format, uploaded_sources
from ui.writes import attempt_write, report_done, show_outcome

EXPORT_KEY = "export_zip"
NATIVE, MAPPED = "in this dashboard's import format", "another system's export, read through a mapping"
FORMAT_CONFIG = {column: st.column_config.TextColumn(label) for column, label in FORMAT_COLUMNS.items()} | {
    "required": st.column_config.CheckboxColumn(FORMAT_COLUMNS["required"], width="small"),
    "in the key": st.column_config.CheckboxColumn(FORMAT_COLUMNS["in the key"], width="small"),
    "meaning": st.column_config.TextColumn(FORMAT_COLUMNS["meaning"], width="large"),
}


def _bar(text: str) -> tuple[Any, Callable[[str, float], None]]:
    """An st.progress bar and the ``progress(message, share_done)`` callback that drives it."""
    bar = st.progress(0.0, text=text)

    def update(message: str, done: float) -> None:
        bar.progress(min(max(float(done), 0.0), 1.0), text=message)

    return bar, update


def import_section(actor: Account) -> None:
    st.subheader("Import")
    st.caption("One table per file, recognised by its name (clients.csv, scores-2025.csv, ...) or by its "
               "header. Every file is checked before anything is written; a set with any problem writes "
               "nothing. Importing the same files again changes nothing; a corrected row updates the stored "
               "one and the change is audited. The format is in docs/import-format.md; another system's export "
               "is read through a mapping (docs/import-mapping.md).")
    uploads = st.file_uploader("CSV or Parquet files", type=["csv", "parquet"], accept_multiple_files=True,
                               key="import_files")
    sources = uploaded_sources(uploads or [])
    mapped = st.radio("The files are", [NATIVE, MAPPED], horizontal=True, key="import_kind") == MAPPED
    mapping = mapping_section(sources, actor) if mapped else None
    check_only = st.checkbox("Only check the files, write nothing", key="import_check_only")
    if st.button("Check and import" if not check_only else "Check", type="primary",
                 disabled=not uploads or (mapped and mapping is None), key="import_button"):
        bar, update = _bar("Reading the files")
        went_through, result = attempt_write(
            lambda: import_sources(database(), sources, actor, progress=update, check_only=check_only,
                                   mapping=mapping),
            refused="Nothing imported")
        bar.progress(1.0, text="Done")
        if went_through and result is not None:
            show_result(result, check_only)
    with st.expander("Columns of each file"):
        st.dataframe(import_format(), hide_index=True, width="stretch", column_config=FORMAT_CONFIG,
                     placeholder=MISSING)


def show_result(result: ImportResult, check_only: bool) -> None:
    """Every problem, in place, when the files were refused; otherwise what was done, on the next run."""
    files = ("Files read", files_read(result))
    if not result.ok:
        st.error(problems_heading(result))
        problems = import_problems(result)
        problems_table(problems)
        st.download_button("Download the problems as CSV", to_csv(problems),
                           "import-problems.csv", "text/csv", key="problems_download")
        st.caption(files[0])
        st.dataframe(files[1], hide_index=True, width="stretch", placeholder=MISSING)
    elif check_only or not result.changed:
        report_done(import_summary(result, check_only), [files], tone="success" if check_only else "info")
    else:
        report_done(import_summary(result, check_only), [("", import_counts(result)), files])


def export_section(actor: Account) -> None:
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
    actor = account_allowed("import_export")
    st.title("Import and export")
    show_outcome()
    import_section(actor)
    st.divider()
    export_section(actor)


guarded(body)
