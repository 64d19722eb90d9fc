"""Entry point: page set-up, sign-in and the role-based navigation. No computation here.

Navigation is declared on every run, signed in or not, so that no page file is ever reachable
by its address outside it. A signed-out visitor gets the sign-in page at every page's address, so a
link such as ``/candidate?q=CA-022022`` asks them to sign in and then opens that page with its query.
"""

from pathlib import Path

import streamlit as st

from ui.context import signed_in_account
from ui.navigation import PAGES
from ui.shared_reads import keep_reports_warm
from ui.signin import go_to_wanted_page, sidebar_identity, sign_in_page, sign_in_page_for, write_session_cookie

ICON = Path(__file__).parent / "ui" / "icon.png"

# The icon is a file of ours: a Material icon name would make every browser fetch it from outside.
st.set_page_config(page_title="MLOps hiring scorecard", page_icon=str(ICON), layout="wide")
actor = signed_in_account()     # re-checked against the database on every rerun; a reload signs in by cookie
keep_reports_warm()             # once per process: the heavy reports are computed off the click from now on
if actor is None:
    # Each stand-in has its page's address, so once signed in the rerun finds the real page there.
    pages = {spec.url_path: st.Page(sign_in_page_for(spec.title), title=spec.title, icon=spec.icon,
                                    url_path=spec.url_path) for spec in PAGES}
    sign_in = st.Page(sign_in_page, title="Sign in", icon=":material/login:", url_path="sign-in", default=True)
    navigation = st.navigation([sign_in, *pages.values()], position="hidden")
else:
    pages = {spec.url_path: st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=spec.url_path)
             for spec in PAGES if actor.may(spec.permission)}
    sidebar_identity()
    with st.sidebar:
        write_session_cookie()  # before the page runs, so that a slow page cannot hold it back
    navigation = st.navigation(list(pages.values()))
go_to_wanted_page(pages)        # a link that reached a page file before this script had ever run
navigation.run()
if actor is None:
    write_session_cookie()      # after the sign-in page, so that it takes no room above the form
