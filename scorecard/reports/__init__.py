"""The exported tables (cli.md) and their writers.

Public API::

    sql, params = table_query(con, "agent_scorecards", Filters(period="2026-05"))
    frame = fetch_table(con, "competency_scores", Filters(agent="A001"))
    write_table(con, (sql, params), "out.csv", "csv")
    safe = neutralise_formulas(frame)     # for the dashboard's download buttons
"""

from __future__ import annotations

import duckdb
import pandas as pd

from scorecard.errors import UserError
from scorecard.reports._export import write_table
from scorecard.reports._safety import neutralise_formulas, neutralise_text
from scorecard.reports._tables import TABLES, Filters, mastery_sql, wilson_sql

#: Tables computed in Python by the calibration module rather than by a SQL template.
FRAME_TABLES = ("calibration", "evaluators")

TABLE_NAMES = tuple(TABLES) + FRAME_TABLES


def table_query(
    con: duckdb.DuckDBPyConnection, name: str, filters: Filters
) -> tuple[str, list] | pd.DataFrame:
    """The selection of table ``name``: SQL with parameters, or a frame for calibration tables."""
    if name in TABLES:
        return TABLES[name](con, filters)
    if name in FRAME_TABLES:
        from scorecard import calibration
        from scorecard.scoring import resolve_ruleset_id

        rid = resolve_ruleset_id(con, filters.ruleset)
        if name == "calibration":
            return calibration.calibration_table(con, rid, period=filters.period)
        return calibration.evaluators_table(con, rid, period=filters.period)
    raise UserError(f"unknown table {name!r}; tables: {', '.join(TABLE_NAMES)}")


def fetch_table(con: duckdb.DuckDBPyConnection, name: str, filters: Filters) -> pd.DataFrame:
    """The table as a pandas frame (for tests, the dashboard and small exports)."""
    source = table_query(con, name, filters)
    if isinstance(source, pd.DataFrame):
        return source
    sql, params = source
    return con.execute(sql, params).df()


__all__ = [
    "FRAME_TABLES",
    "TABLES",
    "TABLE_NAMES",
    "Filters",
    "fetch_table",
    "mastery_sql",
    "neutralise_formulas",
    "neutralise_text",
    "table_query",
    "wilson_sql",
    "write_table",
]
