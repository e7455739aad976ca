"""Derived lookups the scoped data layer reads, rebuilt from the scoring results.

* ``access_agent_period``: one row per (ruleset, agent, month): the agent's name, team and
  site that month (those of the latest counted evaluation, as cli.md defines an agent's
  team) and the sums behind the quality, critical and fatal figures. Team leaders' scope is
  "agents while they are in my teams", which this table answers in a few milliseconds.
* ``access_excluded_rule`` / ``access_excluded_competency``: what evaluations excluded by an
  accepted dispute contributed to the stored aggregates, so pages can subtract it.

* ``access_cube``, ``access_score_bins``, ``access_evaluator_agents``: the whole centre's
  counted evaluations summed by month, team, site, channel, activity and evaluator (and score
  band; evaluator x agent), so the quality manager's overview reads thousands of rows, not
  millions.

They are rebuilt when a ruleset's ``scored_at`` changes or the set of excluded evaluations
changes (``access_state`` remembers both), never on a page view.
"""

from __future__ import annotations

import duckdb

from scorecard.errors import UserError
from scorecard.scoring import rule_outcomes_sql, stored_ruleset
from scorecard.store import quote_text as lit
from scorecard.store import transaction

#: Evaluation ids whose dispute was accepted with the evaluation excluded from the figures.
EXCLUDED_IDS_SQL = (
    "SELECT evaluation_id FROM feedback "
    "WHERE kind = 'dispute' AND status = 'accepted' AND resolution = 'excluded'"
)


#: Bumped whenever the derived tables change shape or meaning: older copies are rebuilt.
DERIVED_VERSION = 2


def _state_key(con: duckdb.DuckDBPyConnection) -> str:
    """What the derived tables were built from besides the scores: their version and the
    set of excluded evaluations."""
    row = con.execute(
        f"SELECT coalesce(md5(string_agg(evaluation_id, '|' ORDER BY evaluation_id)), '') FROM ({EXCLUDED_IDS_SQL})"
    ).fetchone()
    return f"v{DERIVED_VERSION}:{row[0] if row else ''}"


DERIVED_TABLES = (
    "access_agent_period", "access_excluded_rule", "access_excluded_competency", "access_cube",
    "access_score_bins", "access_evaluator_agents", "access_state",
)


def refresh_derived(con: duckdb.DuckDBPyConnection, *, force: bool = False) -> list[int]:
    """Rebuild the derived tables of every ruleset whose results or exclusions changed.
    Returns the ruleset ids rebuilt."""
    key = _state_key(con)
    stale = con.execute(
        """SELECT r.ruleset_id FROM rulesets r LEFT JOIN access_state s USING (ruleset_id)
           WHERE $force OR s.ruleset_id IS NULL OR s.scored_at IS DISTINCT FROM r.scored_at
              OR s.exclusions_hash IS DISTINCT FROM $key
           ORDER BY r.ruleset_id""",
        {"force": force, "key": key},
    ).fetchall()
    rebuilt = [int(r[0]) for r in stale]
    with transaction(con):
        for table in DERIVED_TABLES:
            con.execute(f"DELETE FROM {table} WHERE ruleset_id NOT IN (SELECT ruleset_id FROM rulesets)")
        for rid in rebuilt:
            _rebuild(con, rid, key, None)
    return rebuilt


def refresh_after_exclusion(con: duckdb.DuckDBPyConnection, evaluation_id: str) -> None:
    """An evaluation was just excluded (accepted dispute): rebuild only the rows it touches,
    its agent's months and its team's month, in every ruleset whose tables are up to date
    (the others get the full rebuild at the next :func:`refresh_derived`)."""
    key = _state_key(con)
    fresh = con.execute(
        """SELECT r.ruleset_id FROM rulesets r JOIN access_state s USING (ruleset_id)
           WHERE s.scored_at IS NOT DISTINCT FROM r.scored_at
             AND split_part(s.exclusions_hash, ':', 1) = split_part($key, ':', 1)""",
        {"key": key},
    ).fetchall()
    with transaction(con):
        for (rid,) in fresh:
            _rebuild(con, int(rid), key, evaluation_id)
    refresh_derived(con)


#: Rows of each table that one evaluation contributes to ($agent: its agent; $period, $team: its cell).
_AGENT_ROWS = "agent_id = $agent"
_CELL_ROWS = "period = $period AND team IS NOT DISTINCT FROM $team"


def _run(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]) -> None:
    """Execute with the named parameters the statement uses (DuckDB refuses extra ones)."""
    con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})


def _rebuild(con: duckdb.DuckDBPyConnection, rid: int, key: str, evaluation_id: str | None) -> None:
    """Rebuild one ruleset's derived rows: all of them, or those of one evaluation's agent and cell."""
    params: dict[str, object] = {"rid": rid}
    agent_rows = cell_rows = "true"
    if evaluation_id is not None:
        row = con.execute(
            "SELECT agent_id, period, team FROM evaluation_scores WHERE ruleset_id = ? AND evaluation_id = ?",
            [rid, evaluation_id],
        ).fetchone()
        if row is not None:
            params.update(agent=row[0], period=row[1], team=row[2])
            agent_rows, cell_rows = _AGENT_ROWS, _CELL_ROWS
    for table in DERIVED_TABLES:
        rows = agent_rows if table == "access_agent_period" else cell_rows
        if table in ("access_excluded_rule", "access_excluded_competency", "access_state"):
            rows = "true"  # small: always recomputed whole
        _run(con, f"DELETE FROM {table} WHERE ruleset_id = $rid AND {rows}", params)
    if evaluation_id is None or "agent" in params:
        _agent_period(con, params, agent_rows)
        _centre_tables(con, params, cell_rows)
    if not key.endswith(":"):  # some evaluations are excluded
        _exclusion_contributions(con, rid)
    con.execute(
        "INSERT INTO access_state SELECT ruleset_id, scored_at, ?, now()::TIMESTAMP FROM rulesets WHERE ruleset_id = ?",
        [key, rid],
    )


def _agent_period(con: duckdb.DuckDBPyConnection, params: dict[str, object], rows: str) -> None:
    _run(
        con,
        f"""INSERT INTO access_agent_period
            SELECT ruleset_id, agent_id, period,
                   arg_max(agent_name, interaction_at), arg_max(team, interaction_at),
                   arg_max(site, interaction_at),
                   count(*) FILTER (WHERE NOT excluded),
                   count(score) FILTER (WHERE NOT excluded),
                   sum(score) FILTER (WHERE NOT excluded),
                   sum(score_num) FILTER (WHERE score IS NOT NULL AND NOT excluded),
                   sum(score_den) FILTER (WHERE score IS NOT NULL AND NOT excluded),
                   sum(critical_num) FILTER (WHERE score IS NOT NULL AND NOT excluded),
                   sum(critical_den) FILTER (WHERE score IS NOT NULL AND NOT excluded),
                   count_if(fatal_failed AND score IS NOT NULL AND NOT excluded)
            FROM (SELECT *, evaluation_id IN ({EXCLUDED_IDS_SQL}) AS excluded
                  FROM evaluation_scores WHERE ruleset_id = $rid AND NOT is_calibration AND {rows})
            GROUP BY ruleset_id, agent_id, period""",
        params,
    )


def _centre_tables(con: duckdb.DuckDBPyConnection, params: dict[str, object], rows: str) -> None:
    """Counted, scored, non-excluded evaluations summed for the centre overview and evaluators."""
    counted = (
        f"FROM evaluation_scores WHERE ruleset_id = $rid AND NOT is_calibration AND score IS NOT NULL "
        f"AND {rows} AND evaluation_id NOT IN ({EXCLUDED_IDS_SQL})"
    )
    _run(con, f"""INSERT INTO access_cube
                  SELECT $rid, period, team, site, channel, activity, evaluator_id, any_value(evaluator_kind),
                         count(*), sum(score), sum(score_num), sum(score_den), sum(critical_num),
                         sum(critical_den), count_if(fatal_failed)
                  {counted} GROUP BY period, team, site, channel, activity, evaluator_id""", params)
    _run(con, f"""INSERT INTO access_score_bins
                  SELECT $rid, period, team, least(floor(score / 5) * 5, 95)::INTEGER AS bin_start, count(*),
                         count_if(fatal_failed)
                  {counted} GROUP BY period, team, bin_start""", params)
    _run(con, f"""INSERT INTO access_evaluator_agents
                  SELECT $rid, period, team, evaluator_id, agent_id, count(*)
                  {counted} GROUP BY period, team, evaluator_id, agent_id""", params)


def _exclusion_contributions(con: duckdb.DuckDBPyConnection, rid: int) -> None:
    """Per (agent, month, rule) and (agent, month, competency): what the excluded evaluations
    added to the stored aggregates, recomputed from their rule outcomes."""
    try:
        ruleset = stored_ruleset(con, rid)
    except UserError:
        return  # a ruleset that no longer rebuilds keeps its figures; scoring reports why
    ids = [r[0] for r in con.execute(EXCLUDED_IDS_SQL).fetchall()]
    if not ids:
        return
    # a literal list (not a sub-query) lets DuckDB skip the evaluations table's row groups
    listed = ", ".join(lit(str(i)) for i in ids)
    outcomes = rule_outcomes_sql(con, ruleset, f"NOT is_calibration AND evaluation_id IN ({listed})")
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _excluded_outcomes AS
            SELECT s.agent_id, s.period, o.evaluation_id, o.rule_id, o.competency, o.outcome,
                   o.value, o.weight
            FROM ({outcomes}) o JOIN evaluation_scores s
              ON s.evaluation_id = o.evaluation_id AND s.ruleset_id = ?""",
        [rid],
    )
    con.execute(
        """INSERT INTO access_excluded_rule
           SELECT ?, agent_id, period, rule_id, count(*) FILTER (WHERE outcome <> 'na'),
                  count_if(outcome = 'pass'), coalesce(sum(value), 0.0)
           FROM _excluded_outcomes GROUP BY agent_id, period, rule_id""",
        [rid],
    )
    con.execute(
        """INSERT INTO access_excluded_competency
           SELECT ?, agent_id, period, competency,
                  coalesce(sum(weight * value) FILTER (WHERE outcome <> 'na'), 0.0),
                  coalesce(sum(weight) FILTER (WHERE outcome <> 'na'), 0.0),
                  count(*) FILTER (WHERE outcome <> 'na'), count_if(outcome = 'pass'),
                  count(DISTINCT evaluation_id) FILTER (WHERE outcome <> 'na')
           FROM _excluded_outcomes GROUP BY agent_id, period, competency""",
        [rid],
    )
    con.execute("DROP TABLE _excluded_outcomes")
