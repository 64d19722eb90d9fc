"""The mapping part of the Import page: pick, upload or edit a mapping, preview the rows it makes.

A mapping (docs/import-mapping.md) turns another system's export into the import format. The admin
starts from a worked mapping of ``data/mappings/`` or an uploaded one, edits it in place, sees the
first rows of each table as they will be imported with the source row each came from, and the
problems the mapping itself finds; the edited mapping is saved by downloading it, ready to be
uploaded with next month's export.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import streamlit as st

from scoring.importing.files import Source
from scoring.importing.mapping import Mapping, MappingError, apply_mapping, parse_mapping, preview
from scoring.reports.admin import code_words
from scoring.reports.formatting import MISSING

WORKED = Path(__file__).resolve().parents[1] / "data" / "mappings"
UPLOADED = "A mapping file of my own"
PREVIEW_ROWS = 5
PROBLEM_COLUMNS = {"file": "File", "row": "Row", "column": "Column", "reason": "Reason"}


def worked_mappings() -> dict[str, str]:
    """The worked mappings shipped in ``data/mappings/``, by the name each gives itself, with their text."""
    found = {}
    for path in sorted(WORKED.glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        try:
            name = parse_mapping(text, path.name).name or path.stem
        except MappingError:
            continue
        found[name] = text
    return found


def mapping_section(sources: Sequence[Source]) -> Mapping | None:
    """The mapping chosen and edited on the page (None while it cannot be used), its preview on
    ``sources``, and a button to save it."""
    worked = worked_mappings()
    choice = st.selectbox("Start from", [*worked, UPLOADED], key="mapping_choice",
                          help="A worked mapping for a documented export (docs/import-mapping.md), or your own "
                               "mapping file saved from an earlier import")
    start = worked.get(choice, "")
    if choice == UPLOADED:
        upload = st.file_uploader("Mapping file (TOML)", type=["toml"], key="mapping_file")
        start = upload.getvalue().decode("utf-8", errors="replace") if upload is not None else ""
    text = st.text_area("The mapping: which source columns and words feed each table (TOML, see "
                        "docs/import-mapping.md)", value=start, height=320, key=f"mapping_text_{choice}_{len(start)}")
    if not text.strip():
        st.info("Choose or upload a mapping to see how the files will be read.")
        return None
    try:
        mapping = parse_mapping(text, "the mapping")
    except MappingError as error:
        st.error("The mapping cannot be used yet:\n\n" + "\n".join(f"- {fault}" for fault in error.errors))
        return None
    st.download_button("Save this mapping (download it for next month's import)", text.encode("utf-8"),
                       _file_name(mapping), "application/toml", key="mapping_download")
    if sources:
        _show_preview(mapping, sources)
    return mapping


def _show_preview(mapping: Mapping, sources: Sequence[Source]) -> None:
    mapped = apply_mapping(mapping, sources)
    for table, frame in preview(mapped, PREVIEW_ROWS).items():
        rows = len(mapped.origins[f"{table}.csv"])
        st.caption(f"{code_words(table)}: the first {min(rows, PREVIEW_ROWS)} of {rows:,} rows as they will be "
                   "imported")
        st.dataframe(frame, hide_index=True, width="stretch", placeholder=MISSING, column_config={
            "source file": st.column_config.TextColumn("Source file"),
            "source row": st.column_config.NumberColumn("Source row", format="%d", width="small")})
    if mapped.problems:
        st.warning(f"The mapping finds {len(mapped.problems):,} problem{'s' if len(mapped.problems) != 1 else ''} "
                   "in these files; importing lists them with every other problem and writes nothing.")
        problems = pd.DataFrame([vars(p) for p in mapped.problems]).rename(columns=PROBLEM_COLUMNS)
        problems["Row"] = problems["Row"].astype("Int64")
        st.dataframe(problems, hide_index=True, width="stretch", placeholder=MISSING)


def _file_name(mapping: Mapping) -> str:
    stem = "".join(c if c.isalnum() else "-" for c in (mapping.name or "import-mapping").lower()).strip("-")
    while "--" in stem:
        stem = stem.replace("--", "-")
    return f"{stem[:60] or 'import-mapping'}.toml"
