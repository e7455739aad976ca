"""Small exact statistics the calibration tables need, without a SciPy dependency.

The t quantile matters: leniency rests on the (agent, month) pairs an evaluator shares with
others, often fewer than 30, where the normal 1.96 would give intervals too narrow and make
a quality manager act on noise.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
from numpy.typing import ArrayLike

#: Beyond this many degrees of freedom the Cornish-Fisher expansion is exact to 1e-9 and
#: avoids summing df terms of the exact series.
_EXPANSION_DF = 200


def z_value(confidence: float) -> float:
    """Two-sided normal quantile: 1.959964 for 0.95."""
    _check_confidence(confidence)
    return NormalDist().inv_cdf((1 + confidence) / 2)


def t_value(confidence: float, df: int) -> float:
    """Two-sided Student t quantile with ``df`` degrees of freedom (2.776 for 0.95, df 4)."""
    _check_confidence(confidence)
    if df < 1:
        raise ValueError(f"degrees of freedom must be >= 1, got {df}")
    if df > _EXPANSION_DF:
        return _t_expansion(z_value(confidence), df)
    low, high = 0.0, 2.0
    while _t_central(high, df) < confidence:
        high *= 2
    for _ in range(200):
        mid = (low + high) / 2
        if _t_central(mid, df) < confidence:
            low = mid
        else:
            high = mid
        if high - low < 1e-12:
            break
    return (low + high) / 2


def _t_expansion(z: float, df: int) -> float:
    """Cornish-Fisher expansion of the t quantile around z (Abramowitz & Stegun 26.7.5)."""
    g = (
        (z**3 + z) / 4,
        (5 * z**5 + 16 * z**3 + 3 * z) / 96,
        (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384,
        (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160,
    )
    return z + sum(gi / df ** (i + 1) for i, gi in enumerate(g))


def _t_central(t: float, df: int) -> float:
    """P(|T| < t) for integer df: Abramowitz & Stegun 26.7.3 (odd df) and 26.7.4 (even df)."""
    theta = math.atan(t / math.sqrt(df))
    c2 = math.cos(theta) ** 2
    if df % 2:
        if df == 1:
            return 2 * theta / math.pi
        term, series = math.cos(theta), 0.0
        for j in range((df - 1) // 2):
            series += term
            term *= c2 * (2 * j + 2) / (2 * j + 3)
        return 2 / math.pi * (theta + math.sin(theta) * series)
    term, series = 1.0, 0.0
    for j in range(df // 2):
        series += term
        term *= c2 * (2 * j + 1) / (2 * j + 2)
    return math.sin(theta) * series


def wilson_half_width(n: ArrayLike, p: ArrayLike, confidence: float = 0.95) -> np.ndarray:
    """Half-width (as a fraction) of the Wilson score interval of a proportion ``p`` over ``n``
    independent observations: the interval the scorecards show (scoring.md §4)."""
    z = z_value(confidence)
    n_arr = np.asarray(n, dtype="float64")
    p_arr = np.asarray(p, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        return z / (n_arr + z * z) * np.sqrt(n_arr * p_arr * (1 - p_arr) + z * z / 4)


def wilson_observations(margin: float, p: float, confidence: float = 0.95) -> float:
    """Observations (real-valued) at which the Wilson interval of ``p`` is ±``margin`` points.

    Solving ``z / (N + z²) · sqrt(N p q + z²/4) = m`` for N gives
    ``N = z² (pq - 2m² + sqrt(p²q² + m² (1 - 4pq))) / (2m²)``.
    """
    check_margin(margin)
    if not 0 <= p <= 1:
        raise ValueError(f"p must be a fraction in [0, 1], got {p}")
    z2, m, pq = z_value(confidence) ** 2, margin / 100, p * (1 - p)
    return max(0.0, z2 * (pq - 2 * m * m + math.sqrt(pq * pq + m * m * (1 - 4 * pq))) / (2 * m * m))


def required_sample_size(margin: float, p: float = 0.5, confidence: float = 0.95) -> int:
    """Independent pass/fail observations needed for the Wilson interval of a pass rate ``p``
    (a fraction) to be at most ±``margin`` percentage points wide at ``confidence``; at least 1.

    Wilson rather than the textbook ``z² p(1-p) / m²`` (Cochran: 385 for ±5 points at 95 %,
    p = 0.5) because the scorecards show Wilson intervals, and because the textbook formula
    answers 1 for a pass rate of 100 %, where Wilson still asks 35 observations for ±5 points.
    At p = 0.5 the two differ by z² (381 against 385).
    """
    return max(1, math.ceil(wilson_observations(margin, p, confidence) - 1e-9))


def check_margin(margin: float) -> None:
    if not 0 < margin <= 100:
        raise ValueError(f"margin must be in (0, 100] percentage points, got {margin}")


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
