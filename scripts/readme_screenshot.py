"""Refresh docs/screenshot.png: the pipeline-health page of a demo agency, in headless Chromium.

Run from the project root: ``python scripts/readme_screenshot.py``.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scoring.demo.generator import DemoConfig, build_demo  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, sign_in, start_server  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "demo.duckdb"
        build_demo(database, DemoConfig(candidates=20_000, seed=7, as_of=date.today()))
        process, url = start_server(database, Path(folder) / "server.log")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 1100})
                sign_in(page, url, "lead@demo.example")
                page.locator('[data-testid="stPlotlyChart"] .main-svg').nth(2).wait_for(timeout=60_000)
                page.wait_for_timeout(1500)
                page.screenshot(path=ROOT / "docs" / "screenshot.png")
                browser.close()
        finally:
            process.terminate()


if __name__ == "__main__":
    main()
