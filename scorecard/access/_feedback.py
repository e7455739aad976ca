"""Writes the dashboard makes: acknowledgements, disputes and replies, coaching notes, settings.

Every write first reads the target through the scoped layer (:func:`scorecard.access._scoped.run`)
with the signed-in user's scope; the ids written (agent, month) come from that scoped row,
never from the request. Writes are serialised by one lock: the dashboard process holds the
only read-write connection and DuckDB transactions on the same table would otherwise conflict.
"""

from __future__ import annotations

import threading

import duckdb

from scorecard.access import _scoped as data
from scorecard.access._derived import refresh_after_exclusion
from scorecard.access._scope import Scope
from scorecard.errors import ScopeError, UserError
from scorecard.store import transaction

WRITE_LOCK = threading.Lock()
MAX_TEXT = 4000
RESOLUTIONS = ("excluded", "corrected")
HIDE_EVALUATORS = "hide_evaluators"


def _text(value: str | None, *, required: bool, what_en: str, what_fr: str) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise UserError(f"{what_en} is required / {what_fr} est obligatoire")
    if len(text) > MAX_TEXT:
        raise UserError(f"{what_en} is too long (max {MAX_TEXT} characters) / {what_fr} trop long")
    return text or None


def _own_evaluation(con: duckdb.DuckDBPyConnection, scope: Scope, rid: int, evaluation_id: str) -> tuple[str, str]:
    """(agent_id, period) of an evaluation of the signed-in agent, else ScopeError."""
    if not scope.is_agent:
        raise ScopeError("only the evaluated agent can do this / seul le conseiller évalué peut le faire")
    row = data.evaluation_header(con, scope, rid, evaluation_id)
    if row.empty:
        raise ScopeError("evaluation not found in your scope / évaluation introuvable dans votre périmètre")
    return str(row["agent_id"].iloc[0]), str(row["period"].iloc[0])


def _insert_feedback(con: duckdb.DuckDBPyConnection, scope: Scope, evaluation_id: str, agent_id: str,
                     period: str, kind: str, comment: str | None, status: str | None) -> int:
    row = con.execute(
        """INSERT INTO feedback (feedback_id, evaluation_id, agent_id, period, kind, comment, created_at,
                                 created_by, status)
           VALUES (nextval('feedback_seq'), ?, ?, ?, ?, ?, now()::TIMESTAMP, ?, ?) RETURNING feedback_id""",
        [evaluation_id, agent_id, period, kind, comment, scope.username, status],
    ).fetchone()
    return int(row[0])  # type: ignore[index]


def _count(cur: duckdb.DuckDBPyConnection, scope: Scope, rid: int, evaluation_id: str, kind: str,
           status: str | None = None) -> int:
    """Feedback rows of one kind (and status) on an evaluation, read through the scope."""
    found = data.run(cur, scope, "SELECT count(*) AS n FROM s_feedback WHERE evaluation_id = $eid AND kind = $kind "
                     "AND ($status IS NULL OR status = $status)",
                     {"eid": evaluation_id, "kind": kind, "status": status}, rid=rid)
    return int(found["n"].iloc[0])


def acknowledge(con: duckdb.DuckDBPyConnection, scope: Scope, rid: int, evaluation_id: str) -> int | None:
    """"J'ai pris connaissance": stored once per evaluation with its time. Returns the new
    feedback id, or None when the evaluation was already acknowledged."""
    agent_id, period = _own_evaluation(con, scope, rid, evaluation_id)
    with WRITE_LOCK:
        cur = con.cursor()
        try:
            if _count(cur, scope, rid, evaluation_id, "acknowledge"):
                return None
            return _insert_feedback(cur, scope, evaluation_id, agent_id, period, "acknowledge", None, None)
        finally:
            cur.close()


def dispute(con: duckdb.DuckDBPyConnection, scope: Scope, rid: int, evaluation_id: str, comment: str) -> int:
    """Contest an evaluation with a comment; one open dispute per evaluation at a time."""
    text = _text(comment, required=True, what_en="a comment", what_fr="un commentaire")
    agent_id, period = _own_evaluation(con, scope, rid, evaluation_id)
    with WRITE_LOCK:
        cur = con.cursor()
        try:
            if _count(cur, scope, rid, evaluation_id, "dispute", status="open"):
                raise UserError("a dispute on this evaluation is already open / une contestation est déjà en cours")
            return _insert_feedback(cur, scope, evaluation_id, agent_id, period, "dispute", text, "open")
        finally:
            cur.close()


def answer_dispute(con: duckdb.DuckDBPyConnection, scope: Scope, rid: int, feedback_id: int, *,
                   accept: bool, reply: str | None, resolution: str | None = None) -> None:
    """A team leader (or quality manager) accepts a dispute, excluding the evaluation from the
    figures or marking it for correction, or rejects it with a reply."""
    if scope.is_agent:
        raise ScopeError("agents cannot answer disputes / un conseiller ne peut pas répondre")
    text = _text(reply, required=not accept, what_en="a reply", what_fr="une réponse")
    if accept and resolution not in RESOLUTIONS:
        raise UserError(f"choose a resolution: {', '.join(RESOLUTIONS)} / choisissez une suite")
    with WRITE_LOCK:
        cur = con.cursor()
        try:
            found = data.run(cur, scope, "SELECT status, evaluation_id FROM s_feedback WHERE feedback_id = $fid "
                             "AND kind = 'dispute'",
                             {"fid": int(feedback_id)}, rid=rid)
            if found.empty:
                raise ScopeError("dispute not found in your scope / contestation introuvable dans votre périmètre")
            if found["status"].iloc[0] != "open":
                raise UserError("this dispute was already answered / cette contestation a déjà reçu une réponse")
            with transaction(cur):
                cur.execute(
                    """UPDATE feedback SET status = ?, resolution = ?, reply = ?, replied_at = now()::TIMESTAMP,
                       replied_by = ? WHERE feedback_id = ?""",
                    ["accepted" if accept else "rejected", resolution if accept else None, text,
                     scope.username, int(feedback_id)],
                )
            if accept and resolution == "excluded":
                refresh_after_exclusion(cur, str(found["evaluation_id"].iloc[0]))
        finally:
            cur.close()


def add_coaching_note(con: duckdb.DuckDBPyConnection, scope: Scope, rid: int, agent_id: str,
                      note: str, period: str | None = None) -> int:
    """A team leader's coaching note about an agent of their team(s)."""
    if scope.is_agent:
        raise ScopeError("agents cannot write coaching notes / un conseiller ne peut pas écrire de note")
    text = _text(note, required=True, what_en="the note", what_fr="la note")
    known = data.run(con, scope, "SELECT count(*) AS n FROM s_directory WHERE agent_id = $agent",
                     {"agent": agent_id}, rid=rid)
    if not int(known["n"].iloc[0]):
        raise ScopeError("agent not in your scope / conseiller hors de votre périmètre")
    with WRITE_LOCK:
        row = con.execute(
            """INSERT INTO coaching_notes VALUES (nextval('coaching_note_seq'), ?, ?, ?, now()::TIMESTAMP, ?)
               RETURNING note_id""",
            [agent_id, period, text, scope.username],
        ).fetchone()
    return int(row[0])  # type: ignore[index]


def set_hide_evaluators(con: duckdb.DuckDBPyConnection, scope: Scope, hide: bool) -> None:
    """Quality managers decide whether agents see who evaluated them."""
    if not scope.is_quality_manager:
        raise ScopeError("only a quality manager can change this / réservé au responsable qualité")
    with WRITE_LOCK:
        con.execute(
            """INSERT INTO access_settings VALUES (?, ?, now()::TIMESTAMP, ?)
               ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
               updated_by = excluded.updated_by""",
            [HIDE_EVALUATORS, "true" if hide else "false", scope.username],
        )


def evaluators_hidden(con: duckdb.DuckDBPyConnection, scope: Scope) -> bool:
    return data.setting(con, scope, HIDE_EVALUATORS) == "true"
