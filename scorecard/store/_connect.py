"""Opening the DuckDB file the way every part of scorecard needs it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from scorecard.errors import DatabaseBusy
from scorecard.store._schema import ensure_schema


def default_db_path() -> Path:
    """``$SCORECARD_DB`` or ``./scorecard.duckdb`` (cli.md)."""
    return Path(os.environ.get("SCORECARD_DB") or "scorecard.duckdb")


def open_db(
    path: str | os.PathLike[str],
    *,
    read_only: bool = False,
    hardened: bool = False,
    create: bool = True,
) -> duckdb.DuckDBPyConnection:
    """Open (and, unless read-only, create or migrate) the scorecard database.

    ``hardened`` turns external access off and locks the configuration (field notes:
    order matters), for connections that serve the dashboard: nothing a query does can then
    read or write files. The importer needs external access to read CSVs, so the CLI uses
    plain connections.
    """
    path = Path(path)
    if read_only and not path.exists():
        raise FileNotFoundError(f"database not found: {path}")
    if not create and not path.exists():
        raise FileNotFoundError(f"database not found: {path}")
    config: dict[str, object] = {
        "autoload_known_extensions": False,
        "autoinstall_known_extensions": False,
    }
    if hardened:
        config["enable_external_access"] = False
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=config)
    except duckdb.IOException as exc:  # lock held by another process
        message = str(exc)
        if "lock" in message.lower():
            raise DatabaseBusy(
                f"database busy: {path} is open in another process (the dashboard or another "
                f"command). Stop it or wait, then try again. / Base occupée : {path} est "
                f"ouverte par un autre processus.\n  ({message.splitlines()[0]})"
            ) from exc
        raise
    # DuckDB draws its own bar on stderr for queries over 2 s; the CLI draws one per command
    # (and stays quiet when piped), so DuckDB's would interleave with it.
    con.execute("SET enable_progress_bar = false")
    if not read_only:
        ensure_schema(con)
    if hardened:
        con.execute("SET lock_configuration = true")
    return con


def first_row(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple | None:
    """The first row of a query, with the result fully consumed.

    DuckDB 2 keeps a half-read result open on the connection and then refuses the next
    ``register()`` ("unfinished result"); ``fetchall`` closes it.
    """
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN ... COMMIT, or ROLLBACK on any exception: the database lands whole or not at all."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    else:
        con.execute("COMMIT")
