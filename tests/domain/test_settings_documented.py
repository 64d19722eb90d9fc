"""Every setting the product reads is documented, with its default, in the README's Settings table;
and the modules that read them go through the declarations."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scoring.domain.settings import DATABASE, HOLIDAY_COUNTRY, REFRESH_SECONDS, SETTINGS, Setting
from scoring.stats.business_days import configured_country
from scoring.store.db import DEFAULT_LOCATION, PROJECT_ROOT, database_location

README = Path(__file__).resolve().parents[2] / "README.md"


def settings_table() -> dict[str, str]:
    """Setting name -> default, from the table of the README's "## Settings" section."""
    text = README.read_text()
    match = re.search(r"^## Settings\n(.*?)(?=^## )", text, re.S | re.M)
    assert match, "README.md has no '## Settings' section"
    table = {}
    for line in match.group(1).splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].startswith("`"):
            table[cells[0].strip("`")] = cells[1].strip("`")
    return table


def test_every_setting_is_in_the_readme_with_its_default():
    assert settings_table() == {setting.name: setting.default for setting in SETTINGS}


def test_the_readme_lists_the_settings_in_their_declared_order():
    assert list(settings_table()) == [setting.name for setting in SETTINGS]


def test_every_setting_says_what_it_means():
    assert all(setting.meaning.strip() for setting in SETTINGS)
    assert len({setting.name for setting in SETTINGS}) == len(SETTINGS)


@pytest.mark.parametrize("value", [None, ""])
def test_an_unset_or_empty_setting_reads_as_its_default(monkeypatch, value):
    for setting in SETTINGS:
        if value is None:
            monkeypatch.delenv(setting.name, raising=False)
        else:
            monkeypatch.setenv(setting.name, value)
        assert setting.read() == setting.default


def test_the_holiday_country_is_read_through_its_setting(monkeypatch):
    monkeypatch.delenv(HOLIDAY_COUNTRY.name, raising=False)
    assert configured_country() == HOLIDAY_COUNTRY.default
    monkeypatch.setenv(HOLIDAY_COUNTRY.name, "gb")
    assert configured_country() == "GB"


def test_the_database_location_is_read_through_its_setting(monkeypatch):
    monkeypatch.delenv(DATABASE.name, raising=False)
    assert database_location() == str(DEFAULT_LOCATION) == str(PROJECT_ROOT / DATABASE.default)
    monkeypatch.setenv(DATABASE.name, "postgresql://scorecard@db.internal:5432/scorecard")
    assert database_location() == "postgresql://scorecard@db.internal:5432/scorecard"


def test_the_refresh_default_is_a_number_of_seconds():
    assert float(REFRESH_SECONDS.default) > 0


def test_a_setting_reads_an_explicit_environment():
    assert Setting("SCORECARD_EXAMPLE", "1", "an example").read({"SCORECARD_EXAMPLE": "2"}) == "2"
