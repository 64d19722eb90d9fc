"""The examples in the docstrings of ``scoring`` and ``ui`` run, so documentation cannot drift from code.

Every module of both packages is found on disk (a new module joins without being listed here), imported,
and its examples run with the same option pytest's own doctest runner uses by default (``ELLIPSIS``).
"""

from __future__ import annotations

import doctest
import importlib
import io
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("scoring", "ui")


def modules() -> list[str]:
    """Dotted names of every module of the packages, their ``__init__`` files included."""
    names = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            names.append(".".join(parts))
    return names


def examples_of(name: str) -> list[doctest.DocTest]:
    """The docstrings of ``name`` that hold examples (objects imported from elsewhere left out)."""
    module = importlib.import_module(name)
    return [test for test in doctest.DocTestFinder().find(module) if test.examples]


@pytest.mark.parametrize("name", modules())
def test_docstring_examples_run(name):
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report = io.StringIO()
    for test in examples_of(name):
        runner.run(test, out=report.write)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {name} fail:\n{report.getvalue()}"


def test_modules_are_found_and_hold_examples():
    with_examples = [name for name in modules() if examples_of(name)]
    assert "scoring.stats.agreement" in with_examples
    assert len(with_examples) >= 10
