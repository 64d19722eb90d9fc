"""The raw weighted consensus the calibration page ranks against fair scores: complete applications only.

Weights are the seed's as fractions of 1 by dimension id (Infrastructure 0.25, Model Deployment 0.25,
Monitoring 0.2, Automation 0.2, Governance 0.1); the arithmetic is written next to each value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.agency.calibration import rank_changes, weighted_consensus

WEIGHTS = {1: 0.25, 2: 0.25, 3: 0.2, 4: 0.2, 5: 0.1}


def ratings(rows: list[tuple[int, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["application_id", "dimension_id", "rating"])


def test_the_consensus_is_the_weights_sum_of_the_dimension_means():
    # application 1: means 4, 4, 3, 3, 2 -> 1 + 1 + 0.6 + 0.6 + 0.2 = 3.4
    frame = ratings([(1, d, r) for d, r in zip(range(1, 6), (4, 4, 3, 3, 2))])
    assert weighted_consensus(frame, WEIGHTS).to_dict() == pytest.approx({1: 3.4})


def test_an_application_nobody_rated_on_a_dimension_is_left_out_never_scored_as_if_zero():
    frame = ratings([(1, d, 4) for d in range(1, 6)]                      # complete: 4.0
                    + [(2, d, 5) for d in range(1, 5)]                    # Governance rated by nobody
                    + [(3, d, 3) for d in range(1, 6)] + [(3, 5, np.nan)])  # a second reviewer's gap
    consensus = weighted_consensus(frame, WEIGHTS)
    assert consensus.to_dict() == pytest.approx({1: 4.0, 3: 3.0})         # 2 is not 4.5 (0.9 * 5) nor 5.0
    assert 2 not in rank_changes(consensus, pd.Series({1: 3.9, 2: 4.8, 3: 3.1})).index
