"""Stored text shown as text: names, notes and reasons never become markup, links or images.

Streamlit renders Markdown (GitHub-flavoured, with its own directives such as ``:red[...]``, and
maths between ``$``) in ``st.markdown``, ``st.caption``, headers, alerts, and the labels of metrics,
expanders, tabs and widgets; Plotly renders a subset of HTML (``<a href>``, ``<b>``, ``<br>``...) in
trace names, category labels, annotations and hover labels. A candidate named
``![x](http://203.0.113.9/x.png)`` would otherwise load an outside image in every viewer's browser,
and a reviewer named ``<a href="...">`` would become a link in a chart.

Every piece of stored free text that one of those renders goes through :func:`plain` (Markdown
places) or :func:`chart_text` (Plotly figures) where it is put into the text. ``st.dataframe``,
``st.data_editor`` and the options of selectboxes and multiselects show text as it is and need
neither (:func:`plain` there would show its backslashes).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from scoring.reports.charts import chart_text as chart_text  # declared beside the figures drawn outside ui
from scoring.reports.formatting import MISSING, is_missing

#: Characters escaped wherever they are: they start links and images (``[`` ``]``), HTML and
#: autolinks (``<`` ``>``), emphasis, strikethrough and code (``*`` ``~`` and the backtick), maths
#: (``$``), entities (``&``), and the escape itself.
_ALWAYS = frozenset("\\`*~[]<>$&")
#: First characters that start a block (heading, quote, list, rule, fence, table) at a line's start.
_LINE_START = frozenset("#>-+=|")
_ORDERED_LIST = re.compile(r"^\d+([.)])")
_WHITESPACE = re.compile(r"\s+")
#: Where plain text turns into something else after Markdown is parsed: GitHub-flavoured Markdown's
#: links (``http://``, ``www.``, ``a@b.c``), emoji and icon short codes (``:smile:``,
#: ``:material/home:``) and Streamlit's directives (``:red[...]``). A word joiner (U+2060, invisible
#: and zero width) goes there, which none of them reads across.
_JOINS = re.compile(r"(?=://)|(?<=www)(?=\.)|(?=@)|(?<=:)(?=[\w+\-\[{:])", re.IGNORECASE)
WORD_JOINER = "\u2060"


def plain(text: object) -> str:
    r"""``text`` for a place that renders Markdown, so that it shows exactly as written.

    A backslash goes before every character that could start Markdown there (CommonMark then shows
    the character itself): links, images, HTML, emphasis, code, maths and, at the start, headings,
    quotes and lists. An invisible word joiner breaks what would otherwise change after parsing:
    addresses GitHub-flavoured Markdown turns into links by itself (``http://``, ``www.``, e-mail),
    emoji and icon short codes, Streamlit's ``:directives[...]``. Line breaks and runs of white
    space become one space, since the places this is used in are one line. Ordinary punctuation
    (``. , : ; ' " ( ) % -`` inside the text) is left as it is. A missing value (``None``, NaN, ``NaT``)
    gives :data:`~scoring.reports.formatting.MISSING`, the dash tables and metrics show.

    Parameters
    ----------
    text : object
        Usually a ``str``; anything else is turned into text with ``str`` first.

    Returns
    -------
    str

    Examples
    --------
    >>> plain("![x](http://203.0.113.9/x.png)")
    '!\\[x\\](http\u2060://203.0.113.9/x.png)'
    >>> plain('<a href="http://203.0.113.9">Acme</a>')
    '\\<a href="http\u2060://203.0.113.9"\\>Acme\\</a\\>'
    >>> plain("Ana Souza-Lima, O'Neil & co: 100%"), plain(None), plain(float("nan"))
    ("Ana Souza-Lima, O'Neil \\& co: 100%", '—', '—')
    >>> plain("# not a heading\n- nor a list, :red[nor red], *nor bold*, snake_case")
    '\\# not a heading - nor a list, :\u2060red\\[nor red\\], \\*nor bold\\*, snake_case'
    """
    if is_missing(text):
        return MISSING
    text = _JOINS.sub(WORD_JOINER, _WHITESPACE.sub(" ", str(text)).strip())
    out = []
    for position, character in enumerate(text):
        before = text[position - 1] if position else " "
        after = text[position + 1] if position + 1 < len(text) else " "
        if (character in _ALWAYS
                or (character == "_" and not (before.isalnum() and after.isalnum()))     # a_b is no emphasis
                or (position == 0 and character in _LINE_START)):
            out.append("\\")
        out.append(character)
    escaped = "".join(out)
    ordered = _ORDERED_LIST.match(escaped)
    if ordered:                                 # "1. " or "1) " at the start would be a numbered list
        escaped = escaped[:ordered.start(1)] + "\\" + escaped[ordered.start(1):]
    return escaped


def labelled(labels: Mapping[Any, str]) -> Callable[[Any], str]:
    """A widget's ``format_func`` showing each option by its label (an option without one by itself).

    Examples
    --------
    >>> show = labelled({1: "Version 1", None: "unchanged"})
    >>> show(1), show(None), show(7)
    ('Version 1', 'unchanged', '7')
    """
    return lambda option: labels[option] if option in labels else str(option)
