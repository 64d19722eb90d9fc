"""Entry point: page set-up, sign-in and the role-based navigation. No computation here.

Navigation is declared on every run, signed in or not, so that no page file is ever reachable
by its address outside it: a signed-out visitor only has the sign-in page.
"""

from pathlib import Path

import streamlit as st

from ui.context import signed_in_account
from ui.navigation import PAGES
from ui.signin import sidebar_identity, sign_in_page

ICON = Path(__file__).parent / "ui" / "icon.png"

# The icon is a file of ours: a Material icon name would make every browser fetch it from outside.
st.set_page_config(page_title="MLOps hiring scorecard", page_icon=str(ICON), layout="wide")
actor = signed_in_account()     # re-checked against the database on every rerun
if actor is None:
    pages = [st.Page(sign_in_page, title="Sign in", icon=":material/login:", url_path="sign-in", default=True)]
else:
    pages = [st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=spec.url_path)
             for spec in PAGES if actor.may(spec.permission)]
    sidebar_identity()
st.navigation(pages).run()
