"""Plotly figures built once for the data they show, and drawn again from memory on every later run.

Building a Plotly figure is slow on the server (every property goes through Plotly's validators:
50-150 ms for a chart with promise lines or two y axes), and a page draws the same figures on each
rerun while its report has not changed: a tab switch, a filter of another part, a visit back. A
builder marked :func:`kept` builds its figure once per *content* of its arguments: the arguments'
fingerprint (each table's rows hashed with their columns, index and types; each plain value as it
is) is the key. Figures of data that has changed have another key, so a figure is never one of
older data: a submitted score changes a report's rows, and with them the figure drawn.

The figures are shared by every run of every session in the process: draw them
(``st.plotly_chart``), never change them; a caller that must change one builds its own with
``builder.__wrapped__``.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from datetime import date, datetime
from typing import Any, ParamSpec, TypeVar, cast

import numpy as np
import pandas as pd
import plotly.graph_objects as go

P = ParamSpec("P")
R = TypeVar("R", bound="go.Figure | None")
#: How many figures the process keeps; the least recently drawn goes first. A page draws up to six,
#: each filter value its own: enough for every page's usual filters, a few MiB in all.
CAPACITY = 96
#: Plain values a fingerprint takes as they are (a date, a label, a target in days).
PLAIN = (str, int, float, bool, date, datetime, np.generic, type(None))
_LOG = logging.getLogger(__name__)


def fingerprint(value: Any) -> Hashable:
    """What identifies ``value``'s content: equal for equal content, different when anything shown differs.

    Tables (``DataFrame``, ``Series``) are hashed row by row with their index
    (:func:`pandas.util.hash_pandas_object`), their column names and types; mappings and sequences
    by their items in order; plain values by their type and themselves.

    Raises
    ------
    TypeError
        For anything else: a builder taking it cannot be kept, and should not be marked :func:`kept`.

    Examples
    --------
    >>> fingerprint(pd.DataFrame({"x": [1, 2]})) == fingerprint(pd.DataFrame({"x": [1, 2]}))
    True
    >>> fingerprint(pd.DataFrame({"x": [1, 2]})) == fingerprint(pd.DataFrame({"x": [1, 3]}))
    False
    >>> fingerprint({"a": 1.5})
    ('mapping', ((('str', 'a'), ('float', 1.5)),))
    """
    if isinstance(value, pd.DataFrame):
        return ("frame", _rows_digest(value), tuple(map(str, value.columns)), tuple(map(str, value.dtypes)))
    if isinstance(value, pd.Series):
        return ("series", _rows_digest(value), str(value.name), str(value.dtype))
    if isinstance(value, PLAIN):
        return type(value).__name__, value           # 1, 1.0 and True draw differently
    if isinstance(value, Mapping):
        return ("mapping", tuple((fingerprint(k), fingerprint(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return ("sequence", tuple(fingerprint(item) for item in value))
    raise TypeError(f"a figure cannot be kept for an argument of type {type(value).__name__}")


def _rows_digest(table: pd.DataFrame | pd.Series) -> bytes:
    rows = pd.util.hash_pandas_object(table, index=True).to_numpy()
    digest = hashlib.blake2b(rows.tobytes(), digest_size=16)
    digest.update(repr(list(table.index.names)).encode())
    return digest.digest()


class Figures:
    """Figures by key, the least recently drawn first out beyond ``capacity``; safe across sessions."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._lock = threading.Lock()
        self._held: OrderedDict[Hashable, go.Figure] = OrderedDict()

    def get(self, key: Hashable, build: Callable[[], R]) -> R:
        """The figure kept under ``key``, built by ``build`` first if there is none (None is not kept)."""
        with self._lock:
            held = self._held.get(key)
            if held is not None:
                self._held.move_to_end(key)
                return cast(R, held)
        figure = build()                    # outside the lock: another figure may be drawn meanwhile
        if figure is None:
            return figure
        with self._lock:
            self._held[key] = figure
            self._held.move_to_end(key)
            while len(self._held) > self.capacity:
                self._held.popitem(last=False)
        return figure

    def __len__(self) -> int:
        with self._lock:
            return len(self._held)

    def clear(self) -> None:
        with self._lock:
            self._held.clear()


#: The process's figures.
FIGURES = Figures()


def kept(build: Callable[P, R]) -> Callable[P, R]:
    """Mark a figure builder (data in, figure out, nothing else read) to build once per content of its arguments.

    A builder that returns None (nothing to draw) is called again each time.

    The figure returned is shared (see the module's note): draw it, do not change it. The builder
    itself stays reachable as ``__wrapped__``.
    """
    name = (build.__module__, build.__qualname__)

    @functools.wraps(build)
    def drawn(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            key = (name, fingerprint(args), fingerprint(dict(sorted(kwargs.items()))))
        except TypeError:           # a value pandas cannot hash (a list in a cell): drawn, not kept
            _LOG.debug("%s drawn without keeping: an argument has no fingerprint", build.__qualname__)
            return build(*args, **kwargs)
        return FIGURES.get(key, lambda: build(*args, **kwargs))

    return drawn
