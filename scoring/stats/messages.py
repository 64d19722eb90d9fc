"""How a refused input is named in an error message: as a person writes it.

numpy's own text for its values (``np.int64(3)``, ``array([1, 2])``) tells a reader of the message
about numpy, not about the input. Every module of the statistics, and the agency's rules built on them,
names values through these two functions, so a refusal reads the same wherever it comes from.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

__all__ = ["plain", "plain_list"]


def _python(value: object) -> object:
    """numpy scalars and arrays as the Python numbers, strings and lists they hold; anything else as is."""
    return value.tolist() if isinstance(value, (np.generic, np.ndarray)) else value


def plain(value: object) -> str:
    """One value as it would be written in Python: a number bare, a string in quotes, an array as a list.

    For the value a caller passed, quoted so that an empty or odd string is still seen.

    Examples
    --------
    >>> plain(np.int64(0)), plain(np.float64(-1.0)), plain(np.str_("x")), plain(np.array([1, 2]))
    ('0', '-1.0', "'x'", '[1, 2]')
    >>> plain("cardinal"), plain(None)
    ("'cardinal'", 'None')
    """
    return repr(_python(value))


def plain_list(values: Iterable[object]) -> str:
    """Several values as people list them in a sentence: separated by commas, without brackets or quotes.

    For the names of what is missing or unused (columns, dimensions, rating categories).

    Examples
    --------
    >>> plain_list([np.int64(2), np.int64(4)]), plain_list(["rater", "ratee"]), plain_list([np.int64(3)])
    ('2, 4', 'rater, ratee', '3')
    """
    return ", ".join(str(_python(value)) for value in values)
