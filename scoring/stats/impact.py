"""Adverse impact: how one group's selection rate compares with another's.

An impact ratio divides a group's selection rate by the rate of the group selected most often; the
"four-fifths rule" of the U.S. Uniform Guidelines on Employee Selection Procedures reads a ratio below
0.8 as evidence of adverse impact, and New York City's Local Law 144 asks for the same ratios of tools
that score candidates. A ratio says nothing of chance, so it comes with a confidence interval for a
ratio of two proportions (the Katz log method) and with Fisher's exact test of the 2 x 2 table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import fisher_exact

from scoring.stats.intervals import critical_value

__all__ = ["FOUR_FIFTHS", "ImpactRatio", "impact_ratio", "katz_interval"]

FOUR_FIFTHS = 0.8
"""A ratio below this is read as adverse impact (29 CFR 1607.4(D))."""


@dataclass(frozen=True)
class ImpactRatio:
    """One group's selection rate against a reference group's.

    ``ratio`` is the group's rate over the reference's; ``low`` and ``high`` its confidence interval
    (:func:`katz_interval`); ``p_value`` Fisher's exact two-sided test that both rates are equal.
    """

    rate: float
    reference_rate: float
    ratio: float
    low: float
    high: float
    p_value: float

    @property
    def below_four_fifths(self) -> bool:
        """Whether the ratio falls below the four-fifths rule's 0.8."""
        return self.ratio < FOUR_FIFTHS


def _check_counts(selected: int, total: int, name: str) -> None:
    if selected < 0 or total <= 0 or selected > total:
        raise ValueError(f"{name}: need 0 <= selected <= total and total > 0, got {selected} of {total}")


def katz_interval(selected: int, total: int, reference_selected: int, reference_total: int,
                  confidence: float = 0.95) -> tuple[float, float]:
    """Confidence interval for a ratio of two proportions, by the Katz log method.

    Parameters
    ----------
    selected, total : int
        The group's selections ``a`` out of ``n1``.
    reference_selected, reference_total : int
        The reference group's selections ``c`` out of ``n2``.
    confidence : float
        Two-sided level, strictly between 0 and 1.

    Returns
    -------
    (float, float)
        Lower and upper bound of the ratio ``(a / n1) / (c / n2)``.

    Notes
    -----
    The logarithm of the ratio is taken as normal with standard error

    .. math:: SE = \\sqrt{1/a - 1/n_1 + 1/c - 1/n_2},

    and the bounds are :math:`\\exp(\\ln RR \\pm z \\cdot SE)`. With no selection in either group the
    logarithm is undefined; then 0.5 is added to each cell of the 2 x 2 table (``a``, ``n1 - a``,
    ``c``, ``n2 - c``), the usual continuity correction, for the interval only.

    References
    ----------
    Katz D, Baptista J, Azen SP, Pike MC (1978). Obtaining confidence intervals for the risk ratio in
    cohort studies. Biometrics 34(3), 469-474.

    Examples
    --------
    20 of 100 against 40 of 100: a ratio of 0.5, SE = sqrt(0.055) (worked by hand in the tests).

    >>> low, high = katz_interval(20, 100, 40, 100)
    >>> round(low, 4), round(high, 4)
    (0.3158, 0.7918)
    """
    _check_counts(selected, total, "group")
    _check_counts(reference_selected, reference_total, "reference group")
    z = critical_value(confidence)
    a, n1, c, n2 = float(selected), float(total), float(reference_selected), float(reference_total)
    if a == 0 or c == 0:
        a, n1, c, n2 = a + 0.5, n1 + 1.0, c + 0.5, n2 + 1.0
    log_ratio = math.log((a / n1) / (c / n2))
    standard_error = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    return math.exp(log_ratio - z * standard_error), math.exp(log_ratio + z * standard_error)


def impact_ratio(selected: int, total: int, reference_selected: int, reference_total: int,
                 confidence: float = 0.95) -> ImpactRatio:
    """A group's selection rate over a reference group's, with its interval and Fisher's exact test.

    Parameters
    ----------
    selected, total : int
        The group's selections out of those decided (passed of decided at a stage; scored above
        the median of those scored).
    reference_selected, reference_total : int
        The same for the reference group: the group with the highest rate.
    confidence : float
        Level of the interval.

    Returns
    -------
    ImpactRatio
        Rates, ratio, Katz interval (:func:`katz_interval`) and Fisher's two-sided p-value of the
        table ``[[a, n1 - a], [c, n2 - c]]``.

    Raises
    ------
    ValueError
        Counts outside ``0 <= selected <= total``, an empty group, or a reference group that
        selected no one (its ratio is undefined).

    Notes
    -----
    :math:`IR = (a / n_1) / (c / n_2)`; below 0.8 the four-fifths rule reads adverse impact. A small
    group can fall below 0.8 by chance, and a large one show a significant gap above it, which is why
    the ratio is shown with its interval and p-value, and why groups below a minimum size are not
    judged at all.

    References
    ----------
    Uniform Guidelines on Employee Selection Procedures (1978), 29 CFR 1607.4(D) and Questions and
    Answers 12 (the four-fifths rule). Fisher RA (1935). The logic of inductive inference. Journal of
    the Royal Statistical Society 98(1), 39-82 (the exact test). New York City Department of Consumer
    and Worker Protection, Rules on Automated Employment Decision Tools, 6 RCNY 5-300 (impact ratio
    and scoring rate).

    Examples
    --------
    The Guidelines' example: a group hired at 45% against a highest rate of 60% has a ratio of 0.75.

    >>> result = impact_ratio(45, 100, 60, 100)
    >>> round(result.ratio, 2), result.below_four_fifths
    (0.75, True)
    """
    _check_counts(selected, total, "group")
    _check_counts(reference_selected, reference_total, "reference group")
    if reference_selected == 0:
        raise ValueError("reference group selected no one: the impact ratio is undefined")
    rate, reference_rate = selected / total, reference_selected / reference_total
    low, high = katz_interval(selected, total, reference_selected, reference_total, confidence)
    table = [[selected, total - selected], [reference_selected, reference_total - reference_selected]]
    p_value = float(fisher_exact(table, alternative="two-sided").pvalue)
    return ImpactRatio(rate, reference_rate, rate / reference_rate, low, high, p_value)
