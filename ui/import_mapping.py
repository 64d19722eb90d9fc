"""The mapping part of the Import page: pick, upload or edit a mapping, preview the rows it makes, save it.

A mapping (docs/import-mapping.md) turns another system's export into the import format. The admin
starts from a worked mapping of ``data/mappings/``, a mapping saved in the database
(:mod:`scoring.store.import_mappings`) or an uploaded one, edits it in place, sees the first rows of
each table as they will be imported with the source row each came from, and the problems the mapping
itself finds. A mapping that reads without a fault can be saved under a name, so next month's import
starts from it; a saved one can be updated or deleted, and any one can be downloaded as a file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import streamlit as st

from scoring.agency.access import Account
from scoring.importing.files import Source
from scoring.importing.mapping import Mapping, MappingError, apply_mapping, parse_mapping, preview
from scoring.reports.admin import code_words
from scoring.reports.formatting import MISSING
from scoring.store.import_mappings import (
    SavedMapping,
    delete_mapping,
    save_mapping,
    saved_mappings,
    update_mapping,
)
from ui.context import database
from ui.text import plain
from ui.writes import run_write

WORKED = Path(__file__).resolve().parents[1] / "data" / "mappings"
UPLOADED = "A mapping file of my own"
#: How a mapping saved in the database is listed under "Start from", beside the worked ones.
SAVED = "Saved: {name}"
#: The choice the picker takes on the next run (after a save or a delete), set before it is drawn.
NEXT_CHOICE = "mapping_choice_next"
PREVIEW_ROWS = 5
PROBLEM_COLUMNS = {"file": "File", "row": "Row", "column": "Column", "reason": "Reason"}
#: How a table of import problems is shown, on the import's result and on a mapping's preview alike.
PROBLEMS_CONFIG = {"Row": st.column_config.NumberColumn("Row", format="%d", width="small",
                                                        help="As a spreadsheet counts: the header is row 1"),
                   # the rest of the table's width goes to the reason, whose column stays within a 1024 px window
                   "Reason": st.column_config.TextColumn("Reason", width="medium")}
#: A reason longer than this (characters) does not fit on one line of its column.
ONE_LINE_REASON = 40
#: Rows tall enough for four lines: the table wraps a cell's text only in rows over 64 px.
WRAPPED_ROW_HEIGHT = 92


def problems_table(problems: pd.DataFrame) -> None:
    """Import problems (``File``, ``Row``, ``Column``, ``Reason``) as a table in which a long reason
    wraps onto more lines instead of being cut at the edge of its cell."""
    long = problems["Reason"].astype(str).str.len().max() > ONE_LINE_REASON if len(problems) else False
    st.dataframe(problems, hide_index=True, width="stretch", placeholder=MISSING, column_config=PROBLEMS_CONFIG,
                 row_height=WRAPPED_ROW_HEIGHT if long else None)


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


def mapping_section(sources: Sequence[Source], actor: Account) -> Mapping | None:
    """The mapping chosen and edited on the page (None while it cannot be used), its preview on
    ``sources``, and the buttons that save, update, delete or download it."""
    if NEXT_CHOICE in st.session_state:
        st.session_state["mapping_choice"] = st.session_state.pop(NEXT_CHOICE)
    worked = worked_mappings()
    saved = {SAVED.format(name=m.name): m for m in saved_mappings(database(), actor)}
    choice = st.selectbox("Start from", [*worked, *saved, UPLOADED], key="mapping_choice",
                          help="A worked mapping for a documented export (docs/import-mapping.md), a mapping "
                               "saved here for an earlier import, or a mapping file of your own")
    chosen = saved.get(choice)
    start = chosen.text if chosen is not None else worked.get(choice, "")
    if choice == UPLOADED:
        upload = st.file_uploader("Mapping file (TOML)", type=["toml"], key="mapping_file")
        start = upload.getvalue().decode("utf-8", errors="replace") if upload is not None else ""
    text = st.text_area("The mapping: which source columns and words feed each table (TOML, see "
                        "docs/import-mapping.md)", value=start, height=320,
                        key=f"mapping_text_{choice}_{len(start)}_{hash(start)}")
    if not text.strip():
        st.info("Choose or upload a mapping to see how the files will be read.")
        return None
    try:
        mapping = parse_mapping(text, "the mapping")
    except MappingError as error:
        st.error("The mapping cannot be used yet:\n\n" + "\n".join(f"- {fault}" for fault in error.errors))
        return None
    _save_controls(mapping, text, choice, chosen, actor)
    if sources:
        _show_preview(mapping, sources)
    return mapping


def _save_controls(mapping: Mapping, text: str, choice: str, chosen: SavedMapping | None, actor: Account) -> None:
    """Save the mapping under a name (a new one, or the chosen saved one updated), delete the chosen
    saved one, or download the text."""
    if chosen is not None:
        st.caption(f"Saved by {plain(chosen.saved_by)} on {chosen.saved_at:%Y-%m-%d %H:%M} UTC. Changes made "
                   "above are used for this import; save them to keep them for the next one.")
    name = st.text_input("Save it as", value=chosen.name if chosen is not None else mapping.name, max_chars=200,
                         key=f"mapping_name_{choice}",
                         help="The name the mapping is listed under in 'Start from' next time")
    left, middle, right = st.columns(3)
    if chosen is not None:
        if left.button("Save the changes", key="mapping_update", type="primary"):
            st.session_state[NEXT_CHOICE] = SAVED.format(name=name.strip())
            run_write(lambda: update_mapping(database(), actor, chosen.mapping_id, name, text),
                      lambda changed: (f"Saved the changes to the mapping {plain(name.strip())}."
                                       if changed else f"The mapping {plain(name.strip())} was already saved "
                                                       "as it is: nothing changed."))
            st.session_state.pop(NEXT_CHOICE, None)      # refused: the picker stays where it is
        if middle.button("Save as a new mapping", key="mapping_save"):
            _save_new(actor, name, text)
        if right.button("Delete this saved mapping", key="mapping_delete"):
            st.session_state[NEXT_CHOICE] = UPLOADED
            run_write(lambda: delete_mapping(database(), actor, chosen.mapping_id),
                      lambda deleted: f"Deleted the saved mapping {plain(deleted)}; the audit log keeps its text.",
                      refused="Not deleted")
            st.session_state.pop(NEXT_CHOICE, None)
    elif left.button("Save this mapping", key="mapping_save", type="primary"):
        _save_new(actor, name, text)
    st.download_button("Download this mapping (TOML)", text.encode("utf-8"), _file_name(mapping),
                       "application/toml", key="mapping_download")


def _save_new(actor: Account, name: str, text: str) -> None:
    st.session_state[NEXT_CHOICE] = SAVED.format(name=name.strip())
    run_write(lambda: save_mapping(database(), actor, name, text),
              f"Saved the mapping {plain(name.strip())}: the next import can start from it under 'Start from'.")
    st.session_state.pop(NEXT_CHOICE, None)      # refused: the picker stays where it is


def _show_preview(mapping: Mapping, sources: Sequence[Source]) -> None:
    mapped = apply_mapping(mapping, sources)
    for table, frame in preview(mapped, PREVIEW_ROWS).items():
        rows = len(mapped.origins[f"{table}.csv"])
        st.caption(f"{code_words(table)}: the first {min(rows, PREVIEW_ROWS)} of {rows:,} rows as they will be "
                   "imported")
        # Headers in words; the help names the import format's field, which the mapping's targets use.
        fields = {column: st.column_config.Column(code_words(column), help=f"The import format's field {column}")
                  for column in frame.columns if column not in ("source file", "source row")}
        st.dataframe(frame, hide_index=True, width="stretch", placeholder=MISSING, column_config={
            **fields, "source file": st.column_config.TextColumn("Source file"),
            "source row": st.column_config.NumberColumn("Source row", format="%d", width="small")})
    if mapped.problems:
        st.warning(f"The mapping finds {len(mapped.problems):,} problem{'s' if len(mapped.problems) != 1 else ''} "
                   "in these files; importing lists them with every other problem and writes nothing.")
        problems = pd.DataFrame([vars(p) for p in mapped.problems]).rename(columns=PROBLEM_COLUMNS)
        problems["Row"] = problems["Row"].astype("Int64")
        problems_table(problems)


def _file_name(mapping: Mapping) -> str:
    stem = "".join(c if c.isalnum() else "-" for c in (mapping.name or "import-mapping").lower()).strip("-")
    while "--" in stem:
        stem = stem.replace("--", "-")
    return f"{stem[:60] or 'import-mapping'}.toml"
