"""Admin: weight versions are added, never edited; accounts are managed; the audit log is shown."""

from __future__ import annotations

from scoring.store.db import audit

PAGE = "pages/admin.py"


def _add_weights(at, **changes):
    for code, value in changes.items():
        at.number_input(key=f"weight_{code}").set_value(value)
    at.button[0].click()
    return at.run()


def test_weights_that_do_not_total_100_are_refused(open_page, demo_db):
    versions = demo_db.scalar("SELECT count(*) FROM weight_versions")
    at = _add_weights(open_page(PAGE, "admin"), governance=15.0)
    assert any("sum to 100%" in e.value for e in at.error)
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
    at = open_page(PAGE, "admin")
    log = at.dataframe[2].value
    assert log.iloc[0]["action"] == "test_action"
    assert log["audit_id"].is_monotonic_decreasing


def test_an_account_is_created_with_a_hashed_password(open_page, demo_db):
    at = open_page(PAGE, "admin")
    at.text_input(key="new_account_email").input("new.reviewer@agency.example")
    at.text_input(key="new_account_name").input("New Reviewer")
    at.text_input(key="new_account_password").input("a-long-enough-password")
    at.button[1].click().run()
    assert not at.error, [e.value for e in at.error]
    stored = demo_db.scalar("SELECT password_hash FROM accounts WHERE email = 'new.reviewer@agency.example'")
    assert stored.startswith("$argon2id$") and "a-long-enough-password" not in stored


def test_a_hiring_lead_is_refused(open_page):
    at = open_page(PAGE, "hiring_lead")
    assert any("Not allowed" in e.value for e in at.error)
