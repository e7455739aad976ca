"""The exported tables of cli.md, as SQL over stored results.

Each table is a function ``(ctx) -> (sql, params)``; filters are applied in SQL with
parameters. Column order is the contract's; extra columns follow it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from scorecard.errors import UserError
from scorecard.scoring import resolve_ruleset_id, rule_outcomes_sql, stored_ruleset
from scorecard.store import first_row
from scorecard.store import quote_text as lit

Z95 = 1.959964


@dataclass(frozen=True)
class Filters:
    """The selection an export or a page asks for. Empty fields select everything."""

    period: str | None = None
    agent: str | None = None
    team: str | None = None
    ruleset: str | None = None  # NAME[@VERSION]; None = current

    def __post_init__(self) -> None:
        if self.period is not None and not _is_period(self.period):
            raise UserError(f"--period must look like YYYY-MM, got {self.period!r}")


def _is_period(text: str) -> bool:
    return (
        len(text) == 7
        and text[4] == "-"
        and text[:4].isdigit()
        and text[5:].isdigit()
        and 1 <= int(text[5:]) <= 12
    )


def wilson_sql(k: str, n: str, z: float = Z95) -> tuple[str, str]:
    """SQL for the Wilson score interval of k successes in n trials, as percentages."""
    zz = f"{z * z!r}"
    p = f"(({k})::DOUBLE / ({n}))"
    center = f"(({p} + {zz} / (2.0 * ({n}))) / (1.0 + {zz} / ({n})))"
    half = f"({z!r} * sqrt({p} * (1.0 - {p}) / ({n}) + {zz} / (4.0 * ({n}) * ({n}))) / (1.0 + {zz} / ({n})))"
    return (
        f"CASE WHEN ({n}) > 0 THEN 100.0 * ({center} - {half}) END",
        f"CASE WHEN ({n}) > 0 THEN 100.0 * ({center} + {half}) END",
    )


def _ruleset_row(con: duckdb.DuckDBPyConnection, rid: int) -> tuple[str, str, dict]:
    name, version, settings = first_row(
        con, "SELECT name, version, settings FROM rulesets WHERE ruleset_id = ?", [rid]
    )  # type: ignore[misc]
    return name, version, json.loads(settings)


def _equal(prefix: str, *pairs: tuple[str, str | None]) -> tuple[list[str], list]:
    """``col = ?`` conditions and their parameters for the filters that are set."""
    conds, params = [], []
    for col, val in pairs:
        if val is not None:
            conds.append(f"{prefix}{col} = ?")
            params.append(val)
    return conds, params


def _where(conds: list[str]) -> str:
    return " AND ".join(conds) if conds else "true"


def evaluation_scores(con: duckdb.DuckDBPyConnection, f: Filters) -> tuple[str, list]:
    rid = resolve_ruleset_id(con, f.ruleset)
    conds, params = _equal("s.", ("period", f.period), ("agent_id", f.agent), ("team", f.team))
    conds, params = ["s.ruleset_id = ?", *conds], [rid, *params]
    sql = f"""
        SELECT s.evaluation_id, s.interaction_id, s.agent_id, s.team, s.period, s.evaluator_id,
               s.is_calibration, s.score, s.score_before_fatal, s.fatal_failed, s.critical_score,
               s.n_pass, s.n_fail, s.n_na, r.name AS ruleset, r.version AS ruleset_version,
               s.interaction_at, s.channel, s.activity, s.site, s.evaluator_kind, s.is_expert
        FROM evaluation_scores s JOIN rulesets r USING (ruleset_id)
        WHERE {_where(conds)}
        ORDER BY s.interaction_at, s.evaluation_id
    """
    return sql, params


def _scorecard_measures(aggregate: str) -> str:
    quality = (
        "avg(score)"
        if aggregate == "mean"
        else "100.0 * sum(score_num) FILTER (WHERE score IS NOT NULL) "
        "/ nullif(sum(score_den) FILTER (WHERE score IS NOT NULL), 0)"
    )
    return f"""
        {quality} AS quality_score,
        100.0 * sum(critical_num) FILTER (WHERE score IS NOT NULL)
            / nullif(sum(critical_den) FILTER (WHERE score IS NOT NULL), 0) AS critical_score,
        100.0 * count_if(fatal_failed AND score IS NOT NULL) / nullif(count(score), 0) AS fatal_rate,
        count(score) AS n_evaluations
    """


def agent_scorecards(con: duckdb.DuckDBPyConnection, f: Filters) -> tuple[str, list]:
    rid = resolve_ruleset_id(con, f.ruleset)
    name, version, settings = _ruleset_row(con, rid)
    conds, params = _equal("", ("period", f.period), ("agent_id", f.agent))
    conds, params = ["ruleset_id = ?", "NOT is_calibration", *conds], [rid, *params]
    team_filter = ""
    if f.team is not None:
        team_filter = "WHERE team = ?"
        params.append(f.team)
    sql = f"""
        SELECT * FROM (
            SELECT agent_id, arg_max(team, interaction_at) AS team, period,
                   {_scorecard_measures(settings["scoring"]["aggregate"])},
                   {lit(name)} AS ruleset, {lit(version)} AS ruleset_version,
                   any_value(agent_name) AS agent_name, count(*) AS n_counted
            FROM evaluation_scores WHERE {_where(conds)}
            GROUP BY agent_id, period
        ) {team_filter}
        ORDER BY period, agent_id
    """
    return sql, params


def team_scorecards(con: duckdb.DuckDBPyConnection, f: Filters) -> tuple[str, list]:
    rid = resolve_ruleset_id(con, f.ruleset)
    name, version, settings = _ruleset_row(con, rid)
    conds, params = _equal("", ("period", f.period), ("team", f.team), ("agent_id", f.agent))
    conds, params = ["ruleset_id = ?", "NOT is_calibration", *conds], [rid, *params]
    sql = f"""
        SELECT team, period, {_scorecard_measures(settings["scoring"]["aggregate"])},
               count(DISTINCT agent_id) AS n_agents,
               {lit(name)} AS ruleset, {lit(version)} AS ruleset_version
        FROM evaluation_scores WHERE {_where(conds)}
        GROUP BY team, period
        ORDER BY period, team
    """
    return sql, params


def mastery_sql(score: str, n_evaluations: str, mastery: dict) -> str:
    """scoring.md §5, thresholds from the ruleset."""
    return f"""CASE WHEN {n_evaluations} < {int(mastery["min_evaluations"])} THEN 'insufficient_evidence'
                    WHEN {score} >= {float(mastery["acquired"])!r} THEN 'acquired'
                    WHEN {score} >= {float(mastery["developing"])!r} THEN 'developing'
                    ELSE 'not_acquired' END"""


def competency_scores(con: duckdb.DuckDBPyConnection, f: Filters) -> tuple[str, list]:
    rid = resolve_ruleset_id(con, f.ruleset)
    name, version, settings = _ruleset_row(con, rid)
    conds, params = _equal("c.", ("period", f.period), ("agent_id", f.agent))
    conds, params = ["c.ruleset_id = ?", *conds], [rid, *params]
    team_cond = ""
    if f.team is not None:
        team_cond = "AND t.team = ?"
    low, high = wilson_sql("c.n_passed", "c.n_outcomes")
    score = "100.0 * c.sum_wv / nullif(c.sum_w, 0)"
    sql = f"""
        WITH t AS (
            SELECT agent_id, period, arg_max(team, interaction_at) AS team
            FROM evaluation_scores WHERE ruleset_id = ? AND NOT is_calibration
            GROUP BY agent_id, period
        )
        SELECT c.agent_id, c.period, c.competency, {score} AS score,
               100.0 * c.n_passed / c.n_outcomes AS pass_rate, {low} AS ci_low, {high} AS ci_high,
               c.n_outcomes, c.n_passed, c.n_evaluations,
               {mastery_sql(score, "c.n_evaluations", settings["mastery"])} AS mastery,
               {lit(name)} AS ruleset, {lit(version)} AS ruleset_version, t.team
        FROM agent_period_competency c
        LEFT JOIN t ON t.agent_id = c.agent_id AND t.period = c.period
        WHERE {_where(conds)} {team_cond}
        ORDER BY c.period, c.agent_id, c.competency
    """
    params = [rid] + params + ([f.team] if f.team is not None else [])
    return sql, params


def rule_outcomes(con: duckdb.DuckDBPyConnection, f: Filters) -> tuple[str, list]:
    rid = resolve_ruleset_id(con, f.ruleset)
    ruleset = stored_ruleset(con, rid)
    conds = []
    if f.period is not None:
        conds.append(f"strftime(interaction_at, '%Y-%m') = {lit(f.period)}")
    if f.agent is not None:
        conds.append(f"agent_id = {lit(f.agent)}")
    if f.team is not None:
        conds.append(f"team = {lit(f.team)}")
    inner = rule_outcomes_sql(con, ruleset, " AND ".join(conds) or None)
    sql = f"""
        SELECT evaluation_id, rule_id, competency, criterion, outcome, value, weight, critical, fatal, comment
        FROM ({inner}) ORDER BY evaluation_id, position
    """
    return sql, []


def rejects(con: duckdb.DuckDBPyConnection, f: Filters) -> tuple[str, list]:
    return (
        'SELECT file, line, "column", value, reason, imported_at FROM rejects ORDER BY imported_at, file, line',
        [],
    )


def imports(con: duckdb.DuckDBPyConnection, f: Filters) -> tuple[str, list]:
    return (
        (
            "SELECT file, sha256, rows, new, replaced, unchanged, rejected, skipped, profile, imported_at, "
            "size_bytes, format, encoding, delimiter FROM imports ORDER BY imported_at, import_id"
        ),
        [],
    )


TABLES: dict[str, Callable[[duckdb.DuckDBPyConnection, Filters], tuple[str, list]]] = {
    "evaluation_scores": evaluation_scores,
    "rule_outcomes": rule_outcomes,
    "agent_scorecards": agent_scorecards,
    "competency_scores": competency_scores,
    "team_scorecards": team_scorecards,
    "rejects": rejects,
    "imports": imports,
}
