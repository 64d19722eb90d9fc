"""How fast does every page feel in a real browser on the full demo? Run: ``python bench/bench_browser.py``.

Builds the default-size demo agency (85,500 candidates) into a DuckDB file and, when PostgreSQL is
installed, into a private PostgreSQL server (with the helpers of ``bench_pages.py``), starts the app
as a real ``streamlit run`` server on each, and drives it in Debian's Chromium (``/usr/bin/chromium``;
nothing downloads a browser), signed in through the form as the demo accounts. For every page it
times the first open after start, a warm open (away and back) and each interaction of the table
below, from the input event (the last key or pointer press) to the end of the script's run (the
app's ``data-test-script-state`` leaves ``running`` and stays out of it) plus two painted frames;
an interaction that starts no run (a tab drawn in the browser) is timed to two frames after the
input. It also counts the bytes of the WebSocket frames the browser receives meanwhile.

In the same run a trivial Streamlit page (a button and a number, its own server) is clicked the same
way; its median is the floor, and every figure is also printed as a multiple of it, since absolute
times vary between machines. Figures over a target are flagged.

Options: ``--candidates N`` for a smaller agency, ``--db PATH_OR_URL`` to reuse a database,
``--no-postgres`` for the DuckDB file alone, ``--rounds R`` passes over each page's interactions,
``--pages a,b`` (URL paths such as ``pipeline,ops``) to measure some pages only, ``--warm-up S``
seconds the server is up before the first page opens, ``--json PATH`` to write the results.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_pages import add_database_options, demo_databases  # noqa: E402

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DEMO_PASSWORD, start_server  # noqa: E402
from tests.browser.walk import ROLE_EMAILS, pages_for  # noqa: E402
from ui.navigation import PAGES  # noqa: E402

TARGETS = {"warm_floor_multiple": 3.0, "warm_max_ms": 1000, "first_open_ms": 1500, "server_up_s": 60}
TRIVIAL_PAGE = ('import streamlit as st\nst.session_state.n = st.session_state.get("n", 0) + 1\n'
                'st.button("Rerun")\nst.write(st.session_state.n)\n')


@dataclass(frozen=True)
class Step:
    """One interaction: ``how`` a person changes the widget labelled ``label`` to ``value``.

    how: ``option`` picks the option named ``value`` in a select box or multiselect (an int: the
    option at that place); ``remove`` takes ``value`` out of a multiselect; ``choose`` clicks the tab,
    radio option or button named ``value`` (an int: the one at that place) within the widget
    ``label`` (or anywhere when ``label`` is empty); ``type`` types ``value`` into a text box and
    presses Enter; ``key`` presses the key ``value`` on the widget's first slider handle; ``expand``
    opens (or closes) the expander whose title starts with ``label``. A label or name written
    ``re:...`` is a regular expression. ``{name}`` in a value is filled from the demo (see
    :func:`demo_values`).
    """

    what: str
    how: str
    label: str
    value: str | int = ""


PERIOD = "Searches opened"
RERUNNING = {"option", "remove", "type", "key"}        # kinds of step that change a widget's value
# round trips made on several pages, each ending where it began
ALL_TIME_AND_BACK = (Step("period: all time", "option", PERIOD, "All time"),
                     Step("period: last 12 months", "option", PERIOD, "Last 12 months"))
ONE_CLIENT_AND_BACK = (Step("client: one", "option", "Clients", "{client}"),
                       Step("client: all again", "remove", "Clients", "{client}"))


def opened_and_closed(what: str, expander: str) -> tuple[Step, Step]:
    """Opening the expander whose title starts with ``expander``, then closing it again."""
    return (Step(f"drill-down: {what}", "expand", expander), Step("drill-down: closed", "expand", expander))


# page (URL path) -> (role that opens it, interactions in the order they are made; each round makes them all, and
# a round ends where it began, so that every round measures the same changes)
INTERACTIONS: dict[str, tuple[str, tuple[Step, ...]]] = {
    "pipeline": ("hiring_lead", (
        *ALL_TIME_AND_BACK,
        *ONE_CLIENT_AND_BACK,
        Step("seniority: senior", "option", "Seniority", "Senior"),
        Step("seniority: all again", "remove", "Seniority", "Senior"),
        Step("stage: another tab", "choose", "", "re:^Production incident"),
        Step("stage: first tab", "choose", "", "re:^Pipeline and tooling"),
        *opened_and_closed("cancelled searches", "Cancelled without a shortlist"),
    )),
    "candidate": ("hiring_lead", (
        Step("search by first name", "type", "re:^Find a candidate", "{first_name}"),
        Step("open another match", "option", "re:match", 1),
        Step("open a candidate by id", "type", "re:^Find a candidate", "{candidate_ref}"),
        Step("stage: the other one", "option", "Stage", 0),     # opens on the take-home when it was scored
        Step("stage: back", "option", "Stage", 1),
    )),
    "calibration": ("hiring_lead", (
        Step("dimension: governance only", "option", "Dimensions", "Governance"),
        Step("dimension: all again", "remove", "Dimensions", "Governance"),
        Step("stage: interview", "choose", "Stage", 1),
        Step("stage: take-home", "choose", "Stage", 0),
        Step("period: one month shorter", "key", "Months", "ArrowRight"),
        Step("period: back", "key", "Months", "ArrowLeft"),
        Step("tab: severity", "choose", "", "Severity"),
        Step("tab: over time", "choose", "", "Over time"),
        Step("tab: exercises", "choose", "", "Exercises"),
        Step("tab: agreement", "choose", "", "Agreement"),
    )),
    "validity": ("hiring_lead", (
        *ALL_TIME_AND_BACK,
        Step("outcome: the second", "choose", "Outcome", 1),
        Step("outcome: the first", "choose", "Outcome", 0),
        *opened_and_closed("rates by band", "Rates by band"),
    )),
    "score_entry": ("reviewer", (
        Step("open the next candidate", "option", "Work on", 1),
        Step("open the first again", "option", "Work on", 0),
    )),
    "ops": ("ops", (
        *ALL_TIME_AND_BACK,
        *ONE_CLIENT_AND_BACK,
        Step("drill-down: rows behind another figure", "option", "Show the rows behind", 1),
        Step("drill-down: the first figure", "option", "Show the rows behind", 0),
        Step("first day from: the other", "choose", "First day counted from", 1),
        Step("first day from: back", "choose", "First day counted from", 0),
        Step("tab: retention", "choose", "", "Retention"),
        Step("tab: breach list", "choose", "", "Breach list"),
        Step("tab: shortlist time", "choose", "", "Shortlist time"),
    )),
    "fairness": ("auditor", (
        Step("groups: race/ethnicity", "choose", "Groups by", "Race/ethnicity"),
        Step("groups: sex and race/ethnicity", "choose", "Groups by", "Sex and race/ethnicity"),
        Step("groups: sex", "choose", "Groups by", "re:^Sex$"),
        Step("stage chart: another stage", "choose", "", "re:^Production incident interview$"),
        Step("stage chart: the first", "choose", "", "re:^Pipeline and tooling audit$"),
        *opened_and_closed("the method", "How"),
    )),
    "admin": ("admin", (
        Step("tab: audit log", "choose", "", "Audit log"),
        Step("audit: text filter", "type", "Key or text contains", "demo"),
        Step("audit: no filter", "type", "Key or text contains", ""),
        Step("tab: weights", "choose", "", "Weights"),
    )),
    "admin_data": ("admin", ()),
}

# -- in the page: when did the last input happen, and when did a script run end -----------------------

RECORDER = """(() => {
    const bench = window.__bench = {input: 0, inputPainted: -1, changes: []};
    const painted = then => requestAnimationFrame(() => requestAnimationFrame(() => then(performance.now())));
    painted(t => { if (bench.input === 0) bench.inputPainted = t; });
    for (const type of ['pointerdown', 'keydown']) {
        window.addEventListener(type, () => {
            const t = performance.now();
            bench.input = t;
            bench.inputPainted = -1;
            painted(p => { if (bench.input === t) bench.inputPainted = p; });
        }, true);
    }
    new MutationObserver(records => {
        for (const record of records) {
            const state = record.target.getAttribute('data-test-script-state');
            if (record.oldValue === state) continue;
            const change = {t: performance.now(), state, painted: -1};
            bench.changes.push(change);
            painted(p => { change.painted = p; });
        }
    }).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                          attributeFilter: ['data-test-script-state']});
})();"""

#: null while the interaction is under way; then {ms, ran, runs}. Arguments: [grace ms, quiet ms].
SETTLED = """([grace, quiet]) => {
    const bench = window.__bench, now = performance.now();
    const app = document.querySelector('[data-testid="stApp"]');
    const busy = state => state === 'running' || state === 'rerunRequested';
    const after = bench.changes.filter(change => change.t >= bench.input);
    const runs = after.filter(change => change.state === 'running').length;
    if (runs === 0) {
        const waiting = !app || busy(app.getAttribute('data-test-script-state'));
        if (now - bench.input < grace || bench.inputPainted < 0 || waiting) return null;
        return {ms: bench.inputPainted - bench.input, ran: false, runs: 0};
    }
    const last = after[after.length - 1];
    if (busy(last.state) || now - last.t < quiet || last.painted < 0) return null;
    return {ms: last.painted - bench.input, ran: true, runs};
}"""


@dataclass
class Figure:
    """The times (ms) and received bytes of one thing measured on one page."""

    page: str
    what: str
    kind: str                   # "first" (first open after start), "warm" (open again, interactions), "sign-in"
    ms: list[float] = field(default_factory=list)
    received: list[int] = field(default_factory=list)
    reruns: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def as_dict(self, floor_ms: float) -> dict:
        median = statistics.median(self.ms) if self.ms else None
        return {"page": self.page, "what": self.what, "kind": self.kind, "ms": [round(m, 1) for m in self.ms],
                "median_ms": median, "max_ms": max(self.ms) if self.ms else None,
                "median_x_floor": median / floor_ms if median is not None else None,
                "median_kb_received": statistics.median(self.received) / 1024 if self.received else None,
                "script_runs": self.reruns, "errors": self.errors, "over_target": over_target(self, floor_ms)}


def over_target(figure: Figure, floor_ms: float) -> list[str]:
    """The targets ``figure`` misses, in words."""
    if not figure.ms:
        return ["not measured"]
    misses = []
    median, worst = statistics.median(figure.ms), max(figure.ms)
    if figure.kind == "warm":
        if median > TARGETS["warm_floor_multiple"] * floor_ms:
            misses.append(f"median over {TARGETS['warm_floor_multiple']:g}x the floor")
        if worst > TARGETS["warm_max_ms"]:
            misses.append(f"over {TARGETS['warm_max_ms']} ms")
    elif figure.kind == "first" and worst > TARGETS["first_open_ms"]:
        misses.append(f"first open over {TARGETS['first_open_ms']} ms")
    if figure.errors:
        misses.append("errors")
    return misses


class Driver:
    """One browser tab on one server: makes inputs and times them."""

    def __init__(self, context, grace_ms: int = 1000, quiet_ms: int = 400) -> None:
        context.add_init_script(RECORDER)
        self.page = context.new_page()
        self.page.set_default_timeout(15_000)       # a widget not there fails its step, not the run
        self.grace_ms, self.quiet_ms = grace_ms, quiet_ms
        self.received = 0
        self.page.on("websocket", self._watch)

    def _watch(self, socket) -> None:
        socket.on("framereceived", lambda payload: setattr(self, "received", self.received + len(payload)))

    def timed(self, act, figure: Figure, quiet_ms: int | None = None, runs_script: bool = False) -> None:
        """Make the input ``act`` and add its time, bytes and script runs to ``figure``; with ``runs_script``,
        an input that starts no script run is an error (the widget did not change)."""
        page = self.page
        self.received = 0
        try:
            act(page)
            result = page.wait_for_function(SETTLED, arg=[self.grace_ms, quiet_ms or self.quiet_ms],
                                            polling=50, timeout=180_000).json_value()
        except Exception as error:  # noqa: BLE001 - a step that cannot be made is reported, the run goes on
            figure.errors.append(f"{type(error).__name__}: {str(error).splitlines()[0][:200]}")
            return
        figure.ms.append(result["ms"])
        figure.reruns.append(result["runs"])
        figure.received.append(self.received)
        if runs_script and not result["ran"]:
            figure.errors.append("the input started no script run: did the widget change?")
        if page.locator('[data-testid="stException"]').count():
            figure.errors.append("the page shows a traceback")


# -- making each kind of input -----------------------------------------------------------------------

def _name(text: str | int):
    return re.compile(text[3:]) if isinstance(text, str) and text.startswith("re:") else text


def _widget(page, label: str):
    """The widget container (select box, radio, slider...) whose label is ``label``."""
    name = _name(label)
    labels = page.locator('[data-testid="stWidgetLabel"]').filter(
        has_text=name if isinstance(name, re.Pattern) else re.compile(f"^{re.escape(name)}$"))
    return page.locator('[data-testid="stElementContainer"]').filter(has=labels).last


def _option(page, step: Step, value: str | int) -> None:
    box = page.get_by_role("combobox", name=_name(step.label), exact=not step.label.startswith("re:")).first
    box.scroll_into_view_if_needed()
    box.click()
    if isinstance(value, int):
        options = page.get_by_role("option")
        options.first.wait_for()
        if options.first.inner_text().strip() == "Select all":      # a multiselect's first option
            value += 1
        options.nth(value).click()
    else:
        option = page.get_by_role("option", name=value, exact=True)
        if not option.count():
            page.keyboard.type(value)
        option.first.click()


def _choose(page, step: Step, value: str | int) -> None:
    scope = _widget(page, step.label) if step.label else page.locator('[data-testid="stMain"]')
    for role in ("tab", "radio", "button"):
        found = scope.get_by_role(role) if isinstance(value, int) else scope.get_by_role(role, name=_name(value))
        if found.count():
            target = found.nth(value) if isinstance(value, int) else found.first
            if target.evaluate("element => element.tagName") == "INPUT":   # hidden; a person clicks its label
                target = target.locator("xpath=ancestor::label[1]")
            target.scroll_into_view_if_needed()
            target.click()
            return
    raise LookupError(f"no tab, radio option or button {value!r} in {step.label or 'the page'}")


def _type(page, step: Step, value: str) -> None:
    box = page.get_by_label(_name(step.label), exact=not step.label.startswith("re:")).first
    box.fill(value)
    box.press("Enter")


def make(step: Step, values: dict[str, str]):
    """The input of ``step`` as a function of the page."""
    value = step.value.format(**values) if isinstance(step.value, str) else step.value

    def act(page) -> None:
        if step.how == "option":
            _option(page, step, value)
        elif step.how == "remove":
            _widget(page, step.label).get_by_role("button", name=f"Remove {value}", exact=True).click()
        elif step.how == "choose":
            _choose(page, step, value)
        elif step.how == "type":
            _type(page, step, str(value))
        elif step.how == "key":
            handle = _widget(page, step.label).get_by_role("slider").first
            handle.focus()
            handle.press(str(value))
        elif step.how == "expand":
            page.locator('[data-testid="stExpander"] summary').filter(has_text=step.label).first.click()
        else:
            raise ValueError(f"unknown kind of step {step.how!r}")
    return act


def close_popups(page) -> None:
    """A multiselect stays open after a pick; close it (not timed) before the next step."""
    if page.get_by_role("listbox").count():
        page.keyboard.press("Escape")


def open_link(title: str):
    def act(page) -> None:
        page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title).click()
    return act


def sign_in_form(email: str):
    def act(page) -> None:
        page.get_by_role("textbox", name="Email").fill(email)
        page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
    return act


# -- one database ------------------------------------------------------------------------------------

def demo_values(location: str) -> dict[str, str]:
    """Names the interactions type or pick: a client, a candidate's first name and reference."""
    from scoring.store.db import Database

    with Database(location) as db:
        client = db.frame("SELECT name FROM clients ORDER BY client_id LIMIT 1").iloc[0, 0]
        candidate = db.frame("""SELECT split_part(c.full_name, ' ', 1) AS first_name, c.external_id
                                FROM candidates AS c JOIN applications AS a USING (candidate_id)
                                JOIN scorecards AS s USING (application_id)
                                WHERE s.stage_id = 3 ORDER BY c.candidate_id LIMIT 1""").iloc[0]
    return {"client": str(client), "first_name": str(candidate["first_name"]),
            "candidate_ref": str(candidate["external_id"])}


@contextlib.contextmanager
def serving(location: str, folder: Path) -> Iterator[tuple[str, float]]:
    """The app served on ``location`` (a DuckDB file is copied first); yields its address and start time."""
    if "://" not in location:
        copy = folder / "served.duckdb"
        shutil.copy(location, copy)
        location = str(copy)
    started = time.monotonic()
    process, url = start_server(location, folder / "server.log")
    try:
        yield url, started
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextlib.contextmanager
def serving_script(script: Path, log: Path) -> Iterator[str]:
    """A bare ``streamlit run`` of ``script``; yields its address."""
    from tests.browser.conftest import _free_port

    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true", "--server.port",
         str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"], cwd=script.parent, stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        import urllib.request

        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def measure_floor(browser, folder: Path, clicks: int) -> Figure:
    """The trivial page's rerun after a button click, timed like the pages."""
    script = folder / "trivial.py"
    script.write_text(TRIVIAL_PAGE)
    figure = Figure("trivial page", "button click (the floor)", "floor")
    with serving_script(script, folder / "trivial.log") as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        driver = Driver(context)
        driver.page.goto(url)
        driver.page.get_by_role("button", name="Rerun").wait_for(timeout=60_000)
        for index in range(clicks + 2):
            target = figure if index >= 2 else Figure("", "", "")      # two clicks to warm up, not counted
            driver.timed(lambda page: page.get_by_role("button", name="Rerun").click(), target)
        context.close()
    return figure


def measure_database(browser, location: str, folder: Path, pages: list[str], rounds: int,
                     warm_up_s: float) -> list[Figure]:
    """Every figure of ``pages`` on the app served on ``location``."""
    values = demo_values(location)
    titles = {spec.url_path: spec.title for spec in PAGES}
    figures: list[Figure] = []
    seen: set[str] = set()          # pages opened since the server started
    with serving(location, folder) as (url, started):
        time.sleep(max(0.0, warm_up_s - (time.monotonic() - started)))
        for role in ROLE_EMAILS:
            mine = [page for page in pages if INTERACTIONS[page][0] == role]
            if not mine:
                continue
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            driver = Driver(context)
            load = Figure("sign-in", f"sign-in form shown ({role} session)", "first" if not figures else "sign-in")
            driver.timed(lambda page: page.goto(url), load, quiet_ms=1500)
            figures.append(load)
            allowed = [spec for spec in pages_for(role)]
            landing = allowed[0].url_path
            signing = Figure(landing if landing not in seen else "sign-in",
                             "first open, through signing in" if landing not in seen else f"sign in as {role}",
                             "first" if landing not in seen else "sign-in")
            driver.timed(sign_in_form(ROLE_EMAILS[role]), signing, quiet_ms=1500)
            figures.append(signing)
            # A role with one page has no page list, so signed in means the form has gone.
            if signing.errors or driver.page.get_by_role("button", name="Sign in").count():
                signing.errors.append(f"could not sign in as {role}: its pages are not measured")
                figures += [Figure(page_path, "first open", "first", errors=["not signed in"]) for page_path in mine]
                context.close()
                continue
            seen.add(landing)
            current = landing
            for page_path in mine:
                title = titles[page_path]
                if page_path not in seen:
                    first = Figure(page_path, "first open", "first")
                    driver.timed(open_link(title), first)
                    figures.append(first)
                    seen.add(page_path)
                elif current != page_path:
                    driver.timed(open_link(title), Figure("", "", ""))
                current = page_path
                steps = [(step, Figure(page_path, step.what, "warm")) for step in INTERACTIONS[page_path][1]]
                away = next((spec for spec in allowed if spec.url_path != page_path), None)
                warm = Figure(page_path, f"warm open (back from {away.title if away else 'itself'})", "warm")
                for _ in range(rounds):
                    for step, figure in steps:
                        driver.timed(make(step, values), figure, runs_script=step.how in RERUNNING)
                        close_popups(driver.page)
                    if away is not None:        # a role with one page has nowhere to come back from
                        driver.timed(open_link(away.title), Figure("", "", ""))
                        driver.timed(open_link(title), warm)
                figures += [figure for _, figure in steps] + ([warm] if away is not None else [])
            context.close()
    return figures


# -- the report --------------------------------------------------------------------------------------

def table(label: str, figures: list[Figure], floor_ms: float) -> str:
    header = f"{'page':<13}{'what':<44}{'median ms':>18}{'max ms':>9}{'KB recv':>9}  runs  target"
    lines = [f"\n{label}", header, "-" * len(header)]
    for figure in figures:
        misses = over_target(figure, floor_ms)
        if figure.ms:
            median = statistics.median(figure.ms)
            kb = statistics.median(figure.received) / 1024
            runs = "/".join(str(n) for n in sorted(set(figure.reruns)))
            numbers = f"{median:>9.0f} ({median / floor_ms:>5.1f}x){max(figure.ms):>9.0f}{kb:>9.1f}  {runs:<5}"
        else:
            numbers = f"{'-':>18}{'-':>9}{'-':>9}  {'-':<5}"
        verdict = "OVER: " + "; ".join(misses) if misses else "ok"
        if figure.errors:
            verdict += f" ({figure.errors[0]})"
        lines.append(f"{figure.page:<13}{figure.what[:43]:<44}{numbers} {verdict}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_options(parser)
    parser.add_argument("--rounds", type=int, default=3, help="passes over each page's interactions")
    parser.add_argument("--pages", help="comma-separated URL paths of the pages to measure (default: all)")
    parser.add_argument("--warm-up", type=float, default=TARGETS["server_up_s"],
                        help="seconds the server is up before the first page opens")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args()
    pages = list(INTERACTIONS) if not args.pages else [p.strip() for p in args.pages.split(",") if p.strip()]
    unknown = [p for p in pages if p not in INTERACTIONS]
    if unknown:
        parser.error(f"unknown page(s) {', '.join(unknown)}; known: {', '.join(INTERACTIONS)}")
    if not CHROMIUM.exists():
        parser.error(f"{CHROMIUM} is missing (apt-get install chromium)")

    from playwright.sync_api import sync_playwright

    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))      # so that servers and the browser stop

    folder = Path(tempfile.mkdtemp(prefix="bench-browser-"))
    results: dict = {"machine_cores": os.cpu_count(), "candidates": args.candidates, "rounds": args.rounds,
                     "targets": TARGETS, "databases": {}}
    try:
        with contextlib.ExitStack() as stack:
            backends, notes = demo_databases(stack, folder, args.db, args.candidates,
                                             postgres=not args.no_postgres)
            playwright = stack.enter_context(sync_playwright())
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            stack.callback(browser.close)
            floor = measure_floor(browser, folder, max(10, args.rounds * 5))
            if not floor.ms:
                raise SystemExit(f"the trivial page could not be timed: {floor.errors}")
            floor_ms = statistics.median(floor.ms)
            results["floor_ms"] = floor_ms
            size = f"the database {args.db}" if args.db else f"{args.candidates:,} candidates"
            print(f"machine: {os.cpu_count()} cores; {size}; {args.rounds} rounds; "
                  f"server up {args.warm_up:g} s before the first page")
            for note in notes:
                print(note)
            print(f"floor: a trivial page reruns after a click in {floor_ms:.0f} ms (median of {len(floor.ms)}, "
                  f"{statistics.median(floor.received) / 1024:.1f} KB received); figures are ms and x floor")
            for label, location in backends.items():
                backend_folder = folder / label.split()[0].lower()
                backend_folder.mkdir()
                figures = measure_database(browser, location, backend_folder, pages, args.rounds, args.warm_up)
                print(table(label, figures, floor_ms), flush=True)
                results["databases"][label] = [figure.as_dict(floor_ms) for figure in figures]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\ntargets: warm median <= {TARGETS['warm_floor_multiple']:g}x floor and none over "
          f"{TARGETS['warm_max_ms']} ms; first open <= {TARGETS['first_open_ms']} ms after the server has been "
          f"up {TARGETS['server_up_s']} s. 'runs' is how many script runs an input caused (0: drawn in the browser)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
