"""The ``evaluators`` table: who scores harder or softer, and who drifts in calibration.

Two independent readings of each evaluator:

* **leniency on production data** (counted evaluations): for every (agent, month) the
  evaluator scored and some other human evaluator also scored, the difference between the
  evaluator's mean score of that agent and the other humans' mean score of the same agent in
  the same month. ``leniency`` is the mean of those paired differences, with a Student t
  interval. Pairing on agent and month removes who-evaluates-whom: an evaluator given the
  weakest agents is not called harsh. Positive = scores higher (softer) than colleagues.
* **calibration** (interactions scored by >= 2 humans): mean absolute deviation of the
  evaluator's score from the expert evaluation's and from the consensus (median of the other
  evaluators' scores on that call), and the rules where their value departs most from the
  others' mean, summed over sessions: a rule missed in 3 sessions out of 4 says more than one
  missed in a single session.
"""

from __future__ import annotations

import math

import duckdb
import pandas as pd

from scorecard.calibration._select import (
    KIND_SQL,
    Range,
    calibration_evaluations_sql,
    fetch,
    with_outcomes,
)
from scorecard.calibration._stats import t_value

EVALUATOR_COLUMNS: tuple[str, ...] = (
    "evaluator_id", "evaluator_kind", "n_evaluations", "mean_score",
    "leniency", "leniency_ci_low", "leniency_ci_high", "n_pairs",
    "n_calibration", "mad_expert", "n_expert", "mad_consensus", "deviation_consensus",
    "divergent_rules", "ruleset", "ruleset_version",
)

#: How many divergent rules the table names per evaluator.
TOP_RULES = 3


def evaluators_table(
    con: duckdb.DuckDBPyConnection, ruleset_id: int, *, period: str | None = None, confidence: float = 0.95
) -> pd.DataFrame:
    """One row per evaluator seen in the range (production or calibration); see docs/calibration.md."""
    rng = Range(ruleset_id, period)
    sql = f"""
        WITH {with_outcomes(con, rng, calibration_evaluations_sql(rng))},
        prod AS (
            SELECT s.agent_id, s.period, s.evaluator_id, {KIND_SQL} AS evaluator_kind, s.score
            FROM evaluation_scores AS s
            WHERE {rng.where("s")} AND s.evaluator_id IS NOT NULL AND NOT s.is_calibration),
        volume AS (
            SELECT evaluator_id, mode(evaluator_kind) AS evaluator_kind, count(*) AS n_evaluations,
                   avg(score) AS mean_score
            FROM prod GROUP BY evaluator_id),
        cell AS (
            SELECT evaluator_id, agent_id, period, avg(score) AS own,
                   coalesce(sum(score) FILTER (WHERE evaluator_kind = 'human'), 0) AS own_human_sum,
                   count(score) FILTER (WHERE evaluator_kind = 'human') AS own_human_n
            FROM prod WHERE score IS NOT NULL GROUP BY evaluator_id, agent_id, period),
        agent_month AS (
            SELECT agent_id, period, sum(own_human_sum) AS human_sum, sum(own_human_n) AS human_n
            FROM cell GROUP BY agent_id, period),
        paired AS (
            SELECT c.evaluator_id,
                   c.own - (m.human_sum - c.own_human_sum) / (m.human_n - c.own_human_n) AS difference
            FROM cell AS c JOIN agent_month AS m ON m.agent_id = c.agent_id AND m.period = c.period
            WHERE m.human_n - c.own_human_n > 0),
        leniency AS (
            SELECT evaluator_id, avg(difference) AS leniency, stddev_samp(difference) AS sd, count(*) AS n_pairs
            FROM paired GROUP BY evaluator_id),
        session AS (
            SELECT a.evaluator_id, a.interaction_id, any_value(a.score) AS score,
                   median(b.score) AS consensus, arg_min(b.score, b.evaluator_id) FILTER (WHERE b.is_expert) AS expert
            FROM sel AS a JOIN sel AS b ON b.interaction_id = a.interaction_id AND b.evaluator_id <> a.evaluator_id
            GROUP BY a.evaluator_id, a.interaction_id),
        calibration AS (
            SELECT evaluator_id, count(*) AS n_calibration,
                   avg(abs(score - expert)) AS mad_expert, count(score - expert) AS n_expert,
                   avg(abs(score - consensus)) AS mad_consensus, avg(score - consensus) AS deviation_consensus
            FROM session GROUP BY evaluator_id),
        rule_gap AS (
            SELECT a.evaluator_id, a.rule_id, any_value(a.position) AS position,
                   abs(any_value(a.value) - avg(b.value)) AS gap
            FROM co AS a JOIN co AS b
              ON b.interaction_id = a.interaction_id AND b.rule_id = a.rule_id AND b.evaluator_id <> a.evaluator_id
            WHERE a.value IS NOT NULL AND b.value IS NOT NULL
            GROUP BY a.evaluator_id, a.rule_id, a.interaction_id),
        rule_divergence AS (
            SELECT evaluator_id, rule_id, any_value(position) AS position, avg(gap) AS divergence,
                   sum(gap) AS total_gap, count(*) AS n
            FROM rule_gap GROUP BY evaluator_id, rule_id
            HAVING sum(gap) > 0
            QUALIFY row_number() OVER (PARTITION BY evaluator_id
                                       ORDER BY sum(gap) DESC, avg(gap) DESC, any_value(position)) <= {TOP_RULES}),
        divergent AS (
            SELECT evaluator_id,
                   string_agg(printf('%s (%.0f %%, n=%d)', rule_id, 100 * divergence, n), ', '
                              ORDER BY total_gap DESC, divergence DESC, position) AS divergent_rules
            FROM rule_divergence GROUP BY evaluator_id),
        evaluator AS (
            SELECT evaluator_id, evaluator_kind FROM volume
            UNION SELECT evaluator_id, evaluator_kind FROM sel)
        SELECT e.evaluator_id, coalesce(v.evaluator_kind, e.evaluator_kind) AS evaluator_kind,
               coalesce(v.n_evaluations, 0) AS n_evaluations, v.mean_score,
               l.leniency, l.sd AS _sd, coalesce(l.n_pairs, 0) AS n_pairs,
               coalesce(c.n_calibration, 0) AS n_calibration, c.mad_expert, coalesce(c.n_expert, 0) AS n_expert,
               c.mad_consensus, c.deviation_consensus, d.divergent_rules
        FROM (SELECT evaluator_id, any_value(evaluator_kind) AS evaluator_kind FROM evaluator GROUP BY 1) AS e
        LEFT JOIN volume AS v ON v.evaluator_id = e.evaluator_id
        LEFT JOIN leniency AS l ON l.evaluator_id = e.evaluator_id
        LEFT JOIN calibration AS c ON c.evaluator_id = e.evaluator_id
        LEFT JOIN divergent AS d ON d.evaluator_id = e.evaluator_id
        ORDER BY e.evaluator_id"""
    df = fetch(con, sql, rng)
    half = [_half_width(sd, n, confidence) for sd, n in zip(df["_sd"], df["n_pairs"], strict=True)]
    df["leniency_ci_low"] = df["leniency"] - pd.Series(half, index=df.index, dtype="float64")
    df["leniency_ci_high"] = df["leniency"] + pd.Series(half, index=df.index, dtype="float64")
    return df[list(EVALUATOR_COLUMNS)]


def _half_width(sd: float | None, n: int, confidence: float) -> float:
    """Half-width of the t interval of a mean of n paired differences (NaN below 2 pairs)."""
    if n < 2 or sd is None or (isinstance(sd, float) and math.isnan(sd)):
        return math.nan
    return t_value(confidence, int(n) - 1) * float(sd) / math.sqrt(n)
