"""Download files for the dashboard's export buttons (CSV, XLSX), formulas neutralised.

The frame handed in is always the result of a scoped query: an export never re-queries, so
it holds exactly the rows the page shows for the signed-in user.
"""

from __future__ import annotations

import io
import re

import pandas as pd

from scorecard.errors import UserError
from scorecard.reports import neutralise_formulas

EXCEL_MAX_ROWS = 1_048_575
MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
    """The frame as a CSV (``,``, UTF-8, ISO dates, ``.`` decimals, cli.md) or XLSX file."""
    safe = neutralise_formulas(frame)
    if fmt == "csv":
        return safe.to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%S").encode("utf-8")
    if fmt == "xlsx":
        if len(safe) > EXCEL_MAX_ROWS:
            raise UserError(f"too many rows for Excel ({len(safe)}); use CSV / trop de lignes pour Excel : utilisez CSV")
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            safe.to_excel(writer, index=False, sheet_name="scorecard")
        return buffer.getvalue()
    raise UserError(f"unknown export format {fmt!r}: csv or xlsx")


def export_name(stem: str, fmt: str) -> str:
    """A safe file name: ``scorecard_<stem>.<fmt>`` with only [a-z0-9_-]."""
    clean = re.sub(r"[^a-z0-9_-]+", "_", stem.lower()).strip("_") or "table"
    return f"scorecard_{clean}.{fmt}"
