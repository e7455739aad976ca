"""Krippendorff's alpha as one set-based DuckDB query, for many groups at once.

Why SQL rather than a Python loop over rules: a calibration range holds every rule of the
ruleset (65 for the CRCD grid) and auto-QA comparisons can hold hundreds of thousands of
interactions; one GROUP BY computes every rule's alpha in one pass. The formulas are
Krippendorff's (2011, "Computing Krippendorff's Alpha-Reliability", section C) written with
sums so no coincidence matrix is materialised:

* only *pairable* values count: those of units holding at least two values;
* ``D_o = (1/n) Σ_u P_u / (m_u - 1)`` where ``P_u`` sums the distance over ordered pairs of
  values inside unit u (``m_u`` values) and n is the number of pairable values;
* ``D_e = P / (n (n - 1))`` with P the same sum over ordered pairs of all pairable values;
* ``alpha = 1 - D_o / D_e = 1 - (n - 1) Σ_u (P_u / (m_u - 1)) / P``.

Nominal distance (0 if equal, 1 otherwise): ``P_u = m_u² - Σ_c n_uc²``, ``P = n² - Σ_c n_c²``.
Interval distance (squared difference): ``P_u = 2 m_u SS_u``, ``P = 2 n SS`` (sums of squared
deviations from the unit mean and from the grand mean). On 0/1 values both coincide.

The tests check this against Krippendorff's worked example and the ``krippendorff`` package.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

Level = Literal["nominal", "interval"]

#: Below this total spread the values do not vary: alpha is undefined (NULL), not a ratio of
#: rounding errors.
_NO_VARIATION = 1e-12


def alpha_sql(source: str, *, groups: Sequence[str], unit: str, value: str, level: Level) -> str:
    """A SELECT giving, per group, ``alpha``, ``n_units`` (units with >= 2 values, the ones
    alpha rests on) and ``n_values`` (pairable values).

    ``source`` is a SELECT or a table name with the group columns, the unit column and the
    value column; one row per (coder, unit) value, NULL meaning "missing". ``alpha`` is NULL
    when the pairable values do not vary (every coder gave the same value everywhere: then
    agreement is perfect but alpha, a ratio to chance disagreement, has no meaning).
    """
    if not groups:
        raise ValueError("alpha_sql needs at least one group column")
    g = ", ".join(groups)
    pairable = f"""
        src AS (SELECT {g}, {unit} AS _u, CAST({value} AS DOUBLE) AS _v FROM {_from(source)}
                WHERE {value} IS NOT NULL),
        pairable AS (SELECT *, count(*) OVER (PARTITION BY {g}, _u)::DOUBLE AS _m FROM src
                     QUALIFY _m >= 2)"""
    if level == "nominal":
        body = f"""
        cells AS (SELECT {g}, _u, _v, any_value(_m) AS _m, count(*)::DOUBLE AS _n
                  FROM pairable GROUP BY {g}, _u, _v),
        units AS (SELECT {g}, _u, any_value(_m) AS _m, any_value(_m) * any_value(_m) - sum(_n * _n) AS _p
                  FROM cells GROUP BY {g}, _u),
        cats AS (SELECT {g}, _v, sum(_n) AS _n FROM cells GROUP BY {g}, _v),
        spread AS (SELECT {g}, sum(_n) * sum(_n) - sum(_n * _n) AS _pt FROM cats GROUP BY {g})"""
    elif level == "interval":
        body = f"""
        units AS (SELECT {g}, _u, count(*)::DOUBLE AS _m, 2 * count(*) * count(*) * var_pop(_v) AS _p
                  FROM pairable GROUP BY {g}, _u),
        spread AS (SELECT {g}, 2 * count(*) * count(*) * var_pop(_v) AS _pt FROM pairable GROUP BY {g})"""
    else:
        raise ValueError(f"unknown level of measurement {level!r}")
    return f"""
        WITH {pairable}, {body},
        observed AS (SELECT {g}, count(*) AS n_units, sum(_m)::BIGINT AS n_values, sum(_p / (_m - 1)) AS _do
                     FROM units GROUP BY {g})
        SELECT {g}, CASE WHEN s._pt > {_NO_VARIATION} THEN 1 - (o.n_values - 1) * o._do / s._pt END AS alpha,
               o.n_units, o.n_values
        FROM observed AS o JOIN spread AS s USING ({g})"""


def _from(source: str) -> str:
    """A table/CTE name as is, a SELECT as a derived table."""
    return f"({source}) AS _a" if source.lstrip().upper().startswith(("SELECT", "WITH", "FROM")) else source
