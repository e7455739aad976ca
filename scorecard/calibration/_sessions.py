"""The ``calibration`` table (cli.md): agreement per calibration interaction and rule.

One row = one rule in one calibration interaction (a "session": an interaction scored by at
least two human evaluators). The session columns say what happened on that call; ``alpha``
is the rule's reliability over every session of the selected range, repeated on each of the
rule's rows, because one call gives a percent agreement but no usable alpha (a single unit
has no chance baseline). A quality manager filters a rule to see its sessions, or sorts
sessions by agreement to pick the calls to discuss.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from scorecard.calibration._alpha import alpha_sql
from scorecard.calibration._select import Range, calibration_evaluations_sql, fetch, with_outcomes

#: Columns of the calibration table, cli.md's five first.
CALIBRATION_COLUMNS: tuple[str, ...] = (
    "interaction_id", "rule_id", "n_evaluators", "agreement", "alpha",
    "n_units", "alpha_interval", "competency", "criterion", "rule_kind",
    "agent_id", "period", "interaction_at", "is_calibration",
    "n_pass", "n_fail", "n_na", "consensus", "expert_outcome",
    "session_evaluators", "session_alpha", "session_agreement", "session_score_min", "session_score_max",
    "expert_score", "ruleset", "ruleset_version",
)


def pairwise_agreement_sql(n_pass: str, n_fail: str) -> str:
    """Percent of evaluator pairs giving the same outcome: ``(p(p-1) + f(f-1)) / (m(m-1))``."""
    m = f"({n_pass} + {n_fail})"
    return (
        f"CASE WHEN {m} >= 2 THEN 100.0 * ({n_pass} * ({n_pass} - 1) + {n_fail} * ({n_fail} - 1)) "
        f"/ ({m} * ({m} - 1)) END"
    )


def calibration_table(
    con: duckdb.DuckDBPyConnection,
    ruleset_id: int,
    *,
    period: str | None = None,
    date_from: date | str | None = None,
    date_to: date | str | None = None,
) -> pd.DataFrame:
    """One row per (calibration interaction, rule); see docs/calibration.md for every column."""
    rng = Range(ruleset_id, period, date_from, date_to)
    sql = f"""
        WITH {with_outcomes(con, rng, calibration_evaluations_sql(rng))},
        unit AS (
            SELECT interaction_id, rule_id, any_value(position) AS position, any_value(competency) AS competency,
                   any_value(criterion) AS criterion, any_value(rule_kind) AS rule_kind,
                   count(passed) AS n_evaluators, count(*) FILTER (WHERE passed = 1) AS n_pass, count(*) FILTER (WHERE passed = 0) AS n_fail,
                   count(*) FILTER (WHERE outcome = 'na') AS n_na,
                   arg_min(outcome, evaluator_id) FILTER (WHERE is_expert) AS expert_outcome
            FROM co GROUP BY interaction_id, rule_id),
        session AS (
            SELECT interaction_id, any_value(agent_id) AS agent_id, any_value(period) AS period,
                   any_value(interaction_at) AS interaction_at, bool_or(is_calibration) AS is_calibration,
                   count(*) AS session_evaluators, min(score) AS session_score_min,
                   max(score) AS session_score_max,
                   arg_min(score, evaluator_id) FILTER (WHERE is_expert) AS expert_score
            FROM sel GROUP BY interaction_id),
        session_agreement AS (
            SELECT interaction_id, avg({pairwise_agreement_sql("n_pass", "n_fail")}) AS session_agreement
            FROM unit GROUP BY interaction_id),
        rule_alpha AS ({alpha_sql("co", groups=["rule_id"], unit="interaction_id", value="passed", level="nominal")}),
        rule_alpha_interval AS ({alpha_sql("(SELECT * FROM co WHERE rule_kind = 'score')", groups=["rule_id"],
                                           unit="interaction_id", value="value", level="interval")}),
        session_alpha AS ({alpha_sql("co", groups=["interaction_id"], unit="rule_id", value="passed", level="nominal")})
        SELECT u.interaction_id, u.rule_id, u.n_evaluators,
               {pairwise_agreement_sql("u.n_pass", "u.n_fail")} AS agreement,
               ra.alpha, coalesce(ra.n_units, 0) AS n_units, ri.alpha AS alpha_interval,
               u.competency, u.criterion, u.rule_kind,
               s.agent_id, s.period, s.interaction_at, s.is_calibration,
               u.n_pass, u.n_fail, u.n_na,
               CASE WHEN u.n_pass > u.n_fail THEN 'pass' WHEN u.n_fail > u.n_pass THEN 'fail' END AS consensus,
               u.expert_outcome, s.session_evaluators, sa.alpha AS session_alpha, g.session_agreement,
               s.session_score_min, s.session_score_max, s.expert_score
        FROM unit AS u
        JOIN session AS s ON s.interaction_id = u.interaction_id
        JOIN session_agreement AS g ON g.interaction_id = u.interaction_id
        LEFT JOIN rule_alpha AS ra ON ra.rule_id = u.rule_id
        LEFT JOIN rule_alpha_interval AS ri ON ri.rule_id = u.rule_id
        LEFT JOIN session_alpha AS sa ON sa.interaction_id = u.interaction_id
        ORDER BY s.interaction_at, u.interaction_id, u.position"""
    return fetch(con, sql, rng)[list(CALIBRATION_COLUMNS)]
