"""A real ``streamlit run`` server on a small demo database, and Debian's Chromium to drive it.

Nothing here downloads a browser: Playwright launches ``/usr/bin/chromium``. Without it the tests
skip on a developer's machine and fail in CI, where ``.ci/run`` installs it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from scoring.cli import dashboard_command, warm_up
from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DEMO_PASSWORD = "demo-password"


def pytest_collection_modifyitems(items):
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"{CHROMIUM} is missing: .ci/run must install Debian's chromium")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason=f"{CHROMIUM} not installed (apt-get install chromium)"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(database: Path | str, log: Path, **settings: str) -> tuple[subprocess.Popen, str]:
    """Start the app as a real server on ``database`` (a file or a PostgreSQL URL), with extra
    environment ``settings``, the way ``scorecard serve`` does (warmed up before anyone visits);
    returns the process and its address."""
    port = _free_port()
    env = {**os.environ, **settings, "SCORECARD_DB": str(database)}
    process = subprocess.Popen(dashboard_command(port, "127.0.0.1"), cwd=ROOT, env=env,
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    if not warm_up("127.0.0.1", port, wait_s=60):
        process.kill()
        raise RuntimeError(f"the app did not start; see {log}")
    return process, f"http://127.0.0.1:{port}"


class ServedApp:
    """A running app on a private copy of the small demo agency; stop it to inspect its database."""

    def __init__(self, demo_file: Path, folder: Path) -> None:
        self.database = folder / "demo.duckdb"
        shutil.copy(demo_file, self.database)
        self.process, self.url = start_server(self.database, folder / "server.log")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


@pytest.fixture(scope="session")
def served_app(demo_file, tmp_path_factory):
    """One app server shared by the read-only browser tests."""
    app = ServedApp(demo_file, tmp_path_factory.mktemp("server"))
    yield app
    app.stop()


@pytest.fixture
def private_app(demo_file, tmp_path):
    """An app server of the test's own, for tests that write and then inspect the database."""
    app = ServedApp(demo_file, tmp_path)
    yield app
    app.stop()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def sign_in(page, url: str | None, email: str) -> None:
    """Open the app (unless ``url`` is None: the page is already open) and sign in as ``email``."""
    if url is not None:
        page.goto(url)
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator('[data-testid="stSidebar"]').get_by_text("Signed in as").wait_for(timeout=30_000)


def choose_option(page, label: str, text: str) -> None:
    """Pick the option containing ``text`` in the selectbox labelled ``label`` by typing to filter."""
    box = page.get_by_label(label, exact=True)
    box.scroll_into_view_if_needed()
    box.click()
    page.keyboard.type(text)
    page.get_by_role("option").filter(has_text=text).first.wait_for()
    page.keyboard.press("Enter")


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}}


@dataclass(frozen=True)
class OfflineVisit:
    """What happened while a file was open offline: the requests refused (anything but the file) and the errors
    (console errors, page errors, failed requests)."""

    refused: list[str]
    errors: list[str]


def open_offline(page, path: Path) -> OfflineVisit:
    """Open ``path`` through its ``file://`` address with every request that is not for a file aborted and
    recorded, so a script, font, style sheet or image fetched from anywhere shows by name."""
    visit = OfflineVisit([], [])

    def only_files(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            visit.refused.append(route.request.url)
            route.abort()

    page.route("**/*", only_files)
    page.on("console", lambda message: visit.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: visit.errors.append(str(error)))
    page.on("requestfailed", lambda request: visit.errors.append(f"failed: {request.url}"))
    page.goto(path.as_uri())
    return visit
