"""Which evaluations the calibration tables read, and their rule outcomes.

Every table here compares evaluations of the *same interaction* (or the same agent and
month) by different evaluators, so they share three decisions:

* the evaluator's kind: ``evaluator_kind`` as imported, else ``auto`` when ``evaluator_id`` is
  ``auto`` (data.md: the id automatic evaluations carry), else ``human``;
* one evaluation per (interaction, evaluator): an evaluator who re-scored a call counts once,
  with their latest evaluation (``evaluated_at``, then ``evaluation_id``), so re-work is not
  read as agreement with oneself;
* the range: the month (``period``) or the dates of the interaction.

Outcomes per (evaluation, rule) are not stored; they are recomputed for the selected
evaluations with :func:`scorecard.scoring.rule_outcomes_sql`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import pandas as pd

from scorecard.scoring import rule_outcomes_sql, stored_ruleset

KIND_SQL = (
    "coalesce(lower(nullif(trim(s.evaluator_kind), '')), "
    "CASE WHEN lower(s.evaluator_id) = 'auto' THEN 'auto' ELSE 'human' END)"
)


@dataclass(frozen=True)
class Range:
    """A selection of evaluation results: one ruleset's, optionally one month or a date range."""

    ruleset_id: int
    period: str | None = None
    date_from: date | str | None = None
    date_to: date | str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def where(self, alias: str = "s") -> str:
        """Conditions on ``evaluation_scores`` (aliased ``alias``) with named parameters."""
        conds = [f"{alias}.ruleset_id = $ruleset_id"]
        if self.period is not None:
            conds.append(f"{alias}.period = $period")
        if self.date_from is not None:
            conds.append(f"CAST({alias}.interaction_at AS DATE) >= CAST($date_from AS DATE)")
        if self.date_to is not None:
            conds.append(f"CAST({alias}.interaction_at AS DATE) <= CAST($date_to AS DATE)")
        return " AND ".join(conds)

    def params(self) -> dict[str, Any]:
        """Exactly the named parameters :meth:`where` uses (DuckDB refuses unused ones), plus extras."""
        named = {"ruleset_id": self.ruleset_id, "period": self.period,
                 "date_from": self.date_from, "date_to": self.date_to}
        return {k: v for k, v in named.items() if v is not None or k == "ruleset_id"} | self.extra


def latest_evaluations_sql(rng: Range, *, kind: str | None = None, having: str | None = None) -> str:
    """One row per (interaction, evaluator) in the range: the evaluator's latest evaluation of
    that interaction, with its kind, flags and score. ``kind`` keeps one kind of evaluator;
    ``having`` (an aggregate over the range's rows of ``evaluation_scores AS s``, every kind)
    keeps only the interactions that satisfy it, decided before the costlier de-duplication
    so that a million production evaluations are not ranked to find a few hundred calls."""
    conds = [rng.where("s"), "s.evaluator_id IS NOT NULL"]
    if having is not None:
        conds.append(
            f"s.interaction_id IN (SELECT s.interaction_id FROM evaluation_scores AS s "
            f"WHERE {' AND '.join(conds)} GROUP BY s.interaction_id HAVING {having})"
        )
    if kind is not None:
        conds.append(f"{KIND_SQL} = '{_kind(kind)}'")
    return f"""
        SELECT s.evaluation_id, s.interaction_id, s.agent_id, s.team, s.period, s.interaction_at,
               s.evaluator_id, {KIND_SQL} AS evaluator_kind, s.is_calibration, s.is_expert,
               s.score, e.evaluated_at
        FROM evaluation_scores AS s LEFT JOIN evaluations AS e ON e.evaluation_id = s.evaluation_id
        WHERE {" AND ".join(conds)}
        QUALIFY row_number() OVER (PARTITION BY s.interaction_id, s.evaluator_id
                                   ORDER BY e.evaluated_at DESC NULLS LAST, s.evaluation_id DESC) = 1"""


#: Interactions that may hold a calibration session (exactly decided after de-duplication).
TWO_HUMANS = f"count(*) FILTER (WHERE {KIND_SQL} = 'human') >= 2"
#: Interactions scored by both an automatic and a human evaluator.
BOTH_KINDS = f"bool_or({KIND_SQL} = 'auto') AND bool_or({KIND_SQL} = 'human')"


def calibration_evaluations_sql(rng: Range) -> str:
    """Human evaluations of interactions that at least two human evaluators scored: calibration
    sessions (``is_calibration``) and production double scoring alike (scoring.md §6)."""
    return f"""
        SELECT * FROM ({latest_evaluations_sql(rng, kind="human", having=TWO_HUMANS)}) AS h
        QUALIFY count(*) OVER (PARTITION BY interaction_id) >= 2"""


#: Columns of the selected evaluations every ``co`` row carries (kept narrow: ``co`` has one
#: row per evaluation and rule).
CARRIED = ("evaluation_id", "interaction_id", "agent_id", "period", "evaluator_id", "is_expert")


def with_outcomes(
    con: duckdb.DuckDBPyConnection, rng: Range, selection_sql: str, carry: tuple[str, ...] = CARRIED
) -> str:
    """CTE definitions (to follow ``WITH``): ``sel`` the selected evaluations and ``co`` one row
    per (selected evaluation, rule) with the ``carry`` columns of ``sel``, the rule's kind,
    outcome, value and ``passed`` (1 pass, 0 fail, NULL na)."""
    ruleset = stored_ruleset(con, rng.ruleset_id)
    outcomes = rule_outcomes_sql(con, ruleset, "evaluation_id IN (SELECT evaluation_id FROM sel)")
    carried = ", ".join(f"sel.{c}" for c in carry)
    return f"""
        sel AS ({selection_sql}),
        rules AS (SELECT rule_id, position, kind AS rule_kind FROM ruleset_rules WHERE ruleset_id = $ruleset_id),
        co AS (
            SELECT {carried}, o.rule_id, r.position, o.competency, o.criterion, r.rule_kind, o.outcome, o.value,
                   CASE o.outcome WHEN 'pass' THEN 1 WHEN 'fail' THEN 0 END AS passed
            FROM sel JOIN ({outcomes}) AS o ON o.evaluation_id = sel.evaluation_id
                     JOIN rules AS r ON r.rule_id = o.rule_id)"""


def ruleset_label(con: duckdb.DuckDBPyConnection, ruleset_id: int) -> tuple[str, str]:
    """(name, version) of a scored ruleset, for the ``ruleset``/``ruleset_version`` columns.
    ``fetchall``: a result left half-read blocks the connection for the caller's next query."""
    rows = con.execute("SELECT name, version FROM rulesets WHERE ruleset_id = ?", [ruleset_id]).fetchall()
    return (str(rows[0][0]), str(rows[0][1])) if rows else ("", "")


def fetch(con: duckdb.DuckDBPyConnection, sql: str, rng: Range) -> pd.DataFrame:
    """Run one of this package's queries on its own cursor (the dashboard shares its connection
    between threads, the CLI goes on using it) and return a DataFrame with the ruleset columns
    appended."""
    cur = con.cursor()
    try:
        df = cur.execute(sql, rng.params()).df()
        name, version = ruleset_label(cur, rng.ruleset_id)
    finally:
        cur.close()
    df["ruleset"] = name
    df["ruleset_version"] = version
    return df


def _kind(kind: str) -> str:
    if kind not in {"human", "auto", "self"}:
        raise ValueError(f"unknown evaluator kind {kind!r}")
    return kind
