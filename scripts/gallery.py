"""Render every page for every role that sees it, at 1400 and 1024 px, into docs/gallery/.

Two agencies are shown: the demo (20,000 candidates) and a new agency started with `scorecard init`
and filled by importing data/samples. For each picture the script prints how long the person waited
(from the click to the page painted) and anything wrong with the page (see tests/browser/walk.py);
it then refreshes the README's screenshot (docs/screenshot.png: pipeline health as a hiring lead).
The gallery is for looking at, not for git.

Run from the project root: ``python scripts/gallery.py``. Exits with status 1 when a page has a problem.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from playwright.sync_api import sync_playwright
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scoring.demo.generator import DemoConfig, build_demo  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DEMO_PASSWORD, start_server  # noqa: E402
from tests.browser.walk import ROLE_EMAILS, WIDTHS, sign_in_as, walk  # noqa: E402

GALLERY = ROOT / "docs" / "gallery"
NEW_AGENCY_ADMIN = "admin@new-agency.example"
NEW_AGENCY_PASSWORD = "a-long-first-password"
#: Who signs in to the new agency, by role.
NEW_AGENCY_PEOPLE = {role: NEW_AGENCY_ADMIN if role == "admin" else f"{role}@new-agency.example"
                     for role in ROLE_EMAILS}


def new_agency(folder: Path) -> Path:
    """An agency started empty and filled by importing the sample files, as a real one would be, with one
    colleague of each other role added by the admin (a reviewer with nothing assigned yet among them)."""
    database = folder / "new-agency.duckdb"
    steps = [(["init", "--db", str(database), "--admin-email", NEW_AGENCY_ADMIN, "--password-stdin"],
              NEW_AGENCY_PASSWORD + "\n"),
             (["import", str(ROOT / "data" / "samples"), "--db", str(database)], None)]
    steps += [(["accounts", "add", "--db", str(database), "--email", email, "--name", f"New {role.replace('_', ' ')}",
                "--role", role, "--password-stdin"], NEW_AGENCY_PASSWORD + "\n")
              for role, email in NEW_AGENCY_PEOPLE.items() if role != "admin"]
    for arguments, stdin in steps:
        subprocess.run([sys.executable, "-m", "scoring.cli", *arguments], input=stdin, text=True, check=True,
                       capture_output=True, cwd=ROOT)
    return database


def main() -> int:
    GALLERY.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        demo = folder / "demo.duckdb"
        build_demo(demo, DemoConfig(candidates=20_000, seed=7, as_of=date.today()))
        agencies = {"demo": (demo, {role: (email, DEMO_PASSWORD) for role, email in ROLE_EMAILS.items()}),
                    "new-agency": (new_agency(folder), {role: (email, NEW_AGENCY_PASSWORD)
                                                        for role, email in NEW_AGENCY_PEOPLE.items()})}
        visits = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for name, (database, people) in agencies.items():
                process, url = start_server(database, folder / f"{name}.log")
                try:
                    for role, (email, password) in tqdm(people.items(), desc=name, unit="role"):
                        for width in WIDTHS:
                            visits += [(name, visit) for visit in
                                       walk(browser, url, role, email, password, width, GALLERY, f"{name}-")]
                    if name == "demo":
                        _readme_screenshot(browser, url)
                finally:
                    process.terminate()
            browser.close()
    return _report(visits)


def _readme_screenshot(browser, url: str) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    sign_in_as(page, url, ROLE_EMAILS["hiring_lead"], DEMO_PASSWORD)
    page.locator('[data-testid="stPlotlyChart"] .main-svg').nth(2).wait_for(timeout=60_000)
    page.wait_for_timeout(1000)
    page.screenshot(path=ROOT / "docs" / "screenshot.png")
    page.close()


def _report(visits) -> int:
    print(f"\n{'agency':<11} {'role':<12} {'width':>5} {'page':<12} {'waited':>8}  problems")
    for name, visit in visits:
        print(f"{name:<11} {visit.role:<12} {visit.width:>5} {visit.page.url_path:<12} {visit.wait_ms:>6.0f} ms  "
              + ("; ".join(visit.problems) or "-"))
    waits = [visit.wait_ms for _, visit in visits]
    print(f"\n{len(visits)} pictures in {GALLERY.relative_to(ROOT)}; waited median {statistics.median(waits):.0f} ms, "
          f"longest {max(waits):.0f} ms (first opens included)")
    return 1 if any(visit.problems for _, visit in visits) else 0


if __name__ == "__main__":
    sys.exit(main())
