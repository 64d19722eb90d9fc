"""Admin: scorecard weights (as new versions), accounts and roles, and the audit log."""

from __future__ import annotations

from datetime import date, timedelta
from typing import cast

import pandas as pd
import streamlit as st

from scoring.reports.admin import (
    AUDIT_COLUMNS,
    DIMENSION_NAMES,
    ROLES,
    account_change_problems,
    accounts_shown,
    active_label,
    audit_shown,
    code_words,
    new_account_problems,
    newest_weights,
    refusal,
    role_label,
    waiting_versions,
    weight_problems,
    weights_shown,
)
from scoring.reports.formatting import MISSING
from scoring.store import accounts, audit_log, weights
from scoring.store.audit_log import AuditFilter
from ui.access import Account, account_allowed
from ui.certification import bar_form
from ui.context import database, guarded, guarded_fragment, read, today
from ui.tables import downloads, first_rows
from ui.tabs import lazy_tabs
from ui.text import labelled, plain
from ui.writes import run_write, show_outcome

#: How the weight versions are drawn: dates as days, weights as percentages.
VERSIONS_CONFIG = {
    # pinned, so a narrow window that scrolls the weights sideways still shows which version each row is
    "Version": st.column_config.NumberColumn("Version", format="%d", width=65, pinned=True),
    "Effective from": st.column_config.TextColumn("Effective from", width=110, pinned=True),
    "Why": st.column_config.TextColumn("Why", width="medium"),
    **{name: st.column_config.NumberColumn(name, format="%g%%") for name in DIMENSION_NAMES.values()},
}
ACCOUNTS_CONFIG = {
    "account_id": None,
    "Email": st.column_config.TextColumn("Email", width=195),
    "Name": st.column_config.TextColumn("Name", width=125),
    "Role": st.column_config.TextColumn("Role", width=85),
    "Active": st.column_config.CheckboxColumn("Active", width=60),
    "Failed sign-ins": st.column_config.NumberColumn("Failed sign-ins", format="%d", width=105,
                                                     help="Failed sign-in attempts since the last successful one"),
    "Locked until": st.column_config.DatetimeColumn("Locked until", format="D MMM YYYY, HH:mm"),
    "Created": st.column_config.DateColumn("Created", format="D MMM YYYY", width="small"),
}
AUDIT_CONFIG = {
    "audit_id": None,
    "logged_at": st.column_config.DatetimeColumn(AUDIT_COLUMNS["logged_at"], format="D MMM YYYY, HH:mm:ss"),
    **{column: st.column_config.TextColumn(label) for column, label in AUDIT_COLUMNS.items() if column != "logged_at"},
}


def weights_tab(actor: Account) -> None:
    st.subheader("Weight versions")
    st.caption("A version applies from its effective date; earlier scores keep the weights they were made "
               "under. Versions are never edited, only added; one that has not taken effect yet may be withdrawn.")
    table = read(weights.versions, actor)
    if table.empty:
        st.info("There is no weight version yet: add one below (the form starts from the default weights).")
    else:
        st.dataframe(weights_shown(table), hide_index=True, width="stretch", column_config=VERSIONS_CONFIG,
                     placeholder=MISSING)
    newest = newest_weights(table)
    with st.form("new_weights"):
        st.markdown("**Add a version**")
        columns = st.columns(len(DIMENSION_NAMES), vertical_alignment="bottom")   # inputs in line however labels wrap
        proposed = {code: column.number_input(f"{name} (%)", 0.0, 100.0, newest[code], step=5.0,
                                              key=f"weight_{code}")
                    for column, (code, name) in zip(columns, DIMENSION_NAMES.items())}
        latest = weights.latest_start(today())
        effective = st.date_input("Effective from", today() + timedelta(days=1), min_value=today(), max_value=latest,
                                  help=f"At most {weights.MAX_YEARS_AHEAD} year ahead: by {latest:%d %b %Y}.")
        note = st.text_input("Why (shown beside the version)")
        submitted = st.form_submit_button("Add weight version", type="primary")
    st.caption(f"Total: {sum(proposed.values()):g}% (must be 100%)")
    if submitted:
        problems = weight_problems(proposed, effective if isinstance(effective, date) else None, note, today(),
                                   table)
        if problems:
            st.error(refusal("Not added", problems))
        else:
            run_write(lambda: weights.add_version(database(), actor, proposed, effective, note, today()),
                      lambda version_id: f"Weight version {version_id} added, effective {effective:%d %b %Y}.",
                      refused="Not added")
    withdraw_form(actor, table)


def withdraw_form(actor: Account, table: pd.DataFrame) -> None:
    """Withdraw a version before its date: it scores nothing, and its date is free again."""
    st.markdown("**Withdraw a version that has not taken effect**")
    waiting = waiting_versions(table, today())
    if waiting.empty:
        st.caption("No version is waiting to take effect. Versions in force or past are never changed.")
        return
    labels = {int(v.version_id): f"Version {v.version_id}, from {v.effective_from:%d %b %Y}"
              for v in waiting.itertuples()}
    chosen = st.selectbox("Version to withdraw", list(labels), format_func=labelled(labels), key="withdrawn_version")
    if st.button("Withdraw version", key="withdraw_version"):
        run_write(lambda: weights.withdraw_version(database(), actor, int(chosen), today()),
                  f"Weight version {chosen} withdrawn: it will score nothing. The audit log keeps its weights.",
                  refused="Not withdrawn")


def accounts_tab(actor: Account) -> None:
    st.subheader("Accounts")
    people = read(accounts.list_accounts, actor)
    st.dataframe(accounts_shown(people), hide_index=True, width="stretch", column_config=ACCOUNTS_CONFIG,
                 placeholder=MISSING)
    left, right = st.columns(2)
    with left.form("new_account"):
        st.markdown("**New account**")
        email = st.text_input("Email", key="new_account_email")
        name = st.text_input("Display name", key="new_account_name")
        role = st.selectbox("Role", ROLES, format_func=role_label, key="new_account_role")
        password = st.text_input("Initial password (optional with single sign-on)", type="password",
                                 key="new_account_password")
        if st.form_submit_button("Create account"):
            problems = new_account_problems(email, name, role, password, people["email"])
            if problems:
                st.error(refusal("Not created", problems))
            else:
                run_write(lambda: accounts.create_account(database(), actor, email, name, role, password or None),
                          f"Account for {plain(email.strip())} created.", refused="Not created")
    with right.form("change_account"):
        st.markdown("**Change an account**")
        labels = dict(zip(people["account_id"], people["email"]))
        chosen = st.selectbox("Account", list(labels), format_func=labelled(labels))
        new_role = st.selectbox("Role", [None, *ROLES], format_func=role_label)
        active = st.selectbox("Active", [None, True, False], format_func=active_label)
        new_password = st.text_input("New password (leave empty to keep)", type="password",
                                     key="change_account_password")
        if st.form_submit_button("Save change"):
            problems = account_change_problems(people, int(chosen), new_role, active, new_password)
            if problems:
                st.error(refusal("Not changed", problems))
                return
            run_write(lambda: accounts.update_account(database(), actor, int(chosen), role=new_role, active=active,
                                                      password=new_password or None),
                      "Account updated.", refused="Not changed")


@guarded_fragment
def audit_tab(actor: Account) -> None:
    """The audit log and its filters; a filter reruns this part alone."""
    st.subheader("Audit log")
    words = read(audit_log.vocabulary, actor)
    first, second = st.columns(2)
    now = date.today()   # audit entries carry real timestamps, even in a demo database
    period = first.date_input("Between", (now - timedelta(days=30), now), key="audit_period")
    actors = cast(pd.DataFrame, words["actors"])
    people = dict(zip(actors["actor_id"], actors["display_name"]))
    who = second.selectbox("Who", [None, *people], format_func=lambda a: "Anyone" if a is None else people[a])
    first, second, third = st.columns(3)
    actions = first.multiselect("Actions", words["actions"], format_func=code_words, placeholder="All actions")
    entities = second.multiselect("Entities", words["entities"], format_func=code_words, placeholder="All entities")
    text = third.text_input("Key or text contains", key="audit_text")
    start, end = period if isinstance(period, tuple) and len(period) == 2 else (None, None)
    chosen = AuditFilter(start=start, end=end, actor_id=None if who is None else int(who), actions=tuple(actions),
                         entities=tuple(entities), text=text.strip())
    rows = read(audit_log.entries, actor, chosen)
    st.caption(f"The {len(rows):,} most recent matching entr{'y' if len(rows) == 1 else 'ies'} "
               f"(at most {audit_log.PAGE_SIZE:,}).")
    st.dataframe(first_rows(audit_shown(rows), ("entry", "entries")), hide_index=True, width="stretch",
                 column_config=AUDIT_CONFIG, placeholder=MISSING)
    downloads(rows, "these entries", "audit_log", "audit_download")


def body() -> None:
    # The page's own permission first: only the open tab reads anything, and it must not be the first refusal.
    actor = account_allowed("manage_accounts")
    st.title("Admin")
    show_outcome()
    tabbed_sections(actor)


@guarded_fragment
def tabbed_sections(actor: Account) -> None:
    """Only the open tab's part runs and is sent, and choosing another reruns this part alone; the tab
    stays chosen across reruns (a new visit opens the first)."""
    lazy_tabs({"Weights": lambda: weights_tab(actor), "Accounts": lambda: accounts_tab(actor),
               "Certification": lambda: bar_form(actor), "Audit log": lambda: audit_tab(actor)}, key="admin_tab")


guarded(body)
