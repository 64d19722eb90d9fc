"""Tabs whose content runs only when open: the one way a page draws tabs."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import streamlit as st


def lazy_tabs(sections: Mapping[str, Callable[[], None]], key: str) -> None:
    """One tab per entry of ``sections`` (label -> what draws it); only the open tab's section runs.

    The others are neither computed nor sent. Choosing a tab reruns the script, so call this inside an
    ``st.fragment`` to rerun the tabs alone; ``key`` keeps the chosen tab across reruns (a new visit
    opens the first).
    """
    for tab, draw in zip(st.tabs(list(sections), key=key, on_change="rerun"), sections.values()):
        if tab.open:
            with tab:
                draw()
