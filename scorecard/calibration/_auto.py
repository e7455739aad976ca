"""Automatic versus human evaluations of the same interactions, per rule.

A centre that runs auto-QA (speech analytics) next to human evaluators needs to know, rule by
rule, whether the machine can be trusted: how often it agrees with a person, whether the
agreement is better than chance (alpha), and in which direction it errs (failing calls a
person passes is noise for agents; passing calls a person fails hides problems).

Per interaction the comparison takes the latest automatic evaluation and one human
reference: the expert evaluation when there is one, else the latest human evaluation.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from scorecard.calibration._alpha import alpha_sql
from scorecard.calibration._select import (
    BOTH_KINDS,
    CARRIED,
    Range,
    fetch,
    latest_evaluations_sql,
    with_outcomes,
)

AUTO_COLUMNS: tuple[str, ...] = (
    "rule_id", "competency", "criterion", "rule_kind", "n_interactions", "agreement", "alpha", "alpha_interval",
    "auto_pass_rate", "human_pass_rate", "auto_fail_human_pass", "auto_pass_human_fail", "auto_na_human_scored",
    "ruleset", "ruleset_version",
)


def _pairs_sql(rng: Range) -> str:
    """The automatic and the human reference evaluation of every interaction that has both."""
    return f"""
        SELECT * FROM (
            SELECT *, 'auto' AS side FROM ({latest_evaluations_sql(rng, kind="auto", having=BOTH_KINDS)}) AS a
            QUALIFY row_number() OVER (PARTITION BY interaction_id
                                       ORDER BY evaluated_at DESC NULLS LAST, evaluation_id DESC) = 1
            UNION ALL BY NAME
            SELECT *, 'human' AS side FROM ({latest_evaluations_sql(rng, kind="human", having=BOTH_KINDS)}) AS h
            QUALIFY row_number() OVER (PARTITION BY interaction_id
                                       ORDER BY is_expert DESC, evaluated_at DESC NULLS LAST, evaluation_id DESC) = 1
        ) AS both_sides
        QUALIFY count(*) OVER (PARTITION BY interaction_id) = 2"""


def auto_vs_human_table(con: duckdb.DuckDBPyConnection, ruleset_id: int, *, period: str | None = None) -> pd.DataFrame:
    """One row per rule of the ruleset; counts are interactions where both sides gave pass/fail."""
    rng = Range(ruleset_id, period)
    sql = f"""
        WITH {with_outcomes(con, rng, _pairs_sql(rng), (*CARRIED, "side"))},
        side_by_side AS (
            SELECT interaction_id, rule_id,
                   any_value(passed) FILTER (WHERE side = 'auto') AS auto_passed,
                   any_value(passed) FILTER (WHERE side = 'human') AS human_passed
            FROM co GROUP BY interaction_id, rule_id),
        per_rule AS (
            SELECT rule_id,
                   count(*) FILTER (WHERE auto_passed IS NOT NULL AND human_passed IS NOT NULL) AS n_interactions,
                   100.0 * avg((auto_passed = human_passed)::INTEGER) AS agreement,
                   100.0 * avg(auto_passed) FILTER (WHERE human_passed IS NOT NULL) AS auto_pass_rate,
                   100.0 * avg(human_passed) FILTER (WHERE auto_passed IS NOT NULL) AS human_pass_rate,
                   count(*) FILTER (WHERE auto_passed = 0 AND human_passed = 1) AS auto_fail_human_pass,
                   count(*) FILTER (WHERE auto_passed = 1 AND human_passed = 0) AS auto_pass_human_fail,
                   count(*) FILTER (WHERE auto_passed IS NULL AND human_passed IS NOT NULL) AS auto_na_human_scored
            FROM side_by_side GROUP BY rule_id),
        rule_alpha AS ({alpha_sql("co", groups=["rule_id"], unit="interaction_id", value="passed", level="nominal")}),
        rule_alpha_interval AS ({alpha_sql("(SELECT * FROM co WHERE rule_kind = 'score')", groups=["rule_id"],
                                           unit="interaction_id", value="value", level="interval")})
        SELECT r.rule_id, r.competency, r.criterion, r.kind AS rule_kind,
               coalesce(p.n_interactions, 0) AS n_interactions, p.agreement, ra.alpha, ri.alpha AS alpha_interval,
               p.auto_pass_rate, p.human_pass_rate,
               coalesce(p.auto_fail_human_pass, 0) AS auto_fail_human_pass,
               coalesce(p.auto_pass_human_fail, 0) AS auto_pass_human_fail,
               coalesce(p.auto_na_human_scored, 0) AS auto_na_human_scored
        FROM ruleset_rules AS r
        LEFT JOIN per_rule AS p ON p.rule_id = r.rule_id
        LEFT JOIN rule_alpha AS ra ON ra.rule_id = r.rule_id
        LEFT JOIN rule_alpha_interval AS ri ON ri.rule_id = r.rule_id
        WHERE r.ruleset_id = $ruleset_id
        ORDER BY r.position"""
    return fetch(con, sql, rng)[list(AUTO_COLUMNS)]
