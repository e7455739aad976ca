"""The dashboard's single DuckDB connection, hardened, and how to start the dashboard.

One process, one read-write connection (DuckDB allows one writer), a cursor per query.
The connection is opened plain and then locked down in the order the field notes give:
``allowed_directories`` = the upload folder only, external access off, configuration
locked. Queries can then read no file but the uploads being imported, write none, and
cannot undo the settings.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from scorecard.access._schema import ensure_access_schema
from scorecard.errors import UserError
from scorecard.resources import dashboard_dir
from scorecard.store import open_db

#: Environment variable carrying the database path to the Streamlit process.
DB_ENV = "SCORECARD_DB"
#: Seconds after which a dashboard query is interrupted (``$SCORECARD_QUERY_TIMEOUT``).
DEFAULT_QUERY_TIMEOUT_S = 30.0


class QueryTimeout(UserError):
    """A dashboard query ran past the time limit and was interrupted."""


def query_timeout_s() -> float:
    """The time limit for one dashboard query, from the environment or the default."""
    try:
        value = float(os.environ.get("SCORECARD_QUERY_TIMEOUT", DEFAULT_QUERY_TIMEOUT_S))
    except ValueError:
        return DEFAULT_QUERY_TIMEOUT_S
    return value if value > 0 else DEFAULT_QUERY_TIMEOUT_S


@dataclass
class DashboardDb:
    """The shared connection, where uploads may be read from, and a write lock.

    ``version`` increases on every write the dashboard makes so cached reads keyed on it
    are refreshed (st.cache_data keys include ``key``).
    """

    path: Path
    con: duckdb.DuckDBPyConnection
    upload_dir: Path
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    version: int = 0

    @property
    def key(self) -> str:
        return f"{self.path}#{id(self.con)}#{self.version}"

    def bump(self) -> None:
        self.version += 1

    def close(self) -> None:
        try:
            self.con.close()
        finally:
            for leftover in self.upload_dir.glob("*"):
                leftover.unlink(missing_ok=True)
            with contextlib.suppress(OSError):  # not empty (another page's upload) or gone
                self.upload_dir.rmdir()


def open_dashboard_db(path: str | os.PathLike[str], upload_dir: str | os.PathLike[str] | None = None) -> DashboardDb:
    """Open the database for the dashboard: schema ensured, derived tables fresh, hardened."""
    from scorecard.access._derived import refresh_derived

    path = Path(path)
    if not path.exists():
        raise UserError(f"database not found / base introuvable : {path}")
    folder = Path(upload_dir) if upload_dir else Path(tempfile.mkdtemp(prefix="scorecard-uploads-"))
    folder.mkdir(parents=True, exist_ok=True)
    con = open_db(path)
    try:
        ensure_access_schema(con)
        refresh_derived(con)
        _warm_rules(con)
        con.execute("SET allowed_directories = $dirs", {"dirs": [str(folder.resolve())]})
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return DashboardDb(path=path, con=con, upload_dir=folder.resolve())


def _warm_rules(con: duckdb.DuckDBPyConnection) -> None:
    """Re-check the current ruleset's stored rules once at start-up (seconds for 76 rules),
    so the first evaluation a person opens is not the one that pays for it."""
    from scorecard.scoring import current_ruleset_id, stored_ruleset

    rid = current_ruleset_id(con)
    if rid is not None:
        try:
            stored_ruleset(con, rid)
        except UserError:
            pass  # a ruleset that no longer rebuilds is reported where it is used


def run_with_timeout(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object], timeout_s: float | None = None
) -> pd.DataFrame:
    """Run one query on its own cursor; interrupt it after ``timeout_s`` with a clear message."""
    return run_callable(con, lambda cur: cur.execute(sql, params).df(), timeout_s)


def run_callable(
    con: duckdb.DuckDBPyConnection,
    work: Callable[[duckdb.DuckDBPyConnection], pd.DataFrame],
    timeout_s: float | None = None,
) -> pd.DataFrame:
    """Run ``work`` on a fresh cursor, interrupted after the time limit (QueryTimeout)."""
    limit = query_timeout_s() if timeout_s is None else timeout_s
    cur = con.cursor()
    timer = threading.Timer(limit, cur.interrupt)
    timer.start()
    try:
        return work(cur)
    except duckdb.InterruptException as exc:
        raise QueryTimeout(
            f"This view took longer than {limit:g} s and was stopped: choose a shorter period or "
            f"fewer teams. / Cet affichage a dépassé {limit:g} s et a été interrompu : choisissez "
            f"une période plus courte ou moins d'équipes."
        ) from exc
    finally:
        timer.cancel()
        cur.close()


def dashboard_command(
    db_path: str | os.PathLike[str], port: int = 8501, host: str = "127.0.0.1", headless: bool = True
) -> list[str]:
    """The command line that serves the dashboard on ``db_path`` (the path is also exported
    as ``$SCORECARD_DB`` by :func:`dashboard_env`, and passed after ``--`` for clarity)."""
    app = dashboard_dir() / "app.py"
    return [
        sys.executable, "-m", "streamlit", "run", str(app),
        f"--server.headless={'true' if headless else 'false'}",
        f"--server.address={host}",
        f"--server.port={int(port)}",
        "--browser.gatherUsageStats=false",
        "--server.fileWatcherType=none",
        "--client.toolbarMode=minimal",
        "--client.showErrorDetails=type",
        "--",
        f"--db={Path(db_path).resolve()}",
    ]


def db_path_from_argv(argv: list[str], environ: dict[str, str] | os._Environ[str] = os.environ) -> Path | None:
    """The database the app serves: ``--db=PATH`` after ``--``, else ``$SCORECARD_DB``."""
    for arg in argv:
        if arg.startswith("--db="):
            return Path(arg[len("--db="):])
    value = environ.get(DB_ENV)
    return Path(value) if value else None
