"""The users store: argon2id password hashes, a role and a scope per user.

Passwords are never stored or logged; ``verify_password`` spends the same argon2 work
whether the user exists or not, so response time does not reveal valid usernames.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from scorecard.access._schema import ensure_access_schema
from scorecard.access._scope import ROLES, Scope
from scorecard.errors import UserError

_HASHER = PasswordHasher()
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")
MIN_PASSWORD_LENGTH = 8
#: Spent on unknown usernames so a wrong name costs as much as a wrong password.
_DUMMY_HASH = _HASHER.hash("scorecard-timing-equaliser")


class UserRow(NamedTuple):
    """One line of ``scorecard users list`` (no hash)."""

    username: str
    role: str
    agent_id: str
    teams: str
    updated_at: str


def _scope_of(username: str, role: str, agent_id: str | None, teams: list[str] | None) -> Scope:
    return Scope(username=username, role=role, agent_id=agent_id, teams=tuple(teams or ()))  # type: ignore[arg-type]


def add_user(
    con: duckdb.DuckDBPyConnection,
    username: str,
    password: str,
    role: str,
    agent_id: str | None = None,
    teams: tuple[str, ...] | list[str] = (),
) -> None:
    """Add a user, or replace the password, role and scope of an existing one."""
    ensure_access_schema(con)
    if not _USERNAME.match(username or ""):
        raise UserError(
            f"invalid username {username!r}: letters, digits and . _ @ + - only / "
            f"identifiant invalide : lettres, chiffres et . _ @ + - seulement"
        )
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; roles: {', '.join(ROLES)} / rôle inconnu")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise UserError(
            f"password too short: at least {MIN_PASSWORD_LENGTH} characters / "
            f"mot de passe trop court : {MIN_PASSWORD_LENGTH} caractères minimum"
        )
    teams = tuple(t.strip() for t in teams if t and t.strip())
    agent_id = agent_id.strip() if agent_id else None
    if role != "agent" and agent_id:
        raise UserError("--agent is for role agent only / --agent est réservé au rôle agent")
    if role != "team_leader" and teams:
        raise UserError("--team is for role team_leader only / --team est réservé au rôle team_leader")
    scope = _scope_of(username, role, agent_id, list(teams))  # validates role/scope pairs
    con.execute(
        """INSERT INTO users VALUES (?, ?, ?, ?, ?, now()::TIMESTAMP, now()::TIMESTAMP)
           ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash,
             role = excluded.role, agent_id = excluded.agent_id, teams = excluded.teams,
             updated_at = excluded.updated_at""",
        [username, _HASHER.hash(password), scope.role, scope.agent_id, list(scope.teams)],
    )


def list_users(con: duckdb.DuckDBPyConnection) -> list[UserRow]:
    """Every user with role and scope, by username."""
    ensure_access_schema(con)
    rows = con.execute(
        "SELECT username, role, coalesce(agent_id, ''), array_to_string(coalesce(teams, []), ','), "
        "strftime(updated_at, '%Y-%m-%d %H:%M') FROM users ORDER BY username"
    ).fetchall()
    return [UserRow(*r) for r in rows]


def remove_user(con: duckdb.DuckDBPyConnection, username: str) -> None:
    """Remove a user; their feedback and notes stay (they are part of the record)."""
    ensure_access_schema(con)
    found = con.execute("SELECT count(*) FROM users WHERE username = ?", [username]).fetchone()
    if not found or not found[0]:
        raise UserError(f"no user {username!r} / utilisateur inconnu : {username!r}")
    con.execute("DELETE FROM users WHERE username = ?", [username])


def scope_for_username(con: duckdb.DuckDBPyConnection, username: str) -> Scope | None:
    """The scope of a user already authenticated elsewhere (OIDC via ``st.login``)."""
    row = con.execute(
        "SELECT username, role, agent_id, teams FROM users WHERE lower(username) = lower(?)", [username]
    ).fetchone()
    return None if row is None else _scope_of(row[0], row[1], row[2], row[3])


def verify_password(con: duckdb.DuckDBPyConnection, username: str, password: str) -> Scope | None:
    """The user's scope if the password matches, else None (same cost either way)."""
    ensure_access_schema(con)
    row = con.execute(
        "SELECT username, password_hash, role, agent_id, teams FROM users WHERE username = ?", [username]
    ).fetchone()
    stored = row[1] if row else _DUMMY_HASH
    try:
        _HASHER.verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    if _HASHER.check_needs_rehash(stored):
        con.execute("UPDATE users SET password_hash = ? WHERE username = ?", [_HASHER.hash(password), username])
    return _scope_of(row[0], row[2], row[3], row[4])


DEMO_PASSWORDS = {
    "conseiller": "demo-conseiller",
    "responsable": "demo-responsable",
    "qualite": "demo-qualite",
}


def create_demo_users(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str]]:
    """Three demo users on real data: the busiest agent of a team of at least three agents,
    that team's leader, and a quality manager. Returns (username, password, role, scope)."""
    ensure_access_schema(con)
    row = con.execute(
        """WITH latest AS (
               SELECT agent_id, arg_max(team, interaction_at) AS team, count(*) AS n,
                      any_value(agent_name) AS agent_name
               FROM evaluations WHERE NOT is_calibration AND team IS NOT NULL GROUP BY agent_id),
           sizes AS (SELECT team, count(*) AS n_agents FROM latest GROUP BY team)
           SELECT l.agent_id, l.team, l.agent_name FROM latest l JOIN sizes USING (team)
           ORDER BY (n_agents >= 3) DESC, l.n DESC, l.agent_id LIMIT 1"""
    ).fetchone()
    if row is None:
        raise UserError(
            "no evaluation with a team in the database: import data before creating demo users / "
            "aucune évaluation avec une équipe : importez des données d'abord"
        )
    agent_id, team, agent_name = row
    add_user(con, "conseiller", DEMO_PASSWORDS["conseiller"], "agent", agent_id=agent_id)
    add_user(con, "responsable", DEMO_PASSWORDS["responsable"], "team_leader", teams=(team,))
    add_user(con, "qualite", DEMO_PASSWORDS["qualite"], "quality_manager")
    who = f"{agent_id} ({agent_name})" if agent_name else agent_id
    return [
        ("conseiller", DEMO_PASSWORDS["conseiller"], "agent", f"agent {who}, team {team}"),
        ("responsable", DEMO_PASSWORDS["responsable"], "team_leader", f"team {team}"),
        ("qualite", DEMO_PASSWORDS["qualite"], "quality_manager", "whole centre"),
    ]
