"""Derived lookups the scoped data layer reads, rebuilt from the scoring results.

* ``access_agent_period``: one row per (ruleset, agent, month): the agent's name, team and
  site that month (those of the latest counted evaluation, as cli.md defines an agent's
  team) and the sums behind the quality, critical and fatal figures. Team leaders' scope is
  "agents while they are in my teams", which this table answers in a few milliseconds.
* ``access_excluded_rule`` / ``access_excluded_competency``: what evaluations excluded by an
  accepted dispute contributed to the stored aggregates, so pages can subtract it.

They are rebuilt when a ruleset's ``scored_at`` changes or the set of excluded evaluations
changes (``access_state`` remembers both), never on a page view.
"""

from __future__ import annotations

import duckdb

from scorecard.errors import UserError
from scorecard.scoring import rule_outcomes_sql, stored_ruleset
from scorecard.store import transaction

#: Evaluation ids whose dispute was accepted with the evaluation excluded from the figures.
EXCLUDED_IDS_SQL = (
    "SELECT evaluation_id FROM feedback "
    "WHERE kind = 'dispute' AND status = 'accepted' AND resolution = 'excluded'"
)


def _exclusions_hash(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute(f"SELECT coalesce(md5(string_agg(evaluation_id, '|' ORDER BY evaluation_id)), '') FROM ({EXCLUDED_IDS_SQL})").fetchone()
    return str(row[0]) if row else ""


def refresh_derived(con: duckdb.DuckDBPyConnection, *, force: bool = False) -> list[int]:
    """Rebuild the derived tables of every ruleset whose results or exclusions changed.
    Returns the ruleset ids rebuilt."""
    excl = _exclusions_hash(con)
    stale = con.execute(
        """SELECT r.ruleset_id FROM rulesets r LEFT JOIN access_state s USING (ruleset_id)
           WHERE $force OR s.ruleset_id IS NULL OR s.scored_at IS DISTINCT FROM r.scored_at
              OR s.exclusions_hash IS DISTINCT FROM $excl
           ORDER BY r.ruleset_id""",
        {"force": force, "excl": excl},
    ).fetchall()
    rebuilt = [int(r[0]) for r in stale]
    with transaction(con):
        for table in ("access_agent_period", "access_excluded_rule", "access_excluded_competency", "access_state"):
            con.execute(f"DELETE FROM {table} WHERE ruleset_id NOT IN (SELECT ruleset_id FROM rulesets)")
        for rid in rebuilt:
            _rebuild(con, rid, excl)
    return rebuilt


def _rebuild(con: duckdb.DuckDBPyConnection, rid: int, excl_hash: str) -> None:
    for table in ("access_agent_period", "access_excluded_rule", "access_excluded_competency", "access_state"):
        con.execute(f"DELETE FROM {table} WHERE ruleset_id = ?", [rid])
    con.execute(
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
                  FROM evaluation_scores WHERE ruleset_id = ? AND NOT is_calibration)
            GROUP BY ruleset_id, agent_id, period""",
        [rid],
    )
    if excl_hash:
        _exclusion_contributions(con, rid)
    con.execute(
        "INSERT INTO access_state SELECT ruleset_id, scored_at, ?, now()::TIMESTAMP FROM rulesets WHERE ruleset_id = ?",
        [excl_hash, rid],
    )


def _exclusion_contributions(con: duckdb.DuckDBPyConnection, rid: int) -> None:
    """Per (agent, month, rule) and (agent, month, competency): what the excluded evaluations
    added to the stored aggregates, recomputed from their rule outcomes."""
    try:
        ruleset = stored_ruleset(con, rid)
    except UserError:
        return  # a ruleset that no longer rebuilds keeps its figures; scoring reports why
    outcomes = rule_outcomes_sql(con, ruleset, f"NOT is_calibration AND evaluation_id IN ({EXCLUDED_IDS_SQL})")
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
