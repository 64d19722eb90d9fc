"""Counts per bin of equal width: a histogram sent to a chart as a few dozen bars instead of every value.

The width is a "nice" number, 1, 2 or 5 times a power of ten, so the bin edges read as round figures
on an axis (the series of Heckbert's "Nice numbers for graph labels", Graphics Gems, 1990); bins start
at multiples of the width.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def nice_bin_width(span: float, most: int) -> float:
    """The smallest of 1, 2 or 5 times a power of ten that cuts ``span`` into at most ``most`` bins.

    Parameters
    ----------
    span : float
        The distance from the smallest value to the largest; 0 (or less) gives a width of 1.
    most : int
        The most bins wanted, at least 1.

    Returns
    -------
    float

    Examples
    --------
    >>> nice_bin_width(57.0, 60), nice_bin_width(118.0, 60), nice_bin_width(0.0, 60), nice_bin_width(0.3, 10)
    (1.0, 2.0, 1.0, 0.05)
    """
    if most < 1:
        raise ValueError(f"most must be at least 1, got {most!r}")
    if span <= 0:
        return 1.0
    power = 10.0 ** np.floor(np.log10(span / most))
    return float(next(step * power for step in (1, 2, 5, 10) if span / (step * power) <= most))


def binned(values: pd.Series, most: int = 60) -> pd.DataFrame:
    """How many ``values`` fall in each bin of one nice width (:func:`nice_bin_width`).

    Parameters
    ----------
    values : pandas.Series of float
        The values to count; missing ones are left out.
    most : int
        The most bins wanted.

    Returns
    -------
    pandas.DataFrame
        ``start``, ``end`` and ``count`` (float) per bin, in order, from the multiple of the width at
        or below the smallest value to the one above the largest: each bin holds its start, the last
        one its end too. Empty when no value is present.

    Examples
    --------
    >>> binned(pd.Series([-3.5, -0.2, 0.0, 0.4, 2.0]), most=10).values.tolist()
    [[-4.0, -3.0, 1.0], [-3.0, -2.0, 0.0], [-2.0, -1.0, 0.0], [-1.0, 0.0, 1.0], [0.0, 1.0, 2.0], [1.0, 2.0, 1.0]]
    """
    present = values.dropna().to_numpy(dtype=np.float64)
    if present.size == 0:
        return pd.DataFrame({"start": [], "end": [], "count": []})
    low, high = float(present.min()), float(present.max())
    width = nice_bin_width(high - low, most)
    first, last = np.floor(low / width), max(np.ceil(high / width), np.floor(low / width) + 1)
    edges = np.arange(first, last + 1) * width
    counts, _ = np.histogram(present, bins=edges)
    return pd.DataFrame({"start": edges[:-1], "end": edges[1:], "count": counts.astype(np.float64)})
