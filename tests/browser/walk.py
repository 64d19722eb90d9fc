"""Walk every page a person may open, as they see it in Chromium, and list what would bother them.

Shared by the browser tests (tests/browser/test_every_page.py) and the screenshot gallery
(scripts/gallery.py). A problem is anything a hiring lead, reviewer or ops auditor should never see:
an error in the browser console or a request that failed, a traceback, the words ``nan``, ``None`` or
``NaT`` outside a table's cells, a table header written like a column name (``opened_on``, or starting
in lower case), or a metric's label or value cut off by its box.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from scoring.agency.access import PERMISSIONS
from ui.navigation import PAGES, PageSpec

ROLE_EMAILS = {"reviewer": "reviewer@demo.example", "hiring_lead": "lead@demo.example",
               "ops": "ops@demo.example", "auditor": "auditor@demo.example", "admin": "admin@demo.example"}
WIDTHS = (1400, 1024)

#: the script has finished its run (Streamlit marks the app element while a script runs)
IDLE = ("() => document.querySelector('[data-testid=\"stApp\"]')"
        ".getAttribute('data-test-script-state') !== 'running'")
#: resolves after the browser has painted two more frames
TWO_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))"

MISSING_WORDS = re.compile(r"(?<![\w-])(nan|NaN|None|NaT)(?![\w-])")
COLUMN_NAME = re.compile(r"_|^[a-z]")
#: a Python value printed as the program sees it, such as ``np.int64(3)`` or ``Timestamp('2026-01-05')``
PROGRAM_VALUE = re.compile(r"\b(?:np|numpy|pd)\.\w+\(|\b(?:Timestamp|Decimal|datetime\.date)\(")

#: the page's visible text, leaving out the cells of tables (a table shows a missing value as a dash;
#: its cells are drawn on a canvas anyway) and the text of code blocks that show commands to type
VISIBLE_TEXT = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT, {acceptNode: node => {
        const parent = node.parentElement;
        if (!parent || parent.closest('[data-testid="stDataFrame"], [data-testid="stTable"], pre, code'))
            return NodeFilter.FILTER_REJECT;
        const style = getComputedStyle(parent);
        return style.display === 'none' || style.visibility === 'hidden'
            ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
    }});
    const parts = [];
    while (walker.nextNode()) parts.push(walker.currentNode.textContent);
    return parts.join(' ');
}"""
CONTENT_HEIGHT = """() => Math.max(...[...document.querySelectorAll(
    '[data-testid="stMain"], [data-testid="stMainBlockContainer"], [data-testid="stAppScrollToBottomContainer"]')]
    .map(box => box.scrollHeight))"""
HEADERS = """grid => [...grid.querySelectorAll('[role="columnheader"]')]
    .map(cell => cell.textContent.trim()).filter(text => text.length > 0)"""
ONE_PLURAL = re.compile(r"(?<![\w.,])1 (rows|searches|candidates|applications|placements|reviewers|clients|scorecards|"
                        r"days|months|ratings|breaches|accounts|replacements)\b")
CUT_METRICS = """() => [...document.querySelectorAll(
    '[data-testid="stMain"] [data-testid="stMetricLabel"] *, [data-testid="stMain"] [data-testid="stMetricValue"] *')]
    .filter(box => getComputedStyle(box).overflowX !== 'visible' && box.scrollWidth > box.clientWidth + 1)
    .map(box => box.textContent.trim())"""

#: chart titles and axis titles that run past their chart's edge (the SVG cuts them off)
CUT_CHART_TITLES = """() => [...document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot')].flatMap(plot => {
    const chart = plot.querySelector('svg.main-svg').getBoundingClientRect();
    return [...plot.querySelectorAll('.gtitle, .g-xtitle text, .g-ytitle text')]
        .filter(title => { const box = title.getBoundingClientRect();
                           return box.left < chart.left - 1 || box.right > chart.right + 1; })
        .map(title => title.textContent.trim());
})"""


@dataclass
class PageVisit:
    """One page opened by one role at one width: how long the person waited and what was wrong."""

    role: str
    width: int
    page: PageSpec
    wait_ms: float
    problems: list[str] = field(default_factory=list)


def pages_for(role: str) -> list[PageSpec]:
    """The pages ``role`` may open, in navigation order."""
    return [spec for spec in PAGES if role in PERMISSIONS[spec.permission]]


def settle(page) -> None:
    """Wait until the script has finished and the browser has painted the result."""
    page.wait_for_timeout(100)
    page.wait_for_function(IDLE, timeout=120_000)
    page.evaluate(TWO_FRAMES)


def open_page(page, spec: PageSpec) -> float:
    """Click ``spec``'s link in the sidebar; milliseconds until its script ended and two frames were painted.

    A role with a single page has no page list (Streamlit shows none for one page): it is already there.
    """
    started = time.perf_counter()
    links = page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=spec.title)
    if page.locator('[data-testid="stSidebarNav"]').count():
        links.click()
    heading = page.get_by_role("heading", name=spec.title, exact=True)
    heading.or_(page.locator('[data-testid="stException"]')).first.wait_for(timeout=120_000)
    settle(page)
    return (time.perf_counter() - started) * 1000


def problems_on(page, console: list[str]) -> list[str]:
    """What is wrong with the page as it is now; ``console`` collects browser errors since the last call."""
    problems = [f"browser console: {message}" for message in console]
    console.clear()
    if page.locator('[data-testid="stException"]').count():
        problems.append("shows a traceback")
    words = sorted(set(MISSING_WORDS.findall(page.evaluate(VISIBLE_TEXT))))
    if words:
        problems.append(f"shows {', '.join(repr(word) for word in words)} outside a table")
    text = page.evaluate(VISIBLE_TEXT)
    program = sorted(set(match.group(0) for match in PROGRAM_VALUE.finditer(text)))
    if program:
        problems.append(f"shows values as the program prints them: {', '.join(program)}")
    plurals = sorted(set(match.group(0) for match in ONE_PLURAL.finditer(text)))
    if plurals:
        problems.append(f"counts that disagree in number: {', '.join(plurals)}")
    headers = sorted({header for header in table_headers(page) if COLUMN_NAME.search(header)})
    if headers:
        problems.append(f"table headers written like column names: {', '.join(headers)}")
    cut = page.evaluate(CUT_METRICS)
    if cut:
        problems.append(f"metrics cut off: {', '.join(cut)}")
    titles = page.evaluate(CUT_CHART_TITLES)
    if titles:
        problems.append(f"chart titles cut off: {', '.join(titles)}")
    return problems


def table_headers(page) -> list[str]:
    """The headers of every visible table; a table draws its header cells only once scrolled into view."""
    headers: list[str] = []
    for grid in page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]').all():
        if not grid.is_visible():
            continue
        grid.scroll_into_view_if_needed()
        page.wait_for_timeout(150)
        headers += grid.evaluate(HEADERS)
    page.evaluate("() => window.scrollTo(0, 0)")
    return headers


def whole_page_screenshot(page, width: int, path: Path) -> None:
    """A picture of the whole page: Streamlit scrolls its main area inside the window, so the window is
    made as tall as the content for the picture, then given back its height."""
    height = page.evaluate(CONTENT_HEIGHT)
    page.set_viewport_size({"width": width, "height": max(1000, height + 80)})
    page.wait_for_timeout(600)                  # charts redraw at the new size
    page.screenshot(path=path)
    page.set_viewport_size({"width": width, "height": 1000})


def collect_console(page) -> list[str]:
    """Start collecting the page's console errors and failed requests into the returned list."""
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    page.on("requestfailed", lambda request: console.append(f"request failed: {request.url}"))
    return console


def sign_in_as(page, url: str, email: str, password: str) -> None:
    """Open the app at ``url`` and sign in."""
    page.goto(url)
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.locator('[data-testid="stSidebar"]').get_by_text("Signed in as").wait_for(timeout=120_000)
    settle(page)


def walk(browser, url: str, role: str, email: str, password: str, width: int,
         screenshots: Path | None = None, prefix: str = "", only: set[str] | None = None) -> list[PageVisit]:
    """Sign in as ``email`` in a fresh browser context ``width`` px wide and open every page ``role`` may
    open (or those of them whose address is in ``only``); screenshots (full page) go to ``screenshots``
    as ``<prefix><role>-<width>-<page>.png``."""
    context = browser.new_context(viewport={"width": width, "height": 1000})
    page = context.new_page()
    console = collect_console(page)
    try:
        sign_in_as(page, url, email, password)
        visits = []
        for spec in pages_for(role):
            if only is not None and spec.url_path not in only:
                continue
            wait_ms = open_page(page, spec)
            visits.append(PageVisit(role, width, spec, wait_ms, problems_on(page, console)))
            if screenshots is not None:
                whole_page_screenshot(page, width, screenshots / f"{prefix}{role}-{width}-{spec.url_path}.png")
        return visits
    finally:
        context.close()
