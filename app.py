"""Entry point: page set-up, sign-in and the role-based navigation. No computation here.

Navigation is declared on every run, signed in or not, so that no page file is ever reachable
by its address outside it: a signed-out visitor only has the sign-in page.
"""

import streamlit as st

from ui.context import account
from ui.navigation import PAGES
from ui.signin import sidebar_identity, sign_in_page

st.set_page_config(page_title="MLOps hiring scorecard", page_icon=":material/fact_check:", layout="wide")
actor = account()
if actor is None:
    pages = [st.Page(sign_in_page, title="Sign in", icon=":material/login:", url_path="sign-in", default=True)]
else:
    pages = [st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=spec.url_path)
             for spec in PAGES if actor.may(spec.permission)]
    sidebar_identity()
st.navigation(pages).run()
