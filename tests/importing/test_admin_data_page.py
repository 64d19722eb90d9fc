"""The Import and export page: upload several files, see the counts or every problem; export a zip."""

from __future__ import annotations

import io
import json
import zipfile

from tests.importing.conftest import BROKEN, SAMPLES

PAGE = "pages/admin_data.py"


def _uploads(replaced_by=None) -> list[tuple[str, bytes, str]]:
    files = {p.name: p.read_bytes() for p in sorted(SAMPLES.glob("*.csv"))}
    if replaced_by is not None:
        files.update({p.name: p.read_bytes() for p in replaced_by.iterdir()})
    return [(name, data, "text/csv") for name, data in files.items()]


def _import(at, files, check_only: bool = False):
    at.file_uploader(key="import_files").set_value(files)
    at.run()
    if check_only:
        at.checkbox(key="import_check_only").check().run()
    at.button(key="import_button").click()
    return at.run()


def test_an_admin_imports_the_sample_files(open_page, demo_db):
    clients = demo_db.scalar("SELECT count(*) FROM clients")

    at = _import(open_page(PAGE, "admin"), _uploads())

    assert not at.error and not at.exception, [e.value for e in at.error]
    assert any("Imported" in s.value for s in at.success)
    counts = at.dataframe[0].value
    assert counts.set_index("Table").loc["Scores", "New"] == 133
    assert demo_db.scalar("SELECT count(*) FROM clients") == clients + 3
    admin_id = demo_db.scalar("SELECT account_id FROM accounts WHERE role = 'admin'")
    assert demo_db.scalar("SELECT actor_id FROM audit_log WHERE action = 'import'") == admin_id
    assert any(c.value == "Files read" for c in at.caption)


def test_a_second_upload_of_the_same_files_changes_nothing(open_page, demo_db):
    _import(open_page(PAGE, "admin"), _uploads())
    version = demo_db.data_version()

    at = _import(open_page(PAGE, "admin"), _uploads())

    assert any("No changes" in i.value for i in at.info)
    assert demo_db.data_version() == version


def test_broken_files_show_every_problem_and_write_nothing(open_page, demo_db):
    clients = demo_db.scalar("SELECT count(*) FROM clients")

    at = _import(open_page(PAGE, "admin"), _uploads(BROKEN / "wrong_types"))

    assert any("5 problems found" in e.value and "Nothing was written" in e.value for e in at.error)
    problems = at.dataframe[0].value
    assert len(problems) == 5
    assert problems.iloc[0][["File", "Row", "Column"]].tolist() == ["clients.csv", 2, "signed_on"]
    assert demo_db.scalar("SELECT count(*) FROM clients") == clients
    assert len(at.get("progress")) >= 1          # the refusal is shown in place, under the finished bar


def test_check_only_writes_nothing(open_page, demo_db):
    clients = demo_db.scalar("SELECT count(*) FROM clients")
    at = _import(open_page(PAGE, "admin"), _uploads(), check_only=True)
    assert any("Nothing was written (check only)" in s.value for s in at.success)
    assert demo_db.scalar("SELECT count(*) FROM clients") == clients


def test_an_admin_downloads_an_export(open_page, demo_db):
    at = open_page(PAGE, "admin")
    at.button(key="export_button").click()
    at = at.run()

    assert not at.exception and not at.error
    download = at.get("download_button")
    assert download and "Download scorecard-export-" in download[-1].proto.label


def test_the_export_zip_holds_the_manifest_and_every_table(open_page):
    at = open_page(PAGE, "admin")
    at.button(key="export_button").click()
    at = at.run()
    name, data, rows = at.session_state["export_zip"]

    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        manifest = json.loads(bundle.read("manifest.json"))
        assert {entry["file"] for entry in manifest["tables"]} | {"manifest.json"} == set(bundle.namelist())
    assert rows == sum(entry["rows"] for entry in manifest["tables"])


def test_other_roles_are_refused(open_page):
    for role in ("hiring_lead", "ops", "reviewer"):
        at = open_page(PAGE, role)
        assert any("Not allowed" in e.value for e in at.error), role
        assert not at.get("file_uploader")
