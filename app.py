"""Entry point: page set-up, sign-in and the role-based navigation. No computation here."""

import streamlit as st

from scoring.access import Account
from ui.context import account
from ui.signin import sidebar_identity, sign_in

st.set_page_config(page_title="MLOps hiring scorecard", page_icon=":material/fact_check:", layout="wide")

#: (file, title, icon, permission needed to see it)
PAGES = (
    ("pages/pipeline.py", "Pipeline health", ":material/filter_alt:", "read_pipeline"),
    ("pages/score_entry.py", "Score entry", ":material/edit_note:", "write_scores"),
    ("pages/candidate.py", "Candidate profile", ":material/person_search:", "read_candidates"),
    ("pages/admin.py", "Admin", ":material/admin_panel_settings:", "manage_accounts"),
)


def visible_pages(actor: Account) -> list[st.Page]:
    return [st.Page(path, title=title, icon=icon) for path, title, icon, permission in PAGES
            if actor.may(permission)]


sign_in()
sidebar_identity()
navigation = st.navigation(visible_pages(account()))
navigation.run()
