"""The Import page with a mapping: pick a worked or saved mapping, preview the rows it makes, import, save it."""

from __future__ import annotations

from scoring.store.import_mappings import save_mapping, saved_mappings
from tests.conftest import account
from tests.importing.conftest import ROOT
from ui.import_mapping import ONE_LINE_REASON

PAGE = "pages/admin_data.py"
GREENHOUSE = ROOT / "data" / "mappings" / "greenhouse"
APPLICATIONS_MAPPING = "Greenhouse Harvest applications (one row per application)"


def _with_mapping(at, files, mapping: str = APPLICATIONS_MAPPING):
    at.file_uploader(key="import_files").set_value(files)
    at.run()
    at.radio(key="import_kind").set_value(at.radio(key="import_kind").options[1]).run()
    at.selectbox(key="mapping_choice").set_value(mapping).run()
    return at


def _table_with(at, column: str):
    """The first table on the page with a column of that name."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _applications(text: str | None = None) -> list[tuple[str, bytes, str]]:
    data = text.encode() if text is not None else (GREENHOUSE / "applications.csv").read_bytes()
    return [("applications.csv", data, "text/csv")]


def test_the_preview_shows_the_first_rows_as_they_will_be_imported_with_their_source_rows(open_page):
    at = _with_mapping(open_page(PAGE, "admin"), _applications())

    assert not at.exception and not at.error, [e.value for e in at.error]
    preview = at.dataframe[0].value
    assert preview["search_ref"].tolist() == ["SR-0004", "SR-0004"]
    assert preview["applied_on"].tolist() == ["2026-10-28", "2026-10-29"]
    assert preview["source row"].tolist() == [2, 3]
    assert any("Download this mapping" in b.label for b in at.get("download_button"))


def test_importing_through_a_mapping_names_problems_by_source_row_and_writes_nothing(open_page, demo_db):
    applications = demo_db.scalar("SELECT count(*) FROM applications")
    at = _with_mapping(open_page(PAGE, "admin"), _applications())

    at.button(key="import_button").click()
    at = at.run()

    # the demo agency holds neither Greenhouse candidate: refused against the source file's cells
    assert any("Nothing was written" in e.value for e in at.error)
    problems = _table_with(at, "Reason")
    assert set(problems["File"]) == {"applications.csv"}
    assert set(problems["Column"]) >= {"candidate_id"}
    assert demo_db.scalar("SELECT count(*) FROM applications") == applications


def test_a_word_the_mapping_lacks_is_shown_before_importing(open_page):
    text = (GREENHOUSE / "applications.csv").read_text().replace(",4690,MLOps Lead,", ",5555,Data Engineer,", 1)
    at = _with_mapping(open_page(PAGE, "admin"), _applications(text))

    assert any("1 problem" in w.value for w in at.warning)
    assert "'5555' is not in the mapping's vocabulary 'jobs'" in _table_with(at, "Reason")["Reason"].iloc[0]


def test_a_broken_edit_says_what_is_wrong_and_disables_the_import(open_page):
    at = _with_mapping(open_page(PAGE, "admin"), _applications())
    area = at.text_area[0]
    area.set_value(area.value.replace('applied_on = {', 'applied_at = {')).run()

    assert any("cannot be used yet" in e.value and "no field 'applied_at'" in e.value for e in at.error)
    assert at.button(key="import_button").disabled


def _name_box(at):
    return next(box for box in at.text_input if box.label == "Save it as")


def _successes(at) -> list[str]:
    return [s.value for s in at.success] + [i.value for i in at.info]


def test_a_worked_mapping_saved_under_a_name_is_offered_for_the_next_import(open_page, demo_db):
    at = _with_mapping(open_page(PAGE, "admin"), _applications())
    assert _name_box(at).value == APPLICATIONS_MAPPING        # the mapping's own name, to start with
    _name_box(at).set_value("Greenhouse applications, our account").run()

    at.button(key="mapping_save").click()
    at = at.run()

    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Saved the mapping Greenhouse applications, our account" in m for m in _successes(at))
    assert at.selectbox(key="mapping_choice").value == "Saved: Greenhouse applications, our account"
    [saved] = saved_mappings(demo_db, account(demo_db, "admin"))
    assert saved.name == "Greenhouse applications, our account"
    assert saved.text == (ROOT / "data" / "mappings" / "greenhouse-harvest-applications.toml").read_text()
    assert at.dataframe[0].value["search_ref"].tolist() == ["SR-0004", "SR-0004"]      # the preview goes on


def test_a_saved_mapping_is_updated_with_the_edits_made_on_the_page(open_page, demo_db):
    admin = account(demo_db, "admin")
    text = (ROOT / "data" / "mappings" / "greenhouse-harvest-applications.toml").read_text()
    save_mapping(demo_db, admin, "Our Greenhouse", text)
    at = _with_mapping(open_page(PAGE, "admin"), _applications(), "Saved: Our Greenhouse")
    assert any(c.value.startswith("Saved by") for c in at.caption)

    edited = text.replace('"4690" = "SR-0004"', '"4690" = "SR-0004"\n"4691" = "SR-0005"')
    at.text_area[0].set_value(edited).run()
    at.button(key="mapping_update").click()
    at = at.run()

    assert any("Saved the changes to the mapping Our Greenhouse" in m for m in _successes(at))
    assert saved_mappings(demo_db, admin)[0].text == edited
    assert demo_db.scalar("SELECT count(*) FROM audit_log WHERE entity = 'import_mapping' AND action = 'update'") == 1


def test_a_saved_mapping_can_be_deleted_from_the_page(open_page, demo_db):
    admin = account(demo_db, "admin")
    save_mapping(demo_db, admin, "Our Greenhouse",
                 (ROOT / "data" / "mappings" / "greenhouse-harvest-applications.toml").read_text())
    at = _with_mapping(open_page(PAGE, "admin"), _applications(), "Saved: Our Greenhouse")

    at.button(key="mapping_delete").click()
    at = at.run()

    assert any("Deleted the saved mapping Our Greenhouse" in m for m in _successes(at))
    assert saved_mappings(demo_db, admin) == []
    assert "Saved: Our Greenhouse" not in at.selectbox(key="mapping_choice").options


def test_a_name_already_saved_is_refused_in_words_and_nothing_is_written(open_page, demo_db):
    admin = account(demo_db, "admin")
    save_mapping(demo_db, admin, "Our Greenhouse",
                 (ROOT / "data" / "mappings" / "greenhouse-harvest-scorecards.toml").read_text())
    at = _with_mapping(open_page(PAGE, "admin"), _applications())
    _name_box(at).set_value("our greenhouse").run()

    at.button(key="mapping_save").click()
    at = at.run()

    assert any(e.value.startswith("Not saved: name: a mapping called") for e in at.error), [e.value for e in at.error]
    assert len(saved_mappings(demo_db, admin)) == 1


def test_a_long_reason_wraps_in_its_cell_instead_of_being_cut(open_page):
    text = (GREENHOUSE / "applications.csv").read_text().replace(",4690,MLOps Lead,", ",5555,Data Engineer,", 1)
    at = _with_mapping(open_page(PAGE, "admin"), _applications(text))

    table = next(d for d in at.dataframe if "Reason" in d.value.columns)
    assert len(table.value["Reason"].iloc[0]) > ONE_LINE_REASON
    assert table.proto.row_height > 64         # the table wraps a cell's text only in rows this tall

