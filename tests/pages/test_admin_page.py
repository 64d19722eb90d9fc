"""Admin: weight versions are added, never edited; accounts are managed; the audit log is shown."""

from __future__ import annotations

from datetime import date, timedelta

from scoring.domain.dimensions import DEFAULT_WEIGHTS_PCT
from scoring.store import weights
from scoring.store.db import audit
from tests.conftest import account, choose_tab

PAGE = "pages/admin.py"


def _open_tab(at, label: str):
    """Choose the tab ``label``, as a click on it would: only the open tab is drawn."""
    return choose_tab(at, "admin_tab", label)


def _add_weights(at, **changes):
    for code, value in changes.items():
        at.number_input(key=f"weight_{code}").set_value(value)
    at.button[0].click()
    return at.run()


def test_weights_that_do_not_total_100_are_refused(open_page, demo_db):
    versions = demo_db.scalar("SELECT count(*) FROM weight_versions")
    at = _add_weights(open_page(PAGE, "admin"), governance=15.0)
    assert any("add up to 105%; change them so that they add up to 100%" in e.value for e in at.error)
    assert demo_db.scalar("SELECT count(*) FROM weight_versions") == versions


def test_a_new_weight_version_is_added_and_audited(open_page, demo_db):
    versions = demo_db.scalar("SELECT count(*) FROM weight_versions")
    at = _add_weights(open_page(PAGE, "admin"), governance=15.0, automation=10.0)
    assert not at.error, [e.value for e in at.error]
    assert any("added" in s.value for s in at.success)
    assert demo_db.scalar("SELECT count(*) FROM weight_versions") == versions + 1
    newest = demo_db.frame("""SELECT d.code, w.weight_pct::DOUBLE AS pct FROM dimension_weights AS w
                              JOIN dimensions AS d USING (dimension_id)
                              WHERE version_id = (SELECT max(version_id) FROM weight_versions)""")
    assert dict(zip(newest["code"], newest["pct"]))["governance"] == 15.0
    assert demo_db.scalar("SELECT count(*) FROM audit_log WHERE entity = 'weight_version'") == 1
    assert len(at.dataframe[0].value) == versions + 1


def test_the_audit_log_lists_the_newest_entries_first(open_page, demo_db):
    with demo_db.transaction() as cur:
        audit(cur, None, "test_action", "thing", "k-1", after={"x": 1})
    at = _open_tab(open_page(PAGE, "admin"), "Audit log")
    log = at.dataframe[0].value
    assert log.iloc[0]["action"] == "Test action"            # in words, never the code
    assert log["audit_id"].is_monotonic_decreasing


def test_only_the_open_tab_is_drawn_and_a_long_log_shows_its_newest_entries_with_the_rest_downloadable(
        open_page, demo_db):
    with demo_db.transaction() as cur:
        for n in range(130):
            audit(cur, None, "test_action", "thing", f"k-{n}", after={"n": n})
    at = open_page(PAGE, "admin")
    assert [t.label for t in at.tabs] == ["Weights", "Accounts", "Certification", "Audit log"]
    assert not [t for t in at.text_input if t.key == "audit_text"]          # the log is not drawn yet
    _open_tab(at, "Audit log")
    total = demo_db.scalar("SELECT count(*) FROM audit_log")
    assert len(at.dataframe[0].value) == 100
    assert f"The first 100 of {total:,} entries, in the order listed; the downloads hold every one." in [
        c.value for c in at.caption]
    assert {b.proto.label for b in at.get("download_button")} == {"Download these entries (CSV)",
                                                                  "Download these entries (Parquet)"}
    at.text_input(key="audit_text").input("k-12").run()                       # the entry with that key
    assert at.session_state["admin_tab"] == "Audit log"
    assert at.dataframe[0].value["entity_key"].tolist() == ["k-12"]


def test_an_account_is_created_with_a_hashed_password(open_page, demo_db):
    at = _open_tab(open_page(PAGE, "admin"), "Accounts")
    at.text_input(key="new_account_email").input("new.reviewer@agency.example")
    at.text_input(key="new_account_name").input("New Reviewer")
    at.text_input(key="new_account_password").input("a-long-enough-password")
    _button(at, "Create account").click().run()
    assert not at.error, [e.value for e in at.error]
    stored = demo_db.scalar("SELECT password_hash FROM accounts WHERE email = 'new.reviewer@agency.example'")
    assert stored.startswith("$argon2id$") and "a-long-enough-password" not in stored


def _new_account(at, email: str, name: str, password: str):
    at.text_input(key="new_account_email").input(email)
    at.text_input(key="new_account_name").input(name)
    at.text_input(key="new_account_password").input(password)
    return _button(at, "Create account").click().run()


def test_a_bad_new_account_is_refused_in_words_with_every_problem_at_once(open_page, demo_db):
    accounts_before = demo_db.scalar("SELECT count(*) FROM accounts")
    at = _new_account(_open_tab(open_page(PAGE, "admin"), "Accounts"), "priya at agency", "  ", "short")
    assert not at.exception
    [refused] = [e.value for e in at.error]
    assert refused.startswith("Not created. Change this first:")
    assert "Email: this is not a whole email address" in refused and "ana@agency.example" in refused
    assert "Display name: type the name people will see" in refused
    assert "Password: use at least 12 characters (this one has 5)" in refused
    assert not any(word in refused for word in ("Constraint", "CHECK", "display_name", "~~"))
    assert demo_db.scalar("SELECT count(*) FROM accounts") == accounts_before


def test_an_email_that_already_has_an_account_is_refused_before_the_database(open_page, demo_db):
    at = _new_account(_open_tab(open_page(PAGE, "admin"), "Accounts"), "Reviewer@Demo.example", "Riley Again",
                      "a-long-enough-password")
    assert any("an account with this address already exists" in e.value for e in at.error)


def test_a_change_with_nothing_chosen_says_what_to_choose(open_page):
    at = _open_tab(open_page(PAGE, "admin"), "Accounts")
    _button(at, "Save change").click().run()
    assert any("Nothing is chosen: pick a new role" in e.value for e in at.error)


def test_a_short_new_password_is_refused_in_words(open_page, demo_db):
    at = _open_tab(open_page(PAGE, "admin"), "Accounts")
    at.text_input(key="change_account_password").input("too-short")
    _button(at, "Save change").click().run()
    assert any("Password: use at least 12 characters (this one has 9)" in e.value for e in at.error)


def test_the_tables_are_in_words(open_page):
    at = open_page(PAGE, "admin")
    versions = at.dataframe[0].value
    people = _open_tab(at, "Accounts").dataframe[0].value
    log = _open_tab(at, "Audit log").dataframe[0].value
    assert list(versions.columns[:3]) == ["Version", "Effective from", "Infrastructure"]
    assert "Infrastructure" in versions.columns
    assert set(people["Role"]) <= {"Reviewer", "Hiring lead", "Ops", "Auditor", "Admin"}
    assert not log["action"].str.contains("_").any()


def test_a_hiring_lead_is_refused(open_page):
    at = open_page(PAGE, "hiring_lead")
    assert any("Not allowed" in e.value for e in at.error)


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def _selectbox(at, label):
    return next(s for s in at.selectbox if s.label == label)


def test_a_future_weight_version_is_withdrawn_from_the_weights_tab(open_page, demo_db):
    as_of = date.fromisoformat(demo_db.metadata("demo_as_of"))
    version_id = weights.add_version(demo_db, account(demo_db, "admin"), DEFAULT_WEIGHTS_PCT,
                                     as_of + timedelta(days=30), "planned", today=as_of)
    at = open_page(PAGE, "admin")
    assert at.selectbox(key="withdrawn_version").value == version_id
    assert version_id in at.dataframe[0].value["Version"].tolist()

    at.button(key="withdraw_version").click().run()

    assert not at.error, [e.value for e in at.error]
    assert any(f"Weight version {version_id} withdrawn" in s.value for s in at.success)
    assert version_id not in at.dataframe[0].value["Version"].tolist()
    assert demo_db.scalar("SELECT count(*) FROM weight_versions WHERE version_id = ?", [version_id]) == 0
    assert demo_db.scalar("SELECT count(*) FROM audit_log WHERE action = 'withdraw' AND entity_key = ?",
                          [str(version_id)]) == 1


def test_versions_in_force_or_past_are_not_offered_for_withdrawal(open_page, demo_db):
    at = open_page(PAGE, "admin")
    assert not [s for s in at.selectbox if s.key == "withdrawn_version"]
    assert any("No version is waiting to take effect" in c.value for c in at.caption)


def test_the_last_active_admin_cannot_deactivate_themselves_on_the_page(open_page, demo_db):
    admin = account(demo_db, "admin")
    at = _open_tab(open_page(PAGE, "admin"), "Accounts")
    _selectbox(at, "Account").set_value(admin.account_id)
    _selectbox(at, "Active").set_value(False)
    _button(at, "Save change").click().run()

    assert any("is the last active admin" in e.value for e in at.error)
    assert demo_db.scalar("SELECT active FROM accounts WHERE account_id = ?", [admin.account_id])

