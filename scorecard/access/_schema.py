"""Tables the dashboard owns: users, feedback, coaching notes, settings, derived lookups.

``ensure_access_schema`` is idempotent (``CREATE ... IF NOT EXISTS``) so both the CLI
(``scorecard users``) and the dashboard can call it on every open.

Derived tables (``access_agent_period``, ``access_excluded_*``, ``access_cube``,
``access_score_bins``, ``access_evaluator_agents``, ``access_state``) are rebuilt
from the scoring results by :mod:`scorecard.access._derived`; they exist because the
dashboard's scope needs "which team was this agent in that month" and the figures must
leave out evaluations whose dispute was accepted, in milliseconds on 10M evaluations.
"""

from __future__ import annotations

import duckdb

_DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS users (
        username VARCHAR PRIMARY KEY,
        password_hash VARCHAR NOT NULL,
        role VARCHAR NOT NULL,
        agent_id VARCHAR,
        teams VARCHAR[],
        created_at TIMESTAMP NOT NULL,
        updated_at TIMESTAMP NOT NULL
    )""",
    "CREATE SEQUENCE IF NOT EXISTS feedback_seq START 1",
    """CREATE TABLE IF NOT EXISTS feedback (
        feedback_id BIGINT PRIMARY KEY,
        evaluation_id VARCHAR NOT NULL,
        agent_id VARCHAR NOT NULL,
        period VARCHAR NOT NULL,            -- month of the evaluation (team leaders' scope)
        kind VARCHAR NOT NULL,              -- acknowledge | dispute
        comment VARCHAR,
        created_at TIMESTAMP NOT NULL,
        created_by VARCHAR NOT NULL,
        status VARCHAR,                     -- disputes: open | accepted | rejected
        resolution VARCHAR,                 -- accepted disputes: excluded | corrected
        reply VARCHAR,
        replied_at TIMESTAMP,
        replied_by VARCHAR
    )""",
    "CREATE SEQUENCE IF NOT EXISTS coaching_note_seq START 1",
    """CREATE TABLE IF NOT EXISTS coaching_notes (
        note_id BIGINT PRIMARY KEY,
        agent_id VARCHAR NOT NULL,
        period VARCHAR,
        note VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        created_by VARCHAR NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS access_settings (
        key VARCHAR PRIMARY KEY, value VARCHAR, updated_at TIMESTAMP, updated_by VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS access_agent_period (
        ruleset_id INTEGER, agent_id VARCHAR, period VARCHAR, agent_name VARCHAR,
        team VARCHAR, site VARCHAR, n_counted BIGINT, n_scored BIGINT, sum_score DOUBLE,
        score_num DOUBLE, score_den DOUBLE, critical_num DOUBLE, critical_den DOUBLE,
        n_fatal BIGINT
    )""",
    """CREATE TABLE IF NOT EXISTS access_excluded_rule (
        ruleset_id INTEGER, agent_id VARCHAR, period VARCHAR, rule_id VARCHAR,
        n_outcomes BIGINT, n_passed BIGINT, sum_v DOUBLE
    )""",
    """CREATE TABLE IF NOT EXISTS access_excluded_competency (
        ruleset_id INTEGER, agent_id VARCHAR, period VARCHAR, competency VARCHAR,
        sum_wv DOUBLE, sum_w DOUBLE, n_outcomes BIGINT, n_passed BIGINT, n_evaluations BIGINT
    )""",
    """CREATE TABLE IF NOT EXISTS access_cube (
        ruleset_id INTEGER, period VARCHAR, team VARCHAR, site VARCHAR, channel VARCHAR,
        activity VARCHAR, evaluator_id VARCHAR, evaluator_kind VARCHAR, n_scored BIGINT,
        sum_score DOUBLE, score_num DOUBLE, score_den DOUBLE, critical_num DOUBLE,
        critical_den DOUBLE, n_fatal BIGINT
    )""",
    """CREATE TABLE IF NOT EXISTS access_score_bins (
        ruleset_id INTEGER, period VARCHAR, team VARCHAR, bin_start INTEGER, n BIGINT, n_fatal BIGINT
    )""",
    """CREATE TABLE IF NOT EXISTS access_evaluator_agents (
        ruleset_id INTEGER, period VARCHAR, team VARCHAR, evaluator_id VARCHAR, agent_id VARCHAR, n BIGINT
    )""",
    """CREATE TABLE IF NOT EXISTS access_state (
        ruleset_id INTEGER PRIMARY KEY, scored_at TIMESTAMP, exclusions_hash VARCHAR,
        refreshed_at TIMESTAMP
    )""",
)


def ensure_access_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the dashboard's tables if missing (safe to call on every open)."""
    for ddl in _DDL:
        con.execute(ddl)
