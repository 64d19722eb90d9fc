"""A refused input is named in a message as a person would write it: numpy's scalars and arrays read as
plain numbers (``0``, ``[1, 2]``), never as ``np.int64(0)`` or ``array([1, 2])``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.agency.calibration import weight_fractions
from scoring.stats.agreement import bootstrap_alpha, krippendorff_alpha, percent_agreement
from scoring.stats.discrimination import auc_interval
from scoring.stats.messages import plain, plain_list
from scoring.stats.severity import fit_severity

DATA = np.array([[1, 2, 3, 3], [1, 2, 3, 4]], dtype=float)
#: Long-format ratings whose dimension ids are numpy's, as a frame read from the database holds them.
RATINGS = pd.DataFrame({"application_id": [1, 1, 2, 2], "reviewer_id": [7, 8, 7, 8],
                        "dimension_id": np.array([1, 3, 1, 3], dtype=np.int64), "rating": [2, 3, 4, 5]})


@pytest.mark.parametrize(("call", "expected"), [
    (lambda: bootstrap_alpha(DATA, "ordinal", n_boot=np.int64(0)), "n_boot must be a positive integer; got 0"),
    (lambda: bootstrap_alpha(DATA, "ordinal", confidence=np.float64(1.5)), "got 1.5"),
    (lambda: percent_agreement(DATA, tolerance=np.float64(-1.0)), "non-negative number; got -1.0"),
    (lambda: krippendorff_alpha(DATA, np.str_("cardinal")), "unknown level 'cardinal'"),
    (lambda: weight_fractions({np.int64(1): 25.0}, [np.int64(1), np.int64(3)]), "no weight for dimension(s) 3"),
    (lambda: weight_fractions({np.int64(1): 0.0}, [np.int64(1)]), "the chosen dimensions 1 carry no weight"),
    (lambda: auc_interval([1.0, 2.0, 3.0, 4.0], [0, 1, 0, 1], np.float64(1.5)), "between 0 and 1, got 1.5"),
    (lambda: fit_severity(RATINGS, {np.int64(1): 1.0}), "no weight for dimension(s) 3"),
    (lambda: fit_severity(RATINGS.drop(columns=["reviewer_id", "rating"]), {1: 1.0}),
     "missing column(s) reviewer_id, rating"),
])
def test_messages_show_plain_values(call, expected):
    with pytest.raises(ValueError) as refused:
        call()
    message = str(refused.value)
    assert expected in message
    assert "np." not in message and "array(" not in message


def test_one_value_reads_as_python_writes_it_quoted_when_a_string():
    assert [plain(np.int64(0)), plain(np.float64(-1.0)), plain(np.array([1, 2]))] == ["0", "-1.0", "[1, 2]"]
    assert plain(np.str_("cardinal")) == plain("cardinal") == "'cardinal'"       # an empty string is seen: ''


def test_several_values_read_as_a_list_in_a_sentence():
    assert plain_list(np.array([2, 4])) == "2, 4"
    assert plain_list([np.str_("rater"), "ratee"]) == "rater, ratee"
    assert plain_list([]) == ""
