"""The DuckDB file: connections, schema and the canonical evaluation columns.

DuckDB allows one read-write process or many read-only ones. The CLI opens the file for the
duration of one command; the dashboard keeps one connection per process and takes a cursor
per query. A lock conflict becomes :class:`~scorecard.errors.DatabaseBusy` with a message
that says what to do.
"""

from scorecard.store._connect import default_db_path, first_row, open_db, transaction
from scorecard.store._schema import (
    CANONICAL_COLUMNS,
    REQUIRED_COLUMNS,
    ensure_schema,
    evaluation_columns,
    observation_columns,
    quote_ident,
    quote_text,
)

__all__ = [
    "CANONICAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "default_db_path",
    "ensure_schema",
    "evaluation_columns",
    "first_row",
    "observation_columns",
    "open_db",
    "quote_ident",
    "quote_text",
    "transaction",
]
