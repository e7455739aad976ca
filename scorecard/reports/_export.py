"""Writing a table to CSV, Parquet or XLSX (cli.md: ``,``, UTF-8, header, ISO dates, full precision).

The selection is materialised once in a temporary table, then written by DuckDB's COPY
(CSV, Parquet) or through pandas/openpyxl (XLSX, which is for people and capped at Excel's
row limit). Text columns of CSV and XLSX go through :func:`neutralise_sql`.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import BinaryIO

import duckdb
import pandas as pd

from scorecard.errors import UserError
from scorecard.reports._safety import neutralise_sql
from scorecard.store import first_row
from scorecard.store import quote_ident as q
from scorecard.store import quote_text as lit

EXCEL_MAX_ROWS = 1_048_575
_TEMP = "_scorecard_export"


def materialise(con: duckdb.DuckDBPyConnection, source: tuple[str, list] | pd.DataFrame) -> str:
    """Put the selection in a temporary table and return its name."""
    if isinstance(source, pd.DataFrame):
        con.register("_scorecard_export_df", source)
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {_TEMP} AS SELECT * FROM _scorecard_export_df")
        finally:
            con.unregister("_scorecard_export_df")
    else:
        sql, params = source
        con.execute(f"CREATE OR REPLACE TEMP TABLE {_TEMP} AS {sql}", params)
    return _TEMP


def _safe_select(con: duckdb.DuckDBPyConnection, table: str, neutralise: bool) -> str:
    cols = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()
    parts = []
    for name, typ in cols:
        if neutralise and typ == "VARCHAR":
            parts.append(f"{neutralise_sql(q(name))} AS {q(name)}")
        else:
            parts.append(q(name))
    return f"SELECT {', '.join(parts)} FROM {table}"


def write_table(
    con: duckdb.DuckDBPyConnection,
    source: tuple[str, list] | pd.DataFrame,
    out: str | os.PathLike[str] | None,
    fmt: str = "csv",
) -> int:
    """Write the selection to ``out`` (``None`` or ``-``: CSV on stdout). Returns the row count."""
    table = materialise(con, source)
    try:
        (n_rows,) = first_row(con, f"SELECT count(*) FROM {table}")  # type: ignore[misc]
        to_stdout = out is None or str(out) == "-"
        if to_stdout and fmt != "csv":
            raise UserError(f"--format {fmt} needs --out PATH (only CSV goes to stdout)")
        select = _safe_select(con, table, neutralise=fmt in ("csv", "xlsx"))
        if fmt == "xlsx":
            if n_rows > EXCEL_MAX_ROWS:
                raise UserError(
                    f"{n_rows} rows do not fit in an Excel sheet ({EXCEL_MAX_ROWS} max): "
                    f"filter with --period/--team/--agent or use --format csv|parquet"
                )
            frame = con.execute(select).df()
            _write_xlsx(frame, Path(out))  # type: ignore[arg-type]
        elif fmt in ("csv", "parquet"):
            options = "FORMAT csv, HEADER true, DELIMITER ','" if fmt == "csv" else "FORMAT parquet"
            if to_stdout:
                _copy_to_stream(con, select, options, sys.stdout.buffer)
            else:
                con.execute(f"COPY ({select}) TO {lit(str(out))} ({options})")
        else:
            raise UserError(f"unknown format {fmt!r} (csv, parquet, xlsx)")
        return int(n_rows)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {table}")


def _copy_to_stream(con: duckdb.DuckDBPyConnection, select: str, options: str, stream: BinaryIO) -> None:
    with tempfile.TemporaryDirectory(prefix="scorecard-export-") as tmp:
        path = Path(tmp) / "out.csv"
        con.execute(f"COPY ({select}) TO {lit(str(path))} ({options})")
        with path.open("rb") as fh:
            shutil.copyfileobj(fh, stream)
        stream.flush()


def _write_xlsx(frame: pd.DataFrame, out: Path) -> None:
    for col in frame.columns:  # Excel has no time zones; keep local wall-clock time
        if isinstance(frame[col].dtype, pd.DatetimeTZDtype):
            frame[col] = frame[col].dt.tz_localize(None)
    frame.to_excel(out, index=False, engine="openpyxl")
