"""Schema of the scorecard database (docs/architecture.md lists every table)."""

from __future__ import annotations

import duckdb

#: Canonical evaluation columns (data.md) with their DuckDB types, in table order.
CANONICAL_COLUMNS: dict[str, str] = {
    "evaluation_id": "VARCHAR",
    "interaction_id": "VARCHAR",
    "agent_id": "VARCHAR",
    "interaction_at": "TIMESTAMP",
    "agent_name": "VARCHAR",
    "team": "VARCHAR",
    "site": "VARCHAR",
    "evaluator_id": "VARCHAR",
    "evaluator_kind": "VARCHAR",
    "evaluated_at": "TIMESTAMP",
    "channel": "VARCHAR",
    "direction": "VARCHAR",
    "activity": "VARCHAR",
    "duration_s": "DOUBLE",
    "is_calibration": "BOOLEAN",
    "is_expert": "BOOLEAN",
    "comment": "VARCHAR",
}

#: Columns every record must have (evaluation_id may be derived, data.md).
REQUIRED_COLUMNS: tuple[str, ...] = ("interaction_id", "agent_id", "interaction_at")

_INTERNAL_PREFIX = "_"

_DDL = [
    """CREATE TABLE IF NOT EXISTS evaluations (
        evaluation_id VARCHAR NOT NULL,
        interaction_id VARCHAR NOT NULL,
        agent_id VARCHAR NOT NULL,
        interaction_at TIMESTAMP NOT NULL,
        agent_name VARCHAR, team VARCHAR, site VARCHAR,
        evaluator_id VARCHAR, evaluator_kind VARCHAR, evaluated_at TIMESTAMP,
        channel VARCHAR, direction VARCHAR, activity VARCHAR,
        duration_s DOUBLE,
        is_calibration BOOLEAN NOT NULL DEFAULT false,
        is_expert BOOLEAN NOT NULL DEFAULT false,
        comment VARCHAR,
        _import_id BIGINT,
        _row_hash VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS imports (
        import_id BIGINT, file VARCHAR, size_bytes BIGINT, sha256 VARCHAR,
        rows BIGINT, new BIGINT, replaced BIGINT, unchanged BIGINT, rejected BIGINT,
        skipped BIGINT, profile VARCHAR, format VARCHAR, encoding VARCHAR,
        delimiter VARCHAR, imported_at TIMESTAMP
    )""",
    """CREATE TABLE IF NOT EXISTS rejects (
        import_id BIGINT, file VARCHAR, line BIGINT, "column" VARCHAR, value VARCHAR,
        reason VARCHAR, imported_at TIMESTAMP
    )""",
    """CREATE TABLE IF NOT EXISTS rulesets (
        ruleset_id INTEGER, name VARCHAR, version VARCHAR, content_hash VARCHAR,
        settings JSON, source VARCHAR, scored_at TIMESTAMP, is_current BOOLEAN,
        n_evaluations BIGINT, warnings JSON
    )""",
    """CREATE TABLE IF NOT EXISTS ruleset_rules (
        ruleset_id INTEGER, position INTEGER, rule_id VARCHAR, competency VARCHAR,
        criterion INTEGER, criterion_fr VARCHAR, label_fr VARCHAR, label_en VARCHAR,
        kind VARCHAR, weight DOUBLE, competency_weight DOUBLE, pass_mark DOUBLE,
        critical BOOLEAN, fatal BOOLEAN, when_sql VARCHAR, value_sql VARCHAR,
        columns VARCHAR[]
    )""",
    """CREATE TABLE IF NOT EXISTS evaluation_scores (
        ruleset_id INTEGER, evaluation_id VARCHAR, interaction_id VARCHAR, agent_id VARCHAR,
        agent_name VARCHAR, team VARCHAR, site VARCHAR, period VARCHAR,
        interaction_at TIMESTAMP, evaluator_id VARCHAR, evaluator_kind VARCHAR,
        channel VARCHAR, activity VARCHAR, is_calibration BOOLEAN, is_expert BOOLEAN,
        score DOUBLE, score_before_fatal DOUBLE, fatal_failed BOOLEAN,
        critical_score DOUBLE, n_pass INTEGER, n_fail INTEGER, n_na INTEGER,
        score_num DOUBLE, score_den DOUBLE, critical_num DOUBLE, critical_den DOUBLE
    )""",
    """CREATE TABLE IF NOT EXISTS agent_period_rule (
        ruleset_id INTEGER, agent_id VARCHAR, period VARCHAR, rule_id VARCHAR,
        n_outcomes BIGINT, n_passed BIGINT, sum_v DOUBLE
    )""",
    """CREATE TABLE IF NOT EXISTS agent_period_competency (
        ruleset_id INTEGER, agent_id VARCHAR, period VARCHAR, competency VARCHAR,
        sum_wv DOUBLE, sum_w DOUBLE, n_outcomes BIGINT, n_passed BIGINT,
        n_evaluations BIGINT
    )""",
]


def quote_ident(name: str) -> str:
    """Quote an identifier for DuckDB (column names come from files and profiles)."""
    return '"' + name.replace('"', '""') + '"'


def quote_text(value: str) -> str:
    """Quote a text literal for DuckDB, for SQL assembled from checked or internal values."""
    return "'" + value.replace("'", "''") + "'"


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables. Idempotent; cheap enough to run on every read-write open."""
    for ddl in _DDL:
        con.execute(ddl)


def evaluation_columns(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """All user-visible columns of ``evaluations`` with their DuckDB types, in table order."""
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = 'evaluations' AND table_schema = 'main' ORDER BY ordinal_position"
    ).fetchall()
    return {name: typ for name, typ in rows if not name.startswith(_INTERNAL_PREFIX)}


def observation_columns(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Stored observation columns (neither canonical, internal nor ``__comment`` siblings)."""
    return {
        name: typ
        for name, typ in evaluation_columns(con).items()
        if name not in CANONICAL_COLUMNS and not name.endswith("__comment")
    }
