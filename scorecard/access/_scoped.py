"""THE scoped data layer: every dashboard read goes through :func:`run`, which takes a Scope.

How the scope is enforced
-------------------------
Page queries never name a stored table. They read *scoped relations* (``s_scores``,
``s_competency``, ``s_feedback``...) that :func:`run` defines in front of the query as
common table expressions whose WHERE clause is the signed-in user's scope, with the scope's
values bound as parameters (``$scope_agent``, ``$scope_teams``). Before running, the query
is parsed (sqlglot) and every table it names must be one of the relations the scope opens
(quality-manager-only relations such as ``g_imports`` do not exist for other roles), or a
CTE the query defines itself; anything else, including table functions, is refused.

So an agent who edits the URL, a query parameter, a filter or an export request changes at
most the *arguments* of a query whose rows are already restricted to their own; a bug in a
page cannot widen the scope, because the page has no way to name an unscoped table.

Comparisons with colleagues come from *benchmark* relations (``b_agent_period``,
``b_competency``): no agent id or name, a hashed peer key only, other teams' names masked,
and the functions here only return medians over at least :data:`MIN_PEERS` colleagues.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import duckdb
import pandas as pd
import sqlglot
from sqlglot import exp

from scorecard.access._db import run_callable, run_with_timeout
from scorecard.access._derived import EXCLUDED_IDS_SQL
from scorecard.access._scope import Scope
from scorecard.errors import ScopeError
from scorecard.reports import mastery_sql, wilson_sql
from scorecard.rules import Ruleset
from scorecard.scoring import rule_values_sql, stored_ruleset
from scorecard.store import quote_ident, quote_text

#: A median over fewer colleagues would let an agent work out a colleague's score.
MIN_PEERS = 3
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_LEADING_WITH = re.compile(r"^\s*WITH\s+", re.IGNORECASE)
_RESERVED_PARAMS = ("rid",)


# --------------------------------------------------------------------------- relations
def _member(scope: Scope) -> str:
    """Predicate over ``agent_id`` and ``period`` columns: the (agent, month) pairs in scope."""
    if scope.is_agent:
        return "agent_id = $scope_agent"
    if scope.is_team_leader:
        return (
            "(agent_id, period) IN (SELECT agent_id, period FROM access_agent_period "
            "WHERE ruleset_id = $rid AND list_contains($scope_teams, team))"
        )
    return "true"


def _peer_rows(scope: Scope, alias: str) -> str:
    """Predicate restricting benchmark rows: an agent compares only with their own team(s)."""
    if scope.is_agent:
        return (
            f"({alias}.team, {alias}.period) IN (SELECT team, period FROM access_agent_period "
            "WHERE ruleset_id = $rid AND agent_id = $scope_agent)"
        )
    return "true"


def _peer_team(scope: Scope, col: str) -> str:
    """Team names in benchmarks: a team leader sees other teams only as 'the centre'."""
    if scope.is_team_leader:
        return f"CASE WHEN list_contains($scope_teams, {col}) THEN {col} END"
    return col


def _evaluator(scope: Scope) -> str:
    if not scope.is_agent:
        return "evaluator_id"
    return (
        "CASE WHEN EXISTS (SELECT 1 FROM access_settings WHERE key = 'hide_evaluators' "
        "AND value = 'true') THEN NULL ELSE evaluator_id END"
    )


def _relations(scope: Scope) -> dict[str, str]:
    """The relations a query may read for this scope, in dependency order."""
    member = _member(scope)
    counted = "true" if scope.is_quality_manager else "NOT is_calibration"
    agent_push = "AND agent_id = $scope_agent" if scope.is_agent else ""
    rel: dict[str, str] = {
        "x_excluded": EXCLUDED_IDS_SQL,
        "x_competency": _adjusted("agent_period_competency", "access_excluded_competency", "competency",
                                  ("sum_wv", "sum_w", "n_outcomes", "n_passed", "n_evaluations")),
        "x_rule": _adjusted("agent_period_rule", "access_excluded_rule", "rule_id",
                            ("n_outcomes", "n_passed", "sum_v")),
        "s_scores": (
            f"SELECT * REPLACE ({_evaluator(scope)} AS evaluator_id), "
            f"evaluation_id IN (SELECT evaluation_id FROM x_excluded) AS excluded "
            f"FROM evaluation_scores WHERE ruleset_id = $rid AND {counted} {agent_push} AND {member}"
        ),
        "s_records": (
            "SELECT * FROM (SELECT evaluation_id, agent_id, strftime(interaction_at, '%Y-%m') AS period, "
            f"interaction_at, evaluated_at, {_evaluator(scope)} AS evaluator_id, evaluator_kind, "
            "channel, direction, activity, duration_s, comment, is_calibration "
            f"FROM evaluations WHERE {counted} {agent_push}) WHERE {member}"
        ),
        "s_directory": f"SELECT * FROM access_agent_period WHERE ruleset_id = $rid AND {member}",
        "s_competency": f"SELECT * FROM x_competency WHERE {member}",
        "s_rule": f"SELECT * FROM x_rule WHERE {member}",
        "s_feedback": f"SELECT * FROM feedback WHERE {member}",
        "s_notes": (
            "SELECT * FROM coaching_notes WHERE false" if scope.is_agent else
            "SELECT * FROM coaching_notes WHERE " + (
                "agent_id IN (SELECT agent_id FROM access_agent_period WHERE ruleset_id = $rid "
                "AND list_contains($scope_teams, team))" if scope.is_team_leader else "true"
            )
        ),
        "g_rules": "SELECT * FROM ruleset_rules WHERE ruleset_id = $rid",
        "g_rulesets": (
            "SELECT ruleset_id, name, version, content_hash, settings, scored_at, is_current, "
            "n_evaluations FROM rulesets"
        ),
        "g_settings": "SELECT key, value, updated_at FROM access_settings",
        "b_agent_period": (
            f"SELECT hash(d.agent_id) AS peer, d.period, {_peer_team(scope, 'd.team')} AS team, "
            "d.n_scored, d.sum_score, d.score_num, d.score_den, d.critical_num, d.critical_den, d.n_fatal "
            f"FROM access_agent_period d WHERE d.ruleset_id = $rid AND {_peer_rows(scope, 'd')}"
        ),
        "b_competency": (
            f"SELECT hash(c.agent_id) AS peer, c.period, {_peer_team(scope, 'd.team')} AS team, "
            "c.competency, c.sum_wv, c.sum_w, c.n_outcomes, c.n_passed, c.n_evaluations "
            "FROM x_competency c JOIN access_agent_period d ON d.ruleset_id = $rid "
            f"AND d.agent_id = c.agent_id AND d.period = c.period WHERE {_peer_rows(scope, 'd')}"
        ),
    }
    if scope.is_quality_manager:
        rel.update({
            "q_scores_all": "SELECT * FROM evaluation_scores",
            "q_competency_all": "SELECT * FROM agent_period_competency",
            "q_rules_all": "SELECT * FROM ruleset_rules",
            "q_cube": "SELECT * FROM access_cube WHERE ruleset_id = $rid",
            "q_score_bins": "SELECT * FROM access_score_bins WHERE ruleset_id = $rid",
            "q_evaluator_agents": "SELECT * FROM access_evaluator_agents WHERE ruleset_id = $rid",
            "g_imports": "SELECT * FROM imports",
            "g_rejects": "SELECT * FROM rejects",
        })
    return rel


def _adjusted(table: str, excluded: str, key: str, cols: tuple[str, ...]) -> str:
    """A stored aggregate minus what evaluations excluded by accepted disputes added to it."""
    measures = ", ".join(f"a.{c} - coalesce(e.{c}, 0) AS {c}" for c in cols)
    return (
        f"SELECT a.agent_id, a.period, a.{key}, {measures} FROM {table} a "
        f"LEFT JOIN {excluded} e ON e.ruleset_id = a.ruleset_id AND e.agent_id = a.agent_id "
        f"AND e.period = a.period AND e.{key} = a.{key} "
        f"WHERE a.ruleset_id = $rid AND a.n_outcomes - coalesce(e.n_outcomes, 0) > 0"
    )


@lru_cache(maxsize=1024)
def _tables_and_ctes(sql: str) -> tuple[frozenset[str], frozenset[str]]:
    """Names of the tables a query reads and of the CTEs it defines (lower case)."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    tables: set[str] = set()
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier) or table.args.get("db") or table.args.get("catalog"):
            raise ScopeError(f"dashboard queries may not call table functions or qualified tables: {table.sql()}")
        tables.add(table.name.lower())
    ctes = frozenset(cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE))
    return frozenset(tables), ctes


@lru_cache(maxsize=64)
def _dependencies(scope: Scope) -> dict[str, frozenset[str]]:
    rel = _relations(scope)
    return {
        name: frozenset(other for other in rel if other != name and re.search(rf"\b{other}\b", body))
        for name, body in rel.items()
    }


def _closure(scope: Scope, names: Iterable[str]) -> list[str]:
    deps = _dependencies(scope)
    todo, seen = list(names), set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(deps[name])
    return [name for name in _relations(scope) if name in seen]


def compose(scope: Scope, sql: str, rid: int | None, params: dict[str, object] | None = None,
            trusted: frozenset[str] = frozenset()) -> tuple[str, dict[str, object]]:
    """The full SQL (scoped relations prepended) and its parameters, after checking that
    ``sql`` reads nothing but relations this scope opens."""
    params = dict(params or {})
    for key in params:
        if key.startswith("scope_") or key in _RESERVED_PARAMS:
            raise ScopeError(f"parameter name {key!r} is reserved for the scope")
    tables, ctes = _tables_and_ctes(sql)
    relations = _relations(scope)
    exposed = {n for n in relations if not n.startswith("x_")}
    unknown = tables - ctes - exposed - trusted
    if unknown:
        raise ScopeError(
            f"not available to role {scope.role}: {', '.join(sorted(unknown))} / "
            f"non accessible à ce rôle"
        )
    needed = _closure(scope, tables & set(relations))
    if needed:
        prefix = "WITH " + ", ".join(f"{n} AS ({relations[n]})" for n in needed)
        body, merged = _LEADING_WITH.subn("", sql, count=1)
        full = f"{prefix}, {body}" if merged else f"{prefix} {sql}"
    else:
        full = sql
    bound: dict[str, object] = {**params, "rid": rid, "scope_agent": scope.agent_id, "scope_teams": list(scope.teams)}
    used = set(_PARAM.findall(full))
    missing = used - set(bound)
    if missing:
        raise ScopeError(f"missing query parameter(s): {', '.join(sorted(missing))}")
    return full, {k: v for k, v in bound.items() if k in used}


def run(con: duckdb.DuckDBPyConnection, scope: Scope, sql: str, params: dict[str, object] | None = None,
        *, rid: int | None, timeout_s: float | None = None, trusted: frozenset[str] = frozenset()) -> pd.DataFrame:
    """THE door: run a page query over the scoped relations of ``scope`` (see module doc)."""
    full, bound = compose(scope, sql, rid, params, trusted)
    return run_with_timeout(con, full, bound, timeout_s)


# --------------------------------------------------------------------------- rulesets
@dataclass(frozen=True)
class RulesetInfo:
    ruleset_id: int
    name: str
    version: str
    aggregate: str
    mastery: dict
    scored_at: str
    n_evaluations: int
    content_hash: str = ""
    referential: str = "reac_crcd_2015"

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"


def rulesets(con: duckdb.DuckDBPyConnection, scope: Scope) -> list[RulesetInfo]:
    """Scored rulesets, the current one first."""
    df = run(con, scope, "SELECT * FROM g_rulesets ORDER BY is_current DESC, scored_at DESC", rid=None)
    out = []
    for row in df.itertuples(index=False):
        settings = json.loads(row.settings)
        out.append(RulesetInfo(
            ruleset_id=int(row.ruleset_id), name=row.name, version=row.version,
            aggregate=settings["scoring"]["aggregate"], mastery=settings["mastery"],
            scored_at=str(row.scored_at)[:16], n_evaluations=int(row.n_evaluations or 0),
            content_hash=str(row.content_hash or ""), referential=settings.get("referential", "reac_crcd_2015"),
        ))
    return out


def _quality(aggregate: str) -> str:
    """Quality score of summed directory rows (scoring.md §4, mean or pooled)."""
    if aggregate == "pooled":
        return "100.0 * sum(score_num) / nullif(sum(score_den), 0)"
    return "sum(sum_score) / nullif(sum(n_scored), 0)"


def _measures(aggregate: str) -> str:
    return (
        f"{_quality(aggregate)} AS quality_score, "
        "100.0 * sum(critical_num) / nullif(sum(critical_den), 0) AS critical_score, "
        "sum(n_fatal)::BIGINT AS n_fatal, 100.0 * sum(n_fatal) / nullif(sum(n_scored), 0) AS fatal_rate, "
        "sum(n_scored)::BIGINT AS n_evaluations"
    )


def _competency_measures(mastery: dict, prefix: str = "") -> str:
    """Score, pass rate, Wilson CI and mastery from summed competency rows."""
    score = f"100.0 * {prefix}sum_wv / nullif({prefix}sum_w, 0)"
    low, high = wilson_sql(f"{prefix}n_passed", f"{prefix}n_outcomes")
    return (
        f"{score} AS score, 100.0 * {prefix}n_passed / nullif({prefix}n_outcomes, 0) AS pass_rate, "
        f"{low} AS ci_low, {high} AS ci_high, {prefix}n_outcomes AS n_outcomes, "
        f"{prefix}n_passed AS n_passed, {prefix}n_evaluations AS n_evaluations, "
        f"{mastery_sql(score, f'{prefix}n_evaluations', mastery)} AS mastery"
    )


_SUMS = ("sum(sum_wv) AS sum_wv, sum(sum_w) AS sum_w, sum(n_outcomes) AS n_outcomes, "
         "sum(n_passed) AS n_passed, sum(n_evaluations) AS n_evaluations")
_IN_RANGE = "period BETWEEN coalesce($p_from, '0000-00') AND coalesce($p_to, '9999-99')"


@dataclass(frozen=True)
class Window:
    """What a page shows: a ruleset, a month range (inclusive) and optionally some teams."""

    ruleset: RulesetInfo
    p_from: str | None = None
    p_to: str | None = None
    teams: tuple[str, ...] | None = None

    def params(self, **extra: object) -> dict[str, object]:
        return {"p_from": self.p_from, "p_to": self.p_to, **extra}

    @property
    def rid(self) -> int:
        return self.ruleset.ruleset_id


def _team_filter(window: Window, col: str = "team") -> tuple[str, dict[str, object]]:
    if window.teams is None:
        return "true", {}
    return f"list_contains($teams, {col})", {"teams": list(window.teams)}


# --------------------------------------------------------------------------- everyone
def periods(con: duckdb.DuckDBPyConnection, scope: Scope, rid: int) -> list[str]:
    """Months with counted evaluations in scope, oldest first."""
    df = run(con, scope, "SELECT DISTINCT period FROM s_directory ORDER BY period", rid=rid)
    return [str(p) for p in df["period"]]


def teams_in_scope(con: duckdb.DuckDBPyConnection, scope: Scope, rid: int) -> list[str]:
    df = run(con, scope, "SELECT DISTINCT team FROM s_directory WHERE team IS NOT NULL ORDER BY team", rid=rid)
    return [str(t) for t in df["team"]]


def agents_in_scope(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window) -> pd.DataFrame:
    """agent_id, agent_name, team (latest in the window), for agent pickers."""
    cond, extra = _team_filter(window)
    return run(con, scope, f"""
        SELECT agent_id, arg_max(agent_name, period) AS agent_name, arg_max(team, period) AS team
        FROM s_directory WHERE {_IN_RANGE} AND {cond}
        GROUP BY agent_id ORDER BY agent_name NULLS LAST, agent_id""", window.params(**extra), rid=window.rid)


# --------------------------------------------------------------------------- one agent
def agent_monthly(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window, agent_id: str) -> pd.DataFrame:
    """Per month: the agent's quality, critical score, fatal count, and the team's median
    quality (over at least MIN_PEERS agents of the agent's team that month, else NULL)."""
    agg = window.ruleset.aggregate
    return run(con, scope, f"""
        WITH me AS (
            SELECT period, any_value(team) AS team, {_measures(agg)}
            FROM s_directory WHERE agent_id = $agent AND {_IN_RANGE} GROUP BY period),
        peers AS (
            SELECT period, team, peer, {_quality(agg)} AS q FROM b_agent_period
            WHERE n_scored > 0 AND team IS NOT NULL AND {_IN_RANGE} GROUP BY period, team, peer),
        med AS (SELECT period, team, median(q) AS team_median, count(*) AS n_peers FROM peers GROUP BY period, team)
        SELECT me.*, CASE WHEN med.n_peers >= {MIN_PEERS} THEN med.team_median END AS team_median
        FROM me LEFT JOIN med ON med.period = me.period AND med.team = me.team
        ORDER BY me.period""", window.params(agent=agent_id), rid=window.rid)


def agent_competencies(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window, agent_id: str) -> pd.DataFrame:
    """Per competency over the window: score, pass rate with its 95 % Wilson interval,
    evidence, mastery (scoring.md §5) and the median score of the agent's team."""
    return run(con, scope, f"""
        WITH mine AS (
            SELECT competency, {_SUMS} FROM s_competency
            WHERE agent_id = $agent AND {_IN_RANGE} GROUP BY competency),
        my_teams AS (SELECT DISTINCT team, period FROM s_directory WHERE agent_id = $agent AND {_IN_RANGE}),
        peers AS (
            SELECT peer, competency, 100.0 * sum(sum_wv) / nullif(sum(sum_w), 0) AS s FROM b_competency
            WHERE (team, period) IN (SELECT team, period FROM my_teams) GROUP BY peer, competency),
        med AS (SELECT competency, median(s) AS m, count(*) AS n FROM peers GROUP BY competency)
        SELECT mine.competency, {_competency_measures(window.ruleset.mastery, 'mine.')},
               CASE WHEN med.n >= {MIN_PEERS} THEN med.m END AS team_median
        FROM mine LEFT JOIN med USING (competency) ORDER BY mine.competency""",
        window.params(agent=agent_id), rid=window.rid)


_FEEDBACK_STATE = """
    LEFT JOIN (SELECT evaluation_id, max(created_at) AS acknowledged_at FROM s_feedback
               WHERE kind = 'acknowledge' GROUP BY evaluation_id) ack USING (evaluation_id)
    LEFT JOIN (SELECT evaluation_id, max(created_at) AS disputed_at,
                      arg_max(status, created_at) AS dispute_status,
                      arg_max(resolution, created_at) AS resolution
               FROM s_feedback WHERE kind = 'dispute' GROUP BY evaluation_id) dis USING (evaluation_id)
"""


def agent_evaluations(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window, agent_id: str) -> pd.DataFrame:
    """The agent's evaluations in the window, newest first, with acknowledgement/dispute state."""
    return run(con, scope, f"""
        SELECT s.evaluation_id, s.interaction_at, s.period, s.channel, s.activity, s.evaluator_id,
               s.score, s.score_before_fatal, s.fatal_failed, s.critical_score, s.n_pass, s.n_fail,
               s.n_na, s.excluded, ack.acknowledged_at, dis.disputed_at, dis.dispute_status, dis.resolution
        FROM s_scores s {_FEEDBACK_STATE}
        WHERE s.agent_id = $agent AND s.{_IN_RANGE}
        ORDER BY s.interaction_at DESC, s.evaluation_id""", window.params(agent=agent_id), rid=window.rid)


def evaluation_header(con: duckdb.DuckDBPyConnection, scope: Scope, rid: int, evaluation_id: str) -> pd.DataFrame:
    """One row (or none when the evaluation is outside the scope): the evaluation's facts."""
    return run(con, scope, """
        SELECT s.evaluation_id, s.interaction_id, s.agent_id, s.agent_name, s.team, s.site, s.period,
               s.interaction_at, s.evaluator_id, s.channel, s.activity, s.score, s.score_before_fatal,
               s.fatal_failed, s.critical_score, s.n_pass, s.n_fail, s.n_na, s.excluded,
               s.is_calibration, r.comment, r.direction, r.duration_s, r.evaluated_at, r.evaluator_kind
        FROM s_scores s LEFT JOIN s_records r USING (evaluation_id)
        WHERE s.evaluation_id = $eid""", {"eid": evaluation_id}, rid=rid)


def evaluation_lines(con: duckdb.DuckDBPyConnection, scope: Scope, rid: int, evaluation_id: str) -> pd.DataFrame:
    """Every rule's outcome for one evaluation in scope, with its REAC criterion, weight,
    flags and the evaluator's comment on the item (empty when out of scope).

    The engine's values row (one column per rule, scoring.md §1) is unpivoted here instead of
    running ``rule_outcomes_sql``'s one-branch-per-rule union: the same outcomes, planned in a
    quarter of the time (the page opens an evaluation in ~60 ms on 10M evaluations).
    """
    where = "evaluation_id = $eid AND evaluation_id IN (SELECT evaluation_id FROM s_scores WHERE evaluation_id = $eid)"
    return run(con, scope, _lines_sql(con, stored_ruleset(con, rid), where), {"eid": evaluation_id}, rid=rid,
               trusted=frozenset({"evaluations"}))


def _lines_sql(con: duckdb.DuckDBPyConnection, ruleset: Ruleset, where: str) -> str:
    """SELECT of (position, rule facts, outcome, value, comment) for the evaluations in ``where``."""
    rv = rule_values_sql(con, ruleset, where)
    values, value_columns, extra = rv.sql, ", ".join(rv.value_columns), rv.comment_columns
    pairs = ", ".join(f"({i}, {quote_text(cc)})" for i, ccs in rv.comments.items() for cc in ccs)
    positions = ", ".join(f"({i}, {quote_text(col)})" for i, col in enumerate(rv.value_columns))
    notes = (
        f"""notes AS (SELECT m.position, string_agg(n.txt, ' / ' ORDER BY m.col) AS comment
                      FROM (FROM vals UNPIVOT (txt FOR col IN ({", ".join(quote_ident(x) for x in extra)}))) n
                      JOIN (VALUES {pairs}) m(position, col) USING (col)
                      WHERE n.txt <> '' GROUP BY m.position)"""
        if pairs else "notes AS (SELECT NULL::INTEGER AS position, NULL::VARCHAR AS comment WHERE false)"
    )
    return f"""
        WITH vals AS ({values}),
        v AS (SELECT m.position, u.value
              FROM (FROM vals UNPIVOT INCLUDE NULLS (value FOR vcol IN ({value_columns}))) u
              JOIN (VALUES {positions}) m(position, vcol) USING (vcol)),
        {notes}
        SELECT v.position, r.rule_id, r.competency, r.criterion, r.criterion_fr, r.label_fr, r.label_en,
               CASE WHEN v.value IS NULL THEN 'na' WHEN v.value >= r.pass_mark THEN 'pass' ELSE 'fail' END
                 AS outcome,
               v.value, r.weight, r.critical, r.fatal, notes.comment, r.kind, r.pass_mark
        FROM v JOIN g_rules r ON r.position = v.position LEFT JOIN notes ON notes.position = v.position
        ORDER BY v.position"""


def evaluation_feedback(con: duckdb.DuckDBPyConnection, scope: Scope, rid: int, evaluation_id: str) -> pd.DataFrame:
    """Acknowledgements, disputes and replies on one evaluation in scope, oldest first."""
    return run(con, scope, """
        SELECT feedback_id, kind, comment, created_at, created_by, status, resolution, reply,
               replied_at, replied_by
        FROM s_feedback WHERE evaluation_id = $eid ORDER BY created_at, feedback_id""",
        {"eid": evaluation_id}, rid=rid)


# --------------------------------------------------------------------------- team
def team_agents(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window) -> pd.DataFrame:
    """Per agent in scope over the window: quality, critical, fatal, evaluations, open disputes."""
    cond, extra = _team_filter(window)
    return run(con, scope, f"""
        WITH d AS (SELECT * FROM s_directory WHERE {_IN_RANGE} AND {cond}),
        disputes AS (SELECT agent_id, count(*) AS open_disputes FROM s_feedback
                     WHERE kind = 'dispute' AND status = 'open' GROUP BY agent_id)
        SELECT agent_id, arg_max(agent_name, period) AS agent_name, arg_max(team, period) AS team,
               {_measures(window.ruleset.aggregate)}, coalesce(any_value(open_disputes), 0) AS open_disputes
        FROM d LEFT JOIN disputes USING (agent_id)
        GROUP BY agent_id ORDER BY agent_name NULLS LAST, agent_id""", window.params(**extra), rid=window.rid)


def team_heatmap(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window) -> pd.DataFrame:
    """Agents x competencies over the window: score, mastery and evidence per cell."""
    cond, extra = _team_filter(window)
    return run(con, scope, f"""
        WITH ag AS (
            SELECT agent_id, arg_max(agent_name, period) AS agent_name, arg_max(team, period) AS team
            FROM s_directory WHERE {_IN_RANGE} AND {cond} GROUP BY agent_id),
        comp AS (
            SELECT agent_id, competency, {_SUMS} FROM s_competency
            WHERE {_IN_RANGE} AND (agent_id, period) IN (SELECT agent_id, period FROM s_directory WHERE {_IN_RANGE} AND {cond})
            GROUP BY agent_id, competency)
        SELECT ag.agent_id, ag.agent_name, ag.team, comp.competency,
               {_competency_measures(window.ruleset.mastery, 'comp.')}
        FROM comp JOIN ag USING (agent_id)
        ORDER BY ag.agent_name NULLS LAST, ag.agent_id, comp.competency""", window.params(**extra), rid=window.rid)


def competency_medians(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window) -> pd.DataFrame:
    """Median competency score over agents, per team in scope and for the whole centre
    (``team`` NULL), each over at least MIN_PEERS agents."""
    return run(con, scope, f"""
        WITH peers AS (
            SELECT peer, team, competency, 100.0 * sum(sum_wv) / nullif(sum(sum_w), 0) AS s
            FROM b_competency WHERE {_IN_RANGE} GROUP BY peer, team, competency),
        med AS (
            SELECT competency, team, grouping(team) AS is_centre, median(s) AS median, count(*) AS n_agents
            FROM peers GROUP BY GROUPING SETS ((competency, team), (competency)))
        SELECT competency, CASE WHEN is_centre = 1 THEN NULL ELSE team END AS team,
               is_centre = 1 AS is_centre, median, n_agents
        FROM med WHERE n_agents >= {MIN_PEERS} AND (is_centre = 1 OR team IS NOT NULL)
        ORDER BY is_centre, team, competency""", window.params(), rid=window.rid)


def quality_medians(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window) -> pd.DataFrame:
    """Per month: median agent quality per team in scope and for the centre (``team`` NULL)."""
    agg = window.ruleset.aggregate
    return run(con, scope, f"""
        WITH peers AS (
            SELECT period, team, peer, {_quality(agg)} AS q FROM b_agent_period
            WHERE n_scored > 0 AND {_IN_RANGE} GROUP BY period, team, peer),
        med AS (
            SELECT period, team, grouping(team) AS is_centre, median(q) AS median, count(*) AS n_agents
            FROM peers GROUP BY GROUPING SETS ((period, team), (period)))
        SELECT period, CASE WHEN is_centre = 1 THEN NULL ELSE team END AS team, is_centre = 1 AS is_centre,
               median, n_agents
        FROM med WHERE n_agents >= {MIN_PEERS} AND (is_centre = 1 OR team IS NOT NULL)
        ORDER BY period, is_centre, team""", window.params(), rid=window.rid)


def competency_trends(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window,
                      agent_id: str | None = None) -> pd.DataFrame:
    """Per month and competency (one agent, or every agent in scope pooled)."""
    cond, extra = _team_filter(window)
    agent_cond = "agent_id = $agent" if agent_id is not None else "true"
    params = window.params(**extra, **({"agent": agent_id} if agent_id is not None else {}))
    return run(con, scope, f"""
        SELECT period, competency, {_competency_measures(window.ruleset.mastery, 'c.')}
        FROM (SELECT period, competency, {_SUMS} FROM s_competency
              WHERE {_IN_RANGE} AND {agent_cond}
                AND (agent_id, period) IN (SELECT agent_id, period FROM s_directory WHERE {cond})
              GROUP BY period, competency) c
        ORDER BY period, competency""", params, rid=window.rid)


def weakest_criteria(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window, limit: int = 10) -> pd.DataFrame:
    """REAC criteria with the lowest pass rate in scope over the window (pooled outcomes)."""
    cond, extra = _team_filter(window)
    low, high = wilson_sql("n_passed", "n_outcomes")
    return run(con, scope, f"""
        WITH per_rule AS (
            SELECT rule_id, sum(n_outcomes) AS n_outcomes, sum(n_passed) AS n_passed, sum(sum_v) AS sum_v,
                   count(DISTINCT agent_id) FILTER (WHERE n_passed < n_outcomes) AS agents_failing
            FROM s_rule WHERE {_IN_RANGE}
              AND (agent_id, period) IN (SELECT agent_id, period FROM s_directory WHERE {cond})
            GROUP BY rule_id),
        crit AS (
            SELECT r.competency, r.criterion, any_value(r.criterion_fr) AS criterion_fr,
                   string_agg(r.rule_id, ', ' ORDER BY r.position) AS rules,
                   sum(p.n_outcomes)::BIGINT AS n_outcomes, sum(p.n_passed)::BIGINT AS n_passed,
                   100.0 * sum(r.weight * p.sum_v) / nullif(sum(r.weight * p.n_outcomes), 0) AS score,
                   max(p.agents_failing) AS agents_failing
            FROM per_rule p JOIN g_rules r USING (rule_id) GROUP BY r.competency, r.criterion)
        SELECT *, 100.0 * n_passed / nullif(n_outcomes, 0) AS pass_rate, {low} AS ci_low, {high} AS ci_high
        FROM crit WHERE n_outcomes > 0
        ORDER BY pass_rate, n_outcomes DESC LIMIT $limit""", window.params(**extra, limit=int(limit)), rid=window.rid)


def disputes(con: duckdb.DuckDBPyConnection, scope: Scope, rid: int, *, open_only: bool = True) -> pd.DataFrame:
    """Disputes in scope (open ones first), with the evaluation's score and the agent."""
    return run(con, scope, f"""
        SELECT f.feedback_id, f.evaluation_id, f.agent_id, s.agent_name, s.team, s.interaction_at,
               s.channel, s.activity, s.score, f.comment, f.created_at, f.created_by, f.status,
               f.resolution, f.reply, f.replied_at, f.replied_by
        FROM s_feedback f LEFT JOIN s_scores s USING (evaluation_id)
        WHERE f.kind = 'dispute' {"AND f.status = 'open'" if open_only else ""}
        ORDER BY f.status = 'open' DESC, f.created_at DESC""", {}, rid=rid)


def coaching_notes(con: duckdb.DuckDBPyConnection, scope: Scope, rid: int, agent_id: str) -> pd.DataFrame:
    """Coaching notes about one agent (team leaders and quality managers only), newest first."""
    return run(con, scope, """
        SELECT note_id, period, note, created_at, created_by FROM s_notes
        WHERE agent_id = $agent ORDER BY created_at DESC, note_id DESC""", {"agent": agent_id}, rid=rid)


# --------------------------------------------------------------------------- centre
def centre_kpis(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window) -> pd.DataFrame:
    """One row: quality, critical, fatal, evaluations, agents, teams over the window."""
    cond, extra = _team_filter(window)
    return run(con, scope, f"""
        SELECT {_measures(window.ruleset.aggregate)}, count(DISTINCT agent_id) AS n_agents,
               count(DISTINCT team) AS n_teams, count(DISTINCT site) AS n_sites
        FROM s_directory WHERE {_IN_RANGE} AND {cond}""", window.params(**extra), rid=window.rid)


def centre_breakdown(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window) -> pd.DataFrame:
    """Evaluations, quality, critical and fatal rate by team, site, channel and activity
    (the whole centre: quality managers only)."""
    cond, extra = _team_filter(window)
    return run(con, scope, f"""
        SELECT CASE WHEN grouping(team) = 0 THEN 'team' WHEN grouping(site) = 0 THEN 'site'
                    WHEN grouping(channel) = 0 THEN 'channel' ELSE 'activity' END AS dimension,
               coalesce(CASE WHEN grouping(team) = 0 THEN team WHEN grouping(site) = 0 THEN site
                             WHEN grouping(channel) = 0 THEN channel ELSE activity END, '-') AS value,
               sum(n_scored)::BIGINT AS n_evaluations, {_quality(window.ruleset.aggregate)} AS quality_score,
               100.0 * sum(critical_num) / nullif(sum(critical_den), 0) AS critical_score,
               100.0 * sum(n_fatal) / nullif(sum(n_scored), 0) AS fatal_rate
        FROM q_cube WHERE {_IN_RANGE} AND {cond}
        GROUP BY GROUPING SETS ((team), (site), (channel), (activity))
        ORDER BY dimension, value""", window.params(**extra), rid=window.rid)


def centre_monthly(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window) -> pd.DataFrame:
    """Per month and team in scope: quality, critical, fatal, evaluations, agents."""
    cond, extra = _team_filter(window)
    return run(con, scope, f"""
        SELECT period, team, {_measures(window.ruleset.aggregate)}, count(DISTINCT agent_id) AS n_agents
        FROM s_directory WHERE {_IN_RANGE} AND {cond}
        GROUP BY period, team ORDER BY period, team""", window.params(**extra), rid=window.rid)


def score_distribution(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window) -> pd.DataFrame:
    """Evaluations per 5-point score band (100 falls in the last band), quality managers only."""
    cond, extra = _team_filter(window)
    return run(con, scope, f"""
        SELECT bin_start, sum(n)::BIGINT AS n_evaluations, sum(n_fatal)::BIGINT AS n_fatal
        FROM q_score_bins WHERE {_IN_RANGE} AND {cond}
        GROUP BY bin_start ORDER BY bin_start""", window.params(**extra), rid=window.rid)


def evaluation_scores_table(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window,
                            agent_id: str | None = None, limit: int = 100_000) -> pd.DataFrame:
    """The evaluation_scores export columns (cli.md) in scope, filtered, newest first."""
    cond, extra = _team_filter(window)
    agent_cond = "agent_id = $agent" if agent_id else "true"
    params = window.params(**extra, limit=int(limit), **({"agent": agent_id} if agent_id else {}))
    return run(con, scope, f"""
        SELECT evaluation_id, interaction_id, agent_id, team, period, evaluator_id, is_calibration,
               score, score_before_fatal, fatal_failed, critical_score, n_pass, n_fail, n_na,
               interaction_at, channel, activity, site, excluded
        FROM s_scores WHERE {_IN_RANGE} AND {cond} AND {agent_cond}
        ORDER BY interaction_at DESC, evaluation_id LIMIT $limit""", params, rid=window.rid)


def agent_scorecards(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window) -> pd.DataFrame:
    """Per agent and month in scope (cli.md ``agent_scorecards`` columns; the trend lines)."""
    cond, extra = _team_filter(window)
    return run(con, scope, f"""
        SELECT agent_id, agent_name, team, period, {_measures(window.ruleset.aggregate)}
        FROM s_directory WHERE {_IN_RANGE} AND {cond}
        GROUP BY agent_id, agent_name, team, period ORDER BY period, agent_id""", window.params(**extra), rid=window.rid)


def competency_scores(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window) -> pd.DataFrame:
    """Per agent, month and competency in scope (cli.md ``competency_scores`` columns)."""
    cond, extra = _team_filter(window, "d.team")
    return run(con, scope, f"""
        SELECT c.agent_id, d.team, c.period, c.competency, {_competency_measures(window.ruleset.mastery, 'c.')}
        FROM s_competency c JOIN s_directory d USING (agent_id, period)
        WHERE c.{_IN_RANGE} AND {cond}
        ORDER BY c.period, c.agent_id, c.competency""", window.params(**extra), rid=window.rid)


# --------------------------------------------------------------------------- quality manager
def ruleset_rules(con: duckdb.DuckDBPyConnection, scope: Scope, rid: int) -> pd.DataFrame:
    """The rules of a scored ruleset, in file order."""
    return run(con, scope, """
        SELECT position, rule_id, competency, criterion, criterion_fr, label_fr, label_en, kind, weight,
               competency_weight, pass_mark, critical, fatal, when_sql, value_sql
        FROM g_rules ORDER BY position""", {}, rid=rid)


def compare_rulesets(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window, other: RulesetInfo
                     ) -> dict[str, pd.DataFrame]:
    """Two ruleset versions on the same (counted) evaluations: overall, per team, per
    competency, and what changed rule by rule. ``window.ruleset`` is A, ``other`` is B."""
    params = window.params(ra=window.rid, rb=other.ruleset_id)
    pair = f"""
        WITH a AS (SELECT evaluation_id, team, score, fatal_failed, critical_score FROM q_scores_all
                   WHERE ruleset_id = $ra AND NOT is_calibration AND {_IN_RANGE}),
        b AS (SELECT evaluation_id, score, fatal_failed, critical_score FROM q_scores_all
              WHERE ruleset_id = $rb AND NOT is_calibration AND {_IN_RANGE}),
        ab AS (SELECT a.evaluation_id, a.team, a.score AS score_a, b.score AS score_b,
                      a.fatal_failed AS fatal_a, b.fatal_failed AS fatal_b
               FROM a JOIN b USING (evaluation_id))"""
    measures = """count(*) AS n_evaluations, avg(score_a) AS mean_a, avg(score_b) AS mean_b,
                  avg(score_b - score_a) AS mean_delta,
                  count_if(abs(coalesce(score_b, -1) - coalesce(score_a, -1)) > 1e-9) AS n_changed,
                  count_if(fatal_a) AS fatal_a, count_if(fatal_b) AS fatal_b"""
    overall = run(con, scope, f"{pair} SELECT {measures} FROM ab", params, rid=None)
    by_team = run(con, scope, f"{pair} SELECT team, {measures} FROM ab GROUP BY team ORDER BY team", params, rid=None)
    by_competency = run(con, scope, f"""
        WITH c AS (SELECT ruleset_id, competency, 100.0 * sum(sum_wv) / nullif(sum(sum_w), 0) AS score,
                          sum(n_outcomes) AS n_outcomes
                   FROM q_competency_all WHERE ruleset_id IN ($ra, $rb) AND {_IN_RANGE}
                   GROUP BY ruleset_id, competency)
        SELECT coalesce(a.competency, b.competency) AS competency, a.score AS score_a, b.score AS score_b,
               b.score - a.score AS delta, a.n_outcomes AS n_outcomes_a, b.n_outcomes AS n_outcomes_b
        FROM (SELECT * FROM c WHERE ruleset_id = $ra) a
        FULL JOIN (SELECT * FROM c WHERE ruleset_id = $rb) b USING (competency)
        ORDER BY competency""", params, rid=None)
    rules = run(con, scope, """
        WITH a AS (SELECT * FROM q_rules_all WHERE ruleset_id = $ra),
             b AS (SELECT * FROM q_rules_all WHERE ruleset_id = $rb)
        SELECT coalesce(a.rule_id, b.rule_id) AS rule_id, coalesce(a.competency, b.competency) AS competency,
               coalesce(a.criterion, b.criterion) AS criterion,
               CASE WHEN a.rule_id IS NULL THEN 'added' WHEN b.rule_id IS NULL THEN 'removed'
                    WHEN a.value_sql IS DISTINCT FROM b.value_sql OR a.when_sql IS DISTINCT FROM b.when_sql
                      OR a.weight <> b.weight OR a.pass_mark <> b.pass_mark OR a.critical <> b.critical
                      OR a.fatal <> b.fatal OR a.competency_weight <> b.competency_weight
                      OR a.competency IS DISTINCT FROM b.competency OR a.criterion IS DISTINCT FROM b.criterion
                    THEN 'changed' ELSE 'same' END AS change,
               a.weight AS weight_a, b.weight AS weight_b, a.critical AS critical_a, b.critical AS critical_b,
               a.fatal AS fatal_a, b.fatal AS fatal_b, a.value_sql AS value_a, b.value_sql AS value_b,
               a.when_sql AS when_a, b.when_sql AS when_b
        FROM a FULL JOIN b USING (rule_id)
        ORDER BY change = 'same', competency, criterion, rule_id""", {"ra": window.rid, "rb": other.ruleset_id}, rid=None)
    return {"overall": overall, "by_team": by_team, "by_competency": by_competency, "rules": rules}


def evaluators(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window) -> pd.DataFrame:
    """Per evaluator over the window: volume, agents evaluated, mean score, fatal rate
    (counted production evaluations, quality managers only; leniency and calibration come
    from :func:`evaluator_reliability`)."""
    cond, extra = _team_filter(window)
    return run(con, scope, f"""
        WITH volume AS (
            SELECT evaluator_id, any_value(evaluator_kind) AS evaluator_kind, sum(n_scored)::BIGINT AS n_evaluations,
                   sum(sum_score) / sum(n_scored) AS mean_score, 100.0 * sum(n_fatal) / sum(n_scored) AS fatal_rate
            FROM q_cube WHERE {_IN_RANGE} AND {cond} GROUP BY evaluator_id),
        agents AS (
            SELECT evaluator_id, count(DISTINCT agent_id) AS n_agents FROM q_evaluator_agents
            WHERE {_IN_RANGE} AND {cond} GROUP BY evaluator_id)
        SELECT coalesce(volume.evaluator_id, '-') AS evaluator_id, evaluator_kind, n_evaluations, n_agents, mean_score,
               fatal_rate
        FROM volume LEFT JOIN agents ON agents.evaluator_id IS NOT DISTINCT FROM volume.evaluator_id
        ORDER BY n_evaluations DESC, 1""", window.params(**extra), rid=window.rid)


def _whole_centre(scope: Scope) -> None:
    if not scope.is_quality_manager:
        raise ScopeError("reserved to quality managers / réservé au responsable qualité")


def evaluator_reliability(con: duckdb.DuckDBPyConnection, scope: Scope, rid: int,
                          period: str | None = None) -> pd.DataFrame:
    """Leniency versus peers (with its interval) and calibration deviations per evaluator,
    from :mod:`scorecard.calibration` (whole-centre figures: quality managers only)."""
    from scorecard.calibration import evaluators_table

    _whole_centre(scope)
    return run_callable(con, lambda cur: evaluators_table(cur, rid, period=period))


def calibration_agreement(con: duckdb.DuckDBPyConnection, scope: Scope, rid: int,
                          period: str | None = None) -> pd.DataFrame:
    """Inter-rater agreement per calibration interaction and rule (quality managers only)."""
    from scorecard.calibration import calibration_table

    _whole_centre(scope)
    return run_callable(con, lambda cur: calibration_table(cur, rid, period=period))


def imports_log(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    """The import log, newest first (quality managers only)."""
    return run(con, scope, """
        SELECT import_id, file, rows, new, replaced, unchanged, rejected, skipped, profile, format,
               encoding, delimiter, size_bytes, sha256, imported_at
        FROM g_imports ORDER BY imported_at DESC, import_id DESC""", {}, rid=None)


def rejects_table(con: duckdb.DuckDBPyConnection, scope: Scope, import_id: int | None = None) -> pd.DataFrame:
    """Rejected rows (of one import, or all), quality managers only."""
    cond = "import_id = $imp" if import_id is not None else "true"
    params = {"imp": int(import_id)} if import_id is not None else {}
    return run(con, scope, f"""
        SELECT import_id, file, line, "column", value, reason, imported_at FROM g_rejects
        WHERE {cond} ORDER BY imported_at DESC, file, line""", params, rid=None)


def setting(con: duckdb.DuckDBPyConnection, scope: Scope, key: str) -> str | None:
    df = run(con, scope, "SELECT value FROM g_settings WHERE key = $key", {"key": key}, rid=None)
    return None if df.empty else str(df["value"].iloc[0])
