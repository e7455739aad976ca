"""Users, roles, scopes, and the only door the dashboard uses for data.

For the CLI (``scorecard users``, ``dashboard``, ``demo``)::

    add_user(con, "marie", "s3cret-pass", "team_leader", teams=("Nord",))
    list_users(con) -> [UserRow(username, role, agent_id, teams, updated_at)]
    remove_user(con, "marie")
    verify_password(con, "marie", "s3cret-pass") -> Scope | None
    create_demo_users(con) -> [(username, password, role, scope description)]
    dashboard_command(db_path, port=8501, host="127.0.0.1") -> argv for subprocess

For the dashboard: :func:`open_dashboard_db` (one hardened connection per process), the
scoped reads in :mod:`scorecard.access.data` (every function takes a :class:`Scope`), and the
writes (:func:`acknowledge`, :func:`dispute`, :func:`answer_dispute`, :func:`add_coaching_note`,
:func:`set_hide_evaluators`, :func:`import_uploads`).
"""

from scorecard.access import _scoped as data
from scorecard.access._db import (
    DB_ENV,
    DashboardDb,
    QueryTimeout,
    dashboard_command,
    db_path_from_argv,
    open_dashboard_db,
    run_with_timeout,
)
from scorecard.access._derived import refresh_derived
from scorecard.access._export import MIME, export_bytes, export_name
from scorecard.access._feedback import (
    HIDE_EVALUATORS,
    MAX_TEXT,
    RESOLUTIONS,
    acknowledge,
    add_coaching_note,
    answer_dispute,
    dispute,
    evaluators_hidden,
    set_hide_evaluators,
)
from scorecard.access._imports import UploadOutcome, import_uploads
from scorecard.access._schema import ensure_access_schema
from scorecard.access._scope import ROLES, Role, Scope
from scorecard.access._users import (
    DEMO_PASSWORDS,
    UserRow,
    add_user,
    create_demo_users,
    list_users,
    remove_user,
    scope_for_username,
    verify_password,
)

__all__ = [
    "DB_ENV",
    "DEMO_PASSWORDS",
    "HIDE_EVALUATORS",
    "MAX_TEXT",
    "MIME",
    "RESOLUTIONS",
    "ROLES",
    "DashboardDb",
    "QueryTimeout",
    "Role",
    "Scope",
    "UploadOutcome",
    "UserRow",
    "acknowledge",
    "add_coaching_note",
    "add_user",
    "answer_dispute",
    "create_demo_users",
    "dashboard_command",
    "data",
    "db_path_from_argv",
    "dispute",
    "ensure_access_schema",
    "evaluators_hidden",
    "export_bytes",
    "export_name",
    "import_uploads",
    "list_users",
    "open_dashboard_db",
    "refresh_derived",
    "remove_user",
    "run_with_timeout",
    "scope_for_username",
    "set_hide_evaluators",
    "verify_password",
]
