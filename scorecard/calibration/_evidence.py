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
is too small to plan with. ``R`` and ``x̄`` come from the stored aggregates; ``deff`` from a
fixed sample of the range's evaluations (:data:`PLAN_SAMPLE`).
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

#: Counted evaluations (at most) whose outcomes are recomputed to estimate the design effect:
#: a planning value needs thousands, not the whole year, and recomputing 76 outcomes for
#: millions of evaluations would take minutes. The same evaluations are drawn every time.
PLAN_SAMPLE = 20_000


def sample_size_guidance(
    con: duckdb.DuckDBPyConnection,
    ruleset_id: int,
    *,
    margin: float = 5.0,
    confidence: float = 0.95,
    period: str | None = None,
) -> pd.DataFrame:
    """One row per (agent, month, competency) the agent is assessed on in the range, including
    months where they had no evaluation of that competency (``actual_n`` 0).

    Counts and rates come from the stored per agent-month aggregates (exact); only the design
    effect is estimated, on up to :data:`PLAN_SAMPLE` evaluations of the range.
    """
    check_margin(margin)
    rng = Range(ruleset_id, period, extra={"plan_sample": PLAN_SAMPLE})
    sample = f"""
        SELECT s.evaluation_id, s.agent_id, s.period FROM evaluation_scores AS s
        WHERE {rng.where("s")} AND NOT s.is_calibration
        ORDER BY hash(s.evaluation_id), s.evaluation_id LIMIT $plan_sample"""
    sql = f"""
        WITH {with_outcomes(con, rng, sample, ("evaluation_id",))},
        stored AS (SELECT * FROM agent_period_competency AS s WHERE {rng.where("s")}),
        ratio AS (
            SELECT competency, sum(n_passed) / sum(n_outcomes) AS r, sum(n_outcomes) / sum(n_evaluations) AS x_bar
            FROM stored GROUP BY competency),
        per_evaluation AS (
            SELECT evaluation_id, competency, count(passed)::DOUBLE AS x, coalesce(sum(passed), 0)::DOUBLE AS y
            FROM co GROUP BY evaluation_id, competency HAVING count(passed) > 0),
        plan AS (
            SELECT r.competency, r.r, r.x_bar,
                   CASE WHEN r.r > 0 AND r.r < 1 AND count(p.x) >= 2
                        THEN greatest(1.0, var_samp(p.y - r.r * p.x) / (r.x_bar * r.r * (1 - r.r)))
                        ELSE r.x_bar END AS design_effect
            FROM ratio AS r LEFT JOIN per_evaluation AS p ON p.competency = r.competency
            GROUP BY r.competency, r.r, r.x_bar),
        agent_month AS (
            SELECT s.agent_id, s.period, arg_max(s.team, s.interaction_at) AS team FROM evaluation_scores AS s
            WHERE {rng.where("s")} AND NOT s.is_calibration GROUP BY s.agent_id, s.period),
        assessed AS (SELECT DISTINCT agent_id, competency FROM stored)
        SELECT m.agent_id, m.team, m.period, a.competency, coalesce(t.n_evaluations, 0) AS actual_n,
               100.0 * t.n_passed / t.n_outcomes AS pass_rate, coalesce(t.n_outcomes, 0) AS n_outcomes,
               100.0 * p.r AS centre_pass_rate, p.x_bar AS outcomes_per_evaluation, p.design_effect
        FROM agent_month AS m
        JOIN assessed AS a ON a.agent_id = m.agent_id
        JOIN plan AS p ON p.competency = a.competency
        LEFT JOIN stored AS t ON t.agent_id = m.agent_id AND t.period = m.period AND t.competency = a.competency
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
