"""Krippendorff's alpha (SQL) and the small statistics behind the calibration tables.

Reference: Klaus Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability",
Annenberg School for Communication, University of Pennsylvania, departmental paper 43
(https://repository.upenn.edu/asc_papers/43), section C: reliability data of 4 observers
(A-D) on 12 units with missing values; nominal alpha = 0.743, interval alpha = 0.849,
n = 40 pairable values (unit 12 holds a single value).
"""

from __future__ import annotations

import math

import duckdb
import krippendorff
import numpy as np
import pytest

from scorecard.calibration import required_sample_size, t_value, wilson_half_width, z_value
from scorecard.calibration._alpha import alpha_sql

NAN = math.nan
#: Krippendorff (2011), section C, observers A-D (rows) x units 1-12 (columns); NAN = "*".
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
]


def _load(con: duckdb.DuckDBPyConnection, groups: dict[str, list[list[float]]]) -> None:
    """Reliability matrices (coders x units) as long rows (grp, unit, coder, value)."""
    con.execute("CREATE OR REPLACE TABLE r (grp VARCHAR, unit INTEGER, coder INTEGER, value DOUBLE)")
    rows = [
        (name, u, c, None if math.isnan(v) else float(v))
        for name, matrix in groups.items()
        for c, coder in enumerate(matrix)
        for u, v in enumerate(coder)
    ]
    con.executemany("INSERT INTO r VALUES (?, ?, ?, ?)", rows)


def _alphas(con: duckdb.DuckDBPyConnection, level: str) -> dict[str, tuple[float | None, int, int]]:
    sql = alpha_sql("r", groups=["grp"], unit="unit", value="value", level=level)  # type: ignore[arg-type]
    return {g: (a, n_units, n_values) for g, a, n_units, n_values in con.execute(sql).fetchall()}


def test_alpha_reproduces_krippendorff_2011_worked_example() -> None:
    con = duckdb.connect()
    _load(con, {"k2011": KRIPPENDORFF_2011})
    nominal, n_units, n_values = _alphas(con, "nominal")["k2011"]
    interval = _alphas(con, "interval")["k2011"][0]
    assert round(nominal, 3) == 0.743
    assert round(interval, 3) == 0.849
    assert (n_units, n_values) == (11, 40)
    # and the well-kept library agrees to the last digit
    assert nominal == pytest.approx(krippendorff.alpha(reliability_data=KRIPPENDORFF_2011,
                                                       level_of_measurement="nominal"), abs=1e-12)
    assert interval == pytest.approx(krippendorff.alpha(reliability_data=KRIPPENDORFF_2011,
                                                        level_of_measurement="interval"), abs=1e-12)


def _random_matrix(rng: np.random.Generator, coders: int, units: int, values: list[float]) -> list[list[float]]:
    data = rng.choice(values, size=(coders, units)).astype(float)
    data[rng.random((coders, units)) < 0.25] = NAN
    return data.tolist()


def test_alpha_agrees_with_the_krippendorff_package_for_many_groups_in_one_query() -> None:
    rng = np.random.default_rng(20261128)
    groups = {f"g{i}": _random_matrix(rng, int(rng.integers(2, 7)), int(rng.integers(5, 40)),
                                      [0.0, 1.0] if i % 2 else [0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
              for i in range(24)}
    con = duckdb.connect()
    _load(con, groups)
    for level in ("nominal", "interval"):
        got = _alphas(con, level)
        for name, matrix in groups.items():
            expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)
            assert got[name][0] == pytest.approx(expected, abs=1e-9), (level, name)
            pairable = [u for u in zip(*matrix, strict=True) if sum(not math.isnan(v) for v in u) >= 2]
            assert got[name][1] == len(pairable)


def test_on_pass_fail_nominal_and_interval_alpha_coincide() -> None:
    rng = np.random.default_rng(7)
    con = duckdb.connect()
    _load(con, {"b": _random_matrix(rng, 3, 30, [0.0, 1.0])})
    assert _alphas(con, "nominal")["b"][0] == pytest.approx(_alphas(con, "interval")["b"][0], abs=1e-12)


def test_alpha_is_null_when_nobody_ever_disagrees_and_units_need_two_values() -> None:
    con = duckdb.connect()
    _load(con, {"same": [[1, 1, 1, NAN], [1, 1, 1, 0]], "lonely": [[1, NAN], [NAN, 0]]})
    for level in ("nominal", "interval"):
        got = _alphas(con, level)
        assert got["same"] == (None, 3, 6)  # unit 4 holds one value: not pairable
        assert "lonely" not in got  # no unit with two values: no alpha at all


@pytest.mark.parametrize(("confidence", "df", "expected"), [
    # Student t table (two-sided): e.g. Fisher & Yates, Statistical Tables, table III
    (0.95, 1, 12.706), (0.95, 4, 2.776), (0.95, 10, 2.228), (0.95, 30, 2.042),
    (0.99, 5, 4.032), (0.90, 20, 1.725), (0.95, 120, 1.980),
])
def test_t_value_matches_the_printed_table(confidence: float, df: int, expected: float) -> None:
    assert t_value(confidence, df) == pytest.approx(expected, abs=5e-4)


def test_t_value_matches_scipy_across_degrees_of_freedom() -> None:
    stats = pytest.importorskip("scipy.stats")
    for df in (1, 2, 3, 7, 50, 199, 200, 201, 999, 10**6):
        for conf in (0.8, 0.95, 0.999):
            assert t_value(conf, df) == pytest.approx(stats.t.ppf((1 + conf) / 2, df), rel=1e-9)
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)


def _wilson_half(n: int, p: float, z: float = 1.959963984540054) -> float:
    """Wilson (1927) interval half-width, written out here independently."""
    return z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)


@pytest.mark.parametrize("p", [0.0, 0.03, 0.5, 0.8, 0.97, 1.0])
@pytest.mark.parametrize("margin", [2.0, 5.0, 10.0])
def test_required_sample_size_is_the_smallest_n_with_a_wilson_interval_within_the_margin(p: float, margin: float) -> None:
    n = required_sample_size(margin, p)
    assert _wilson_half(n, p) <= margin / 100 + 1e-12
    assert n == 1 or _wilson_half(n - 1, p) > margin / 100
    assert wilson_half_width(n, p) == pytest.approx(_wilson_half(n, p))


def test_required_sample_size_worst_case_is_cochrans_minus_z_squared() -> None:
    z2 = 1.959963984540054 ** 2
    # Wilson at p = 0.5: N = z²/(4m²) - z² exactly, i.e. 381 where Cochran's textbook says 385
    assert required_sample_size(5.0) == math.ceil(z2 / (4 * 0.05**2) - z2) == 381
    assert required_sample_size(5.0, 0.5, 0.99) > required_sample_size(5.0)
    with pytest.raises(ValueError):
        required_sample_size(0.0)
    with pytest.raises(ValueError):
        required_sample_size(5.0, p=50)
