"""Sample-size guidance ("evidence"): are there enough evaluations behind a pass rate?

A competency's pass rate pools the outcomes of several rules over an agent's evaluations, and
the scorecards show it with a Wilson interval (scoring.md §4). Outcomes of one evaluation are
not independent (same call, same evaluator), so an evaluation is worth fewer than its ``x̄``
outcomes. How much fewer is the design effect of cluster sampling, estimated on the centre's
data with the ratio-estimator variance (Cochran, *Sampling Techniques*, 3rd ed., 1977, §6.4
and §9.7): with ``x_i`` scored and ``y_i`` passed outcomes of the competency in evaluation i,
``R = Σy / Σx``, ``S² = var(y_i - R x_i)`` and

    deff = S² / (x̄ R (1 - R))      (at least 1; x̄ when R is 0 or 1 or data is too thin)

An agent's month then holds ``n_outcomes / deff`` effective observations, and the competency
needs ``required_sample_size(margin, R) · deff / x̄`` evaluations for its Wilson interval to be
±margin. ``R``, ``x̄`` and ``deff`` are the centre's over the selected range: one agent's month
is too small to plan with.
"""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pandas as pd

from scorecard.calibration._select import Range, fetch, with_outcomes
from scorecard.calibration._stats import check_margin, wilson_half_width, wilson_observations

EVIDENCE_COLUMNS: tuple[str, ...] = (
    "agent_id", "team", "period", "competency", "needed_n", "actual_n", "enough", "pass_rate", "margin_at_actual",
    "n_outcomes", "centre_pass_rate", "outcomes_per_evaluation", "design_effect", "margin", "confidence",
    "ruleset", "ruleset_version",
)


def sample_size_guidance(
    con: duckdb.DuckDBPyConnection,
    ruleset_id: int,
    *,
    margin: float = 5.0,
    confidence: float = 0.95,
    period: str | None = None,
) -> pd.DataFrame:
    """One row per (agent, month, competency) the agent is assessed on in the range, including
    months where they had no evaluation of that competency (``actual_n`` 0)."""
    check_margin(margin)
    rng = Range(ruleset_id, period)
    counted = f"""
        SELECT s.evaluation_id, s.agent_id, s.team, s.period, s.interaction_at FROM evaluation_scores AS s
        WHERE {rng.where("s")} AND NOT s.is_calibration"""
    sql = f"""
        WITH {with_outcomes(con, rng, counted)},
        per_evaluation AS (
            SELECT evaluation_id, agent_id, period, competency,
                   count(passed)::DOUBLE AS x, coalesce(sum(passed), 0)::DOUBLE AS y
            FROM co GROUP BY evaluation_id, agent_id, period, competency HAVING count(passed) > 0),
        ratio AS (
            SELECT competency, sum(y) / sum(x) AS r, avg(x) AS x_bar FROM per_evaluation GROUP BY competency),
        plan AS (
            SELECT p.competency, any_value(r.r) AS r, any_value(r.x_bar) AS x_bar,
                   CASE WHEN any_value(r.r) > 0 AND any_value(r.r) < 1 AND count(*) >= 2
                        THEN greatest(1.0, var_samp(p.y - r.r * p.x)
                                           / (any_value(r.x_bar) * any_value(r.r) * (1 - any_value(r.r))))
                        ELSE any_value(r.x_bar) END AS design_effect
            FROM per_evaluation AS p JOIN ratio AS r ON r.competency = p.competency GROUP BY p.competency),
        agent_month AS (
            SELECT agent_id, period, arg_max(team, interaction_at) AS team FROM sel GROUP BY agent_id, period),
        assessed AS (SELECT DISTINCT agent_id, competency FROM per_evaluation),
        actual AS (
            SELECT agent_id, period, competency, count(*) AS actual_n, sum(x) AS n_outcomes, sum(y) AS n_passed
            FROM per_evaluation GROUP BY agent_id, period, competency)
        SELECT m.agent_id, m.team, m.period, a.competency, coalesce(t.actual_n, 0) AS actual_n,
               100.0 * t.n_passed / t.n_outcomes AS pass_rate, coalesce(t.n_outcomes, 0)::BIGINT AS n_outcomes,
               100.0 * p.r AS centre_pass_rate, p.x_bar AS outcomes_per_evaluation, p.design_effect
        FROM agent_month AS m
        JOIN assessed AS a ON a.agent_id = m.agent_id
        JOIN plan AS p ON p.competency = a.competency
        LEFT JOIN actual AS t ON t.agent_id = m.agent_id AND t.period = m.period AND t.competency = a.competency
        ORDER BY m.period, m.agent_id, a.competency"""
    df = fetch(con, sql, rng)
    df["needed_n"] = [
        _needed_evaluations(margin, r / 100, x_bar, deff, confidence)
        for r, x_bar, deff in zip(df["centre_pass_rate"], df["outcomes_per_evaluation"], df["design_effect"], strict=True)
    ]
    df["needed_n"] = df["needed_n"].astype("int64")
    df["enough"] = df["actual_n"] >= df["needed_n"]
    effective = df["n_outcomes"] / df["design_effect"]
    half = wilson_half_width(effective, df["pass_rate"] / 100, confidence)
    df["margin_at_actual"] = np.where(df["actual_n"] > 0, 100 * half, np.nan)
    df["margin"] = float(margin)
    df["confidence"] = float(confidence)
    return df[list(EVIDENCE_COLUMNS)]


def _needed_evaluations(margin: float, r: float, x_bar: float, deff: float, confidence: float) -> int:
    """Evaluations whose outcomes, discounted by the design effect, give a ±margin Wilson interval."""
    return max(1, math.ceil(wilson_observations(margin, r, confidence) * deff / x_bar - 1e-9))
