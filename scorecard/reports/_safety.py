"""Spreadsheet-formula neutralisation for exported text (CSV injection, OWASP).

A comment such as ``=HYPERLINK("http://evil", "clic")`` typed by anyone who can put text in
an evaluation export must not become a live formula in a quality manager's Excel. Text cells
beginning with one of :data:`TRIGGERS` get a leading apostrophe, which spreadsheets show as
text and never evaluate. The same rule exists in SQL (for large exports written by DuckDB)
and in pandas (for the dashboard's download buttons); tests hold both to the same cases.
"""

from __future__ import annotations

import pandas as pd

from scorecard.store import quote_text as _sql_text

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PREFIX = "'"


def neutralise_sql(column_sql: str) -> str:
    """SQL expression giving the neutralised text of a VARCHAR expression."""
    chars = "".join(TRIGGERS).replace("-", r"\-").replace("\t", r"\t").replace("\r", r"\r")
    return (
        f"CASE WHEN regexp_matches({column_sql}, '^[{chars}]') "
        f"THEN {_sql_text(PREFIX)} || {column_sql} ELSE {column_sql} END"
    )


def neutralise_text(value: object) -> object:
    """The neutralised form of one cell (non-text cells are returned unchanged)."""
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return PREFIX + value
    return value


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells cannot be read as formulas by a spreadsheet."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_text)
    return out
