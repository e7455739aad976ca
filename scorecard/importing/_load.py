"""From an export on disk to rows of ``evaluations`` (+ ``rejects`` and ``imports``).

Set-based, in DuckDB, one file at a time inside the caller's transaction:

1. the source: every record as VARCHAR with the physical line it starts on (DuckDB's CSV
   parse as an Arrow stream tagged with the numpy line numbers of :mod:`._scan`, or the
   XLSX rows); read as each statement goes, never held whole.
2. cleaning (:func:`_cleaning`): headers mapped by the profile, cells trimmed, blank / N/A ->
   NULL, coded values mapped (téléphone -> phone), blank rows and required columns flagged.
   The first 10,000 records are staged in ``_sc_rows`` (a smaller file: all of it).
3. Long exports (always staged whole) are pivoted to one record per evaluation.
4. Observation types: stored type, else declared, else inferred (data.md: over the whole
   file; read on the staged sample, confirmed by the typing pass; see
   :func:`_stage_and_type` for what happens when the sample misled); new columns are added
   with ``ALTER TABLE ADD COLUMN`` once the types are final.
5. ``_sc_typed``: typed values plus, per record, the list of what failed (line, column,
   value, reason), straight from the source for a streamed file. Blank rows and a trailing
   notes block are then set aside. A record with a failure goes to ``rejects``; the rest,
   deduplicated by evaluation_id (last line wins), is compared to the stored rows by
   ``_row_hash``: new / replaced (delete + insert) / unchanged (left alone).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from scorecard.errors import ImportRefused
from scorecard.importing._cast import (
    DEFAULT_ANSWERS,
    DUCKDB_TYPES,
    Answers,
    kind_of,
    na_null_sql,
    parse_sql,
    reason_sql,
    sql_str,
    token_sql,
    trim_sql,
)
from scorecard.importing._profiles import Profile, best_profile, resolve_profile
from scorecard.importing._report import FileReport, Reject
from scorecard.importing._scan import (
    ENCODING_NAMES,
    read_xlsx,
    record_lines_slow,
    scan,
)
from scorecard.importing._text import header_key, snake_case
from scorecard.store import CANONICAL_COLUMNS, REQUIRED_COLUMNS, evaluation_columns
from scorecard.store import quote_ident as q

XLSX_SUFFIXES = (".xlsx", ".xlsm")
#: Rejects kept in the report object (all of them go to the ``rejects`` table).
REPORT_REJECTS_LIMIT = 10_000
#: Rows the type inference reads first; the typing pass confirms what they suggest.
INFER_SAMPLE_ROWS = 10_000
_ROLE_COLUMNS = {"item": "_item", "answer": "_answer", "comment": "_comment",
                 "not_applicable": "_na"}
_CANONICAL_KINDS = {name: kind_of(typ) for name, typ in CANONICAL_COLUMNS.items()}


@dataclass
class Column:
    """One output column of the file: where its cleaned text is and how to type it."""

    name: str
    source: str  # column of the cleaned table holding its text
    line: str = "_line"  # expression giving the line a reject of this column names
    kind: str = "text"


@dataclass
class Context:
    """Everything one file's import needs to know while it runs."""

    con: duckdb.DuckDBPyConnection
    path: Path
    profile: Profile
    report: FileReport
    answers: Answers
    imported_at: datetime
    columns: list[Column] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)  # cleaned columns beyond the header
    item_columns: list[Column] = field(default_factory=list)  # pivoted items (long)
    file_blank_lines: list[int] = field(default_factory=list)  # empty lines DuckDB skips
    temp_files: list[Path] = field(default_factory=list)
    unique_ids: bool = False  # no evaluation_id twice among the valid records of the file
    stage_rows: int = INFER_SAMPLE_ROWS

    def sql(self, query: str, params: object = None) -> duckdb.DuckDBPyConnection:
        return self.con.execute(query, params) if params is not None else self.con.execute(query)


# --- 1. source ---------------------------------------------------------------------------


#: Longest record DuckDB accepts, and its read buffer: left alone, DuckDB sizes the buffer
#: from the line size (1 GiB for 64 MiB lines), which alone broke a 2 GiB memory limit.
MAX_LINE_BYTES = 64 << 20
CSV_BUFFER_BYTES = 2 * MAX_LINE_BYTES


def _read_csv_sql(path: Path, delimiter: str, width: int, parallel: bool) -> str:
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    return (
        f"read_csv({sql_str(str(path))}, auto_detect=false, header=false, "
        f"delim={sql_str(delimiter)}, quote='\"', escape='\"', comment='', "
        f"null_padding=true, strict_mode=false, parallel={str(parallel).lower()}, "
        f"max_line_size={MAX_LINE_BYTES}, buffer_size={CSV_BUFFER_BYTES}, encoding='utf-8', "
        f"columns={columns})"
    )


def _frame_table(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    """Copy a DataFrame into a temp table (registered under a private name meanwhile)."""
    view = f"{name}_frame"
    con.register(view, frame)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {view}")
    finally:
        con.unregister(view)


class _LinesDisagree(Exception):
    """DuckDB read another number of records than the byte scan found."""


def _unreadable(path: Path, exc: Exception) -> ImportRefused:
    return ImportRefused(
        f"{path}: fichier illisible / unreadable file: {str(exc).splitlines()[0]}"
    )


class _LineStream:
    """The records DuckDB reads, as an Arrow stream with the line each one starts on.

    DuckDB parses the CSV (a cursor, so the import's connection stays free) and hands over
    its rows in file order, batch by batch; row k gets the k-th line of the byte scan. The
    statement reading the stream runs on every core, which a POSITIONAL JOIN with the line
    table did not allow. Memory stays flat whatever the file's size.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, read: str,
                 lines: np.ndarray) -> None:
        self.con, self.path, self.read, self.lines = con, path, read, lines
        self.offset = 0
        self.overflow = False
        self.finished = False  # DuckDB read every record

    def _batches(self, cursor: duckdb.DuckDBPyConnection,
                 reader: pa.RecordBatchReader) -> Iterator[pa.RecordBatch]:
        try:
            for batch in reader:
                end = self.offset + batch.num_rows
                if end > self.lines.size:
                    self.overflow = True
                    return
                yield pa.RecordBatch.from_arrays(
                    [pa.array(np.ones(batch.num_rows, dtype=bool)),
                     pa.array(self.lines[self.offset:end].astype(np.int64)), *batch.columns],
                    names=["_present", "_line", *batch.schema.names],
                )
                self.offset = end
            self.finished = True
        finally:
            cursor.close()

    def reader(self) -> pa.RecordBatchReader:
        cursor = self.con.cursor()
        try:
            source = cursor.sql(f"SELECT * FROM {self.read}").to_arrow_reader(_STREAM_ROWS)
        except duckdb.Error as exc:
            cursor.close()
            raise _unreadable(self.path, exc) from exc
        schema = pa.schema([pa.field("_present", pa.bool_()), pa.field("_line", pa.int64()),
                            *source.schema])
        return pa.RecordBatchReader.from_batches(schema, self._batches(cursor, source))


#: Records per Arrow batch of :class:`_LineStream`.
_STREAM_ROWS = 100_000


@dataclass
class Source:
    """Where the records come from. ``run(lines, query, fetch)`` runs ``query`` in which
    ``_sc_source`` is the relation ``(_present, _line, c0, c1, ...)`` of every record, read
    as the statement goes (never held whole), and returns its rows when ``fetch``.

    When a query read every record and their number differs from the scan's lines,
    :class:`_LinesDisagree` is raised; ``relines`` then gives exact lines the slow way.
    """

    header: list[str]
    width: int
    run: Callable[[np.ndarray | None, str, bool], list[tuple[object, ...]]]
    header_line: int = 0
    relines: Callable[[], tuple[np.ndarray, np.ndarray]] | None = None


def _run_on(relation: duckdb.DuckDBPyRelation, query: str,
            fetch: bool) -> list[tuple[object, ...]]:
    result = relation.query("_sc_source", query)
    return result.fetchall() if fetch else []


def _source_csv(ctx: Context, progress: Callable[[int], None] | None) -> Source:
    """A text export: scanned (encoding, lines), then read by DuckDB as VARCHAR."""
    result = scan(ctx.path, progress)
    ctx.temp_files.extend(result.temp_files)
    rep = ctx.report
    rep.encoding = ENCODING_NAMES.get(result.encoding, result.encoding)
    rep.delimiter = result.delimiter
    rep.size_bytes, rep.sha256 = result.size_bytes, result.sha256
    if result.record_lines.size == 0 or not result.header:
        raise ImportRefused(f"{ctx.path}: fichier vide / empty file")
    read = _read_csv_sql(
        result.utf8_path, result.delimiter, result.max_fields, not result.quoted_newlines
    )
    ctx.file_blank_lines = [int(x) for x in result.blank_lines]

    def run(lines: np.ndarray | None, query: str, fetch: bool) -> list[tuple[object, ...]]:
        stream = _LineStream(ctx.con, ctx.path, read,
                             result.record_lines if lines is None else lines)
        try:
            rows = _run_on(ctx.con.from_arrow(stream.reader()), query, fetch)
        except duckdb.Error as exc:
            if stream.overflow:
                raise _LinesDisagree from exc
            raise _unreadable(ctx.path, exc) from exc
        if stream.overflow or (stream.finished and stream.offset != stream.lines.size):
            raise _LinesDisagree
        return rows

    def relines() -> tuple[np.ndarray, np.ndarray]:
        return record_lines_slow(result.utf8_path, result.delimiter)

    return Source(
        header=result.header,
        width=result.max_fields,
        run=run,
        header_line=int(result.record_lines[0]),
        relines=relines,
    )


def _source_xlsx(ctx: Context) -> Source:
    """The first sheet of a workbook, every cell as text, lines = sheet row numbers."""
    sheet = read_xlsx(ctx.path)
    rep = ctx.report
    rep.encoding, rep.delimiter = "XLSX", ""
    rep.size_bytes, rep.sha256 = sheet.size_bytes, sheet.sha256
    if not sheet.header:
        raise ImportRefused(f"{ctx.path}: feuille vide / empty sheet")
    width = max([len(sheet.header), *(len(r) for r in sheet.rows)])
    cells = [list(r) + [None] * (width - len(r)) for r in sheet.rows]
    frame = pd.DataFrame(cells, columns=[f"c{i}" for i in range(width)], dtype=object)
    frame.insert(0, "_line", sheet.lines)
    frame = frame.astype({f"c{i}": "string" for i in range(width)})
    _frame_table(ctx.con, "_sc_xlsx", frame)
    ctx.file_blank_lines = sheet.blank_lines
    sheet_rows = "(SELECT true AS _present, * FROM _sc_xlsx)"
    return Source(
        sheet.header, width,
        lambda _lines, query, fetch: _run_on(ctx.con.sql(sheet_rows), query, fetch),
    )


# --- 2. mapping and cleaning -------------------------------------------------------------


def _plan(ctx: Context, header: list[str], width: int, fmt: str) -> tuple[str, dict[str, str]]:
    """Decide each source column's target; returns (format, {cleaned name: source column})."""
    profile = ctx.profile
    roles = profile.long_roles()
    long_possible = {"item", "answer"} <= {roles.get(header_key(h)) for h in header}
    if fmt == "auto":
        fmt = profile.format or ("long" if long_possible else "wide")
    if fmt == "long" and not long_possible:
        spec = profile.long
        need = f"{spec.item!r}, {spec.answer!r}" if spec else "item, answer"
        raise ImportRefused(
            f"{ctx.path}: format long sans les colonnes {need} / long format needs columns {need}"
        )
    sources: dict[str, str] = {}
    for i in range(width):
        title = header[i].strip() if i < len(header) else ""
        role = roles.get(header_key(title)) if fmt == "long" and title else None
        if role:
            sources[_ROLE_COLUMNS[role]] = f"c{i}"
            continue
        target = profile.target_of(title) if title else None
        if not title:
            name = f"_x{i + 1}"
            ctx.extras.append(name)
            sources[name] = f"c{i}"
            continue
        if target is None:
            continue
        if target in sources:
            raise ImportRefused(
                f"{ctx.path}: deux colonnes donnent {target!r} / two columns map to "
                f"{target!r} (en-têtes / headers: {title!r} …)"
            )
        sources[target] = f"c{i}"
    missing = [c for c in REQUIRED_COLUMNS if c not in sources]
    if missing:
        raise ImportRefused(
            f"{ctx.path}: colonnes obligatoires absentes / missing required columns: "
            f"{', '.join(missing)} (profil / profile {profile.name}; en-têtes lus / headers "
            f"read: {', '.join(h for h in header if h.strip())})"
        )
    return fmt, sources


def _cleaned(ctx: Context, source: str, name: str) -> str:
    """Cleaning SQL of one (already trimmed) column, with the value map of its target."""
    expr = na_null_sql(source, answers=ctx.answers)
    mapping = ctx.profile.value_map(name)
    if not mapping:
        return expr
    entries = ", ".join(f"{sql_str(k)}: {sql_str(v)}" for k, v in mapping.items())
    mapped = f"MAP {{{entries}}}[{token_sql(expr)}]"
    return f"coalesce({mapped}, {expr})"


def _cleaning(ctx: Context, sources: dict[str, str], header_line: int) -> Callable[[str], str]:
    """The cleaning SELECT over a source relation: cleaned text per target column,
    ``_present``, ``_line``, ``_blank`` (every cell empty) and ``_filled`` (every required
    column given), header left out. Trim, N/A clearing and value maps run once per cell."""
    trimmed = ", ".join(f"{trim_sql(src)} AS {src}" for src in dict.fromkeys(sources.values()))
    select = ", ".join(
        f"{_cleaned(ctx, src, name)} AS {q(name)}" for name, src in sources.items()
    )
    all_null = " AND ".join(f"{q(n)} IS NULL" for n in sources)
    filled = " AND ".join(f"{q(n)} IS NOT NULL" for n in REQUIRED_COLUMNS)

    def over(relation: str) -> str:
        return (
            f"SELECT *, ({all_null}) AS _blank, ({filled}) AS _filled FROM "
            f"(SELECT _present, _line, {select} FROM (SELECT _present, _line, {trimmed} "
            f"FROM {relation} WHERE _line IS DISTINCT FROM {header_line}))"
        )

    return over


Run = Callable[[str, bool], list[tuple[object, ...]]]


def _stage_rows(ctx: Context, run: Run, clean: Callable[[str], str],
                sample_rows: int | None) -> bool:
    """``_sc_rows``: the cleaned first records of the file, until ``sample_rows`` non-blank
    ones are in (``None``: the whole file). True when the whole file is staged."""
    limit = None if sample_rows is None else sample_rows + 1
    while True:
        head = "_sc_source" if limit is None else f"(SELECT * FROM _sc_source LIMIT {limit})"
        run(f"CREATE OR REPLACE TEMP TABLE _sc_rows AS {clean(head)}", False)
        staged, filled = ctx.sql(
            "SELECT count(*), count(*) FILTER (WHERE NOT _blank) FROM _sc_rows"
        ).fetchall()[0]
        if limit is None or staged < limit - 1:  # the header is one of the records read
            return True
        assert sample_rows is not None
        if filled >= sample_rows:
            return False
        limit *= 4


@contextmanager
def _any_order(ctx: Context) -> Iterator[None]:
    """Let DuckDB write a staging table in any row order (every row carries its line): with
    order kept and a memory limit, DuckDB writes wide rows on one core only."""
    locked, kept = ctx.sql(
        "SELECT current_setting('lock_configuration'), "
        "current_setting('preserve_insertion_order')"
    ).fetchall()[0]
    change = kept and not locked
    if change:
        ctx.sql("SET preserve_insertion_order = false")
    try:
        yield
    finally:
        if change:
            ctx.sql("SET preserve_insertion_order = true")


def _settle_layout(ctx: Context, table: str) -> int | None:
    """Blank rows and a trailing notes block (data.md) counted, reported and removed from
    ``table``; returns the line the notes block starts on (None: no notes)."""
    last_filled, last_row = ctx.sql(
        f"SELECT max(_line) FILTER (WHERE _filled), max(_line) FILTER (WHERE NOT _blank) "
        f"FROM {table}"
    ).fetchall()[0]
    null_rows = [r[0] for r in ctx.sql(f"SELECT _line FROM {table} WHERE _blank").fetchall()]
    last_row = last_row or 0
    blanks = sorted(b for b in {*ctx.file_blank_lines, *null_rows} if b < last_row)
    notes_from = None
    if last_filled is not None:
        after = [b for b in blanks if b > last_filled]
        notes_from = after[0] if after else None
    cut = f"_line < {notes_from}" if notes_from is not None else "true"
    ctx.report.note_lines = []
    if notes_from is not None:
        ctx.report.note_lines = [
            r[0]
            for r in ctx.sql(
                f"SELECT _line FROM {table} WHERE NOT _blank AND _line > {notes_from} "
                "ORDER BY _line"
            ).fetchall()
        ]
    ctx.report.blank_lines = blanks
    ctx.sql(f"DELETE FROM {table} WHERE _blank OR NOT ({cut})")
    (ctx.report.rows,) = ctx.sql(f"SELECT count(*) FROM {table}").fetchall()[0]
    return notes_from


# --- 3. long exports ---------------------------------------------------------------------


def _reject_rows(ctx: Context, select_sql: str) -> None:
    """Append rejects (line, column, value, reason) produced by a SELECT."""
    ctx.sql(f"INSERT INTO _sc_rejects {select_sql}")


def _pivot_long(ctx: Context, sources: dict[str, str]) -> None:
    """One record per evaluation from one row per item (conditional aggregation)."""
    evaluation_cols = [n for n in sources if not n.startswith("_") or n in ctx.extras]
    has_comment = "_comment" in sources
    if "_na" in sources:
        flag = parse_sql("_na", "boolean", answers=ctx.answers)
        ctx.sql(f"UPDATE _sc_rows SET _answer = NULL WHERE coalesce({flag}, false)")
    _reject_rows(
        ctx,
        "SELECT _line, 'item', NULL, 'question manquante / missing item' FROM _sc_rows "
        "WHERE _item IS NULL",
    )
    ctx.sql("DELETE FROM _sc_rows WHERE _item IS NULL")
    items = [r[0] for r in ctx.sql("SELECT DISTINCT _item FROM _sc_rows ORDER BY 1").fetchall()]
    taken = set(CANONICAL_COLUMNS) | set(evaluation_cols)
    keys: dict[str, str] = {}
    for item in items:
        key = snake_case(item) or "item"
        while key in taken:
            key += "_item"
        keys[item] = key
        taken.add(key)
    _frame_table(
        ctx.con, "_sc_items", pd.DataFrame({"_item": list(keys), "_key": list(keys.values())})
    )
    parts_of_key = ["interaction_id"] + [
        f"coalesce({c}, '')" for c in ("evaluator_id", "evaluated_at") if c in sources
    ]
    ev_key = " || chr(31) || ".join(parts_of_key)
    if "evaluation_id" in sources:
        ev_key = f"coalesce(evaluation_id, {ev_key})"
    ctx.sql(
        "CREATE OR REPLACE TEMP TABLE _sc_long AS SELECT r.*, i._key, "
        f"{ev_key} AS _ekey FROM _sc_rows r JOIN _sc_items i USING (_item)"
    )
    _reject_rows(
        ctx,
        "SELECT _line, _item, _answer, 'question en double dans l''évaluation, remplacée par la "
        "ligne ' || _winner || ' / item repeated in the evaluation, replaced by line ' "
        "|| _winner FROM (SELECT _line, _item, _answer, max(_line) OVER w AS _winner, "
        "row_number() OVER (w ORDER BY _line DESC) AS _n FROM _sc_long "
        "WINDOW w AS (PARTITION BY _ekey, _key)) WHERE _n > 1",
    )
    parts = ["true AS _present", "min(_line) AS _line", "false AS _blank", "true AS _filled"]
    parts += [f"arg_min({q(c)}, _line) AS {q(c)}" for c in evaluation_cols]
    for key in dict.fromkeys(keys.values()):
        cond = f"FILTER (WHERE _key = {sql_str(key)})"
        parts.append(f"arg_max(_answer, _line) {cond} AS {q(key)}")
        parts.append(f"max(_line) {cond} AS {q('_line_' + key)}")
        ctx.item_columns.append(Column(key, key, line=f"coalesce({q('_line_' + key)}, _line)"))
        if has_comment:
            parts.append(f"arg_max(_comment, _line) {cond} AS {q(key + '__comment')}")
            ctx.item_columns.append(
                Column(key + "__comment", key + "__comment",
                       line=f"coalesce({q('_line_' + key)}, _line)")
            )
    ctx.sql(
        f"CREATE OR REPLACE TEMP TABLE _sc_rows AS SELECT {', '.join(parts)} "
        "FROM _sc_long GROUP BY _ekey"
    )
    ctx.sql("DROP TABLE _sc_long; DROP TABLE _sc_items")


# --- 4. types ----------------------------------------------------------------------------


def _infer(
    ctx: Context, names: list[str], relation: str = "_sc_rows"
) -> tuple[dict[str, str], set[str]]:
    """Kind of each column over ``relation`` (data.md order: boolean, integer, number,
    timestamp, else text); a column with no value at all is text. Also returns the columns
    that had no value.

    Staged: each kind is tried only on the columns every earlier kind failed, one scan per
    stage, so a yes/no column never pays for the date parser.
    """
    kinds: dict[str, str] = {}
    empty: set[str] = set()
    pending = list(names)
    for kind in ("boolean", "integer", "number", "timestamp"):
        if not pending:
            break
        parsed = [_inference_sql(ctx, q(n), kind) for n in pending]
        exprs = ", ".join(
            f"count({q(n)}), count({p})" for n, p in zip(pending, parsed, strict=True)
        )
        row = ctx.sql(f"SELECT {exprs} FROM {relation}").fetchall()[0]
        still: list[str] = []
        for i, name in enumerate(pending):
            present, read = row[2 * i], row[2 * i + 1]
            if present == 0:
                kinds[name] = "text"
                empty.add(name)
            elif read == present:
                kinds[name] = kind
            else:
                still.append(name)
        pending = still
    kinds.update({n: "text" for n in pending})
    return kinds, empty


def _inference_sql(ctx: Context, expr: str, kind: str) -> str:
    """The parse inference accepts a value with (a boolean reads no 1/0: data.md)."""
    return parse_sql(
        expr, kind, answers=ctx.answers, date_order=ctx.profile.date_order, boolean_digits=False
    )


def _infer_sampled(ctx: Context, names: list[str]) -> tuple[dict[str, str], set[str]]:
    """Kinds from the first rows, and the columns whose kind the typing pass must confirm.

    The inference stages are strict (every value must read), so a kind the sample rules
    out is ruled out for the whole file too: a column inferred as kind K on the sample is
    K over the whole file exactly when every value reads as K, which the typing pass
    checks for free (its rejects). Text with values in the sample is final; a column
    without any value in the sample is inferred over the whole file at once. With a time
    zone the typing parse differs from the inference parse, so the file is inferred whole.
    """
    (rows,) = ctx.sql("SELECT count(*) FROM _sc_rows").fetchall()[0]
    if rows <= INFER_SAMPLE_ROWS or ctx.profile.timezone is not None or not names:
        return _infer(ctx, names)[0], set()
    kinds, empty = _infer(ctx, names, f"(SELECT * FROM _sc_rows LIMIT {INFER_SAMPLE_ROWS})")
    if empty:
        kinds.update(_infer(ctx, [n for n in names if n in empty])[0])
    provisional = {n for n, k in kinds.items() if k != "text" and n not in empty}
    return kinds, provisional


@dataclass
class Types:
    """What the type decision found: stored columns, the stored ones still empty, the
    columns whose sampled kind the typing pass confirms, and (streamed files) the columns
    empty in the sample, staged as text until the whole file is in."""

    stored: dict[str, str]
    empty_stored: set[str]
    provisional: set[str] = field(default_factory=set)
    pending: set[str] = field(default_factory=set)


def _fixed_kinds(ctx: Context, outputs: list[Column]) -> tuple[Types, list[str]]:
    """Kinds known without reading values (canonical, comment, stored, declared); returns
    the types so far and the columns left to infer."""
    stored = evaluation_columns(ctx.con)
    empty_stored: set[str] = set()
    observed = [c.name for c in outputs if c.name in stored and c.name not in CANONICAL_COLUMNS]
    if observed:
        counts = ctx.sql(
            "SELECT " + ", ".join(f"count({q(n)})" for n in observed) + " FROM evaluations"
        ).fetchall()[0]
        empty_stored = {n for n, k in zip(observed, counts, strict=True) if k == 0}
    to_infer: list[str] = []
    for col in outputs:
        if col.name in CANONICAL_COLUMNS:
            col.kind = _CANONICAL_KINDS[col.name]
        elif col.name.endswith("__comment"):
            col.kind = "text"
        elif col.name in stored and col.name not in empty_stored:
            col.kind = kind_of(stored[col.name])
        elif col.name in ctx.profile.types:
            col.kind = ctx.profile.types[col.name]
        else:
            to_infer.append(col.name)
    return Types(stored, empty_stored), to_infer


def _set_kinds(outputs: list[Column], kinds: dict[str, str]) -> None:
    for col in outputs:
        if col.name in kinds:
            col.kind = kinds[col.name]


def _decide_types(ctx: Context, outputs: list[Column]) -> Types:
    """Set each column's kind over the staged file (inferred ones from a sample, see
    :func:`_infer_sampled`)."""
    types, to_infer = _fixed_kinds(ctx, outputs)
    inferred, types.provisional = _infer_sampled(ctx, to_infer)
    _set_kinds(outputs, inferred)
    return types


def _sample_kinds(ctx: Context, outputs: list[Column], sample_rows: int) -> tuple[Types, int]:
    """Kinds of a streamed file from its first ``sample_rows`` non-blank records.

    Non-text kinds are provisional (the typing pass confirms them); text with values in
    the sample is final; a column without a value in the sample is staged as text and
    inferred once the whole file is typed. Returns the types and the sample's last line.
    """
    types, to_infer = _fixed_kinds(ctx, outputs)
    sample = f"(SELECT * FROM _sc_rows WHERE NOT _blank ORDER BY _line LIMIT {sample_rows})"
    kinds, empty = _infer(ctx, to_infer, sample)
    _set_kinds(outputs, kinds)
    types.provisional = {n for n, k in kinds.items() if k != "text" and n not in empty}
    types.pending = set(empty)
    (last,) = ctx.sql(f"SELECT max(_line) FROM {sample}").fetchall()[0]
    return types, int(last or 0)


_KINDS_IN_ORDER = ("boolean", "integer", "number", "timestamp")


def _infer_stream(
    ctx: Context, names: list[str], clean: Callable[[str], str], run: Run,
    notes_from: int | None,
) -> dict[str, str]:
    """Whole-file inference in one pass over the source (same answer as :func:`_infer`
    over the whole file: the first kind every value reads as), notes and blank rows left
    out."""
    if not names:
        return {}
    exprs = ", ".join(
        f"count({q(n)})"
        + "".join(f", count({_inference_sql(ctx, q(n), k)})" for k in _KINDS_IN_ORDER)
        for n in names
    )
    cut = f"AND _line < {notes_from}" if notes_from is not None else ""
    width = 1 + len(_KINDS_IN_ORDER)
    with _any_order(ctx):
        (totals,) = run(f"SELECT {exprs} FROM ({clean('_sc_source')}) WHERE NOT _blank {cut}",
                        True)
    kinds: dict[str, str] = {}
    for i, name in enumerate(names):
        present, *read = totals[i * width:(i + 1) * width]
        fits = [k for k, n in zip(_KINDS_IN_ORDER, read, strict=True) if n == present]
        kinds[name] = fits[0] if present and fits else "text"
    return kinds


def _failed_columns(ctx: Context, names: set[str]) -> list[str]:
    """Which of these columns some value of ``_sc_typed`` failed to read as."""
    if not names:
        return []
    return [
        r[0]
        for r in ctx.sql(
            "SELECT DISTINCT e.column FROM (SELECT unnest(_errs) AS e FROM _sc_typed "
            "WHERE len(_errs) > 0)"
        ).fetchall()
        if r[0] in names
    ]


def _confirm_types(ctx: Context, outputs: list[Column], types: Types) -> None:
    """Re-infer over the whole file the sampled columns a value failed, and retype."""
    failed = _failed_columns(ctx, types.provisional)
    if not failed:
        return
    _set_kinds(outputs, _infer(ctx, failed)[0])
    _typed(ctx, outputs, types.provisional - set(failed))


def _add_columns(ctx: Context, outputs: list[Column], types: Types) -> None:
    """Add (or retype, when still empty) the observation columns of this file."""
    for col in outputs:
        typ = DUCKDB_TYPES[col.kind]
        if col.name not in types.stored:
            ctx.sql(f"ALTER TABLE evaluations ADD COLUMN {q(col.name)} {typ}")
            ctx.report.columns_added[col.name] = typ
        elif col.name in types.empty_stored and kind_of(types.stored[col.name]) != col.kind:
            ctx.sql(f"ALTER TABLE evaluations ALTER {q(col.name)} TYPE {typ} USING NULL")
            ctx.report.columns_added[col.name] = typ


# --- 5. typing, rejects, merge -------------------------------------------------------------

def _derived_id(present: set[str]) -> str:
    """evaluation_id when absent (data.md): a digest of interaction_id, evaluator_id and
    evaluated_at (typed, so two spellings of one date give one id)."""
    evaluator = "coalesce(evaluator_id, '')" if "evaluator_id" in present else "''"
    evaluated = (
        "coalesce(strftime(evaluated_at, '%Y-%m-%dT%H:%M:%S'), '')"
        if "evaluated_at" in present
        else "''"
    )
    return (
        f"'auto-' || substr(sha256(interaction_id || chr(31) || {evaluator} || chr(31) || "
        f"{evaluated}), 1, 24)"
    )


def _typed_names(outputs: list[Column]) -> list[str]:
    """The columns of ``_sc_typed`` the row hash covers (evaluation_id always)."""
    names = [c.name for c in outputs]
    return names if "evaluation_id" in names else [*names, "evaluation_id"]


def _hash_sql(names: list[str]) -> str:
    """The row hash: DuckDB's hash over the typed values (md5 of a JSON row costs ~5x
    more), seeded with the column names so a file with other columns never counts as
    unchanged."""
    digest = hashlib.md5("\x1f".join(sorted(names)).encode()).hexdigest()
    hashed = ", ".join([sql_str(digest), *(q(n) for n in sorted(names))])
    return f"printf('%016x', hash({hashed}))"


def _typed(ctx: Context, outputs: list[Column], provisional: set[str]) -> None:
    """``_sc_typed`` from the staged ``_sc_rows`` (see :func:`_typed_sql`)."""
    ctx.sql(
        "CREATE OR REPLACE TEMP TABLE _sc_typed AS "
        + _typed_sql(ctx, outputs, provisional, "_sc_rows")
    )


def _typed_sql(
    ctx: Context, outputs: list[Column], provisional: set[str], relation: str
) -> str:
    """SELECT of typed values, the row hash, and the list of failures per record of the
    cleaned ``relation`` (``_present``, ``_line``, ``_blank`` and ``_filled`` carried along).

    A ``provisional`` column (kind inferred on a sample) is parsed as the inference parses,
    so a value the whole-file inference would refuse shows up as a failure.
    """
    opts = {
        "answers": ctx.answers,
        "date_order": ctx.profile.date_order,
        "timezone": ctx.profile.timezone,
    }
    inner = ["_present", "_line", "_blank", "_filled"]
    errors: list[str] = []
    for i, col in enumerate(outputs):
        inner.append(f"{q(col.source)} AS v{i}")
        parsed = (
            _inference_sql(ctx, q(col.source), col.kind)
            if col.name in provisional
            else parse_sql(q(col.source), col.kind, **opts)
        )
        inner.append(f"{parsed} AS t{i}")
        inner.append(f"{col.line} AS l{i}")
        if col.kind != "text":
            errors.append(
                f"CASE WHEN v{i} IS NOT NULL AND t{i} IS NULL THEN {{'line': l{i}, "
                f"'column': {sql_str(col.name)}, 'value': v{i}, "
                f"'reason': {reason_sql(f'v{i}', col.kind)}}} END"
            )
    index = {c.name: i for i, c in enumerate(outputs)}
    for name in REQUIRED_COLUMNS:
        i = index[name]
        errors.append(
            f"CASE WHEN v{i} IS NULL THEN {{'line': l{i}, 'column': {sql_str(name)}, "
            f"'value': NULL, 'reason': {sql_str(name + ' manquant / missing')}}} END"
        )
    for extra in ctx.extras:
        inner.append(f"{q(extra)} AS {q(extra)}")
        number = extra.removeprefix("_x")
        errors.append(
            f"CASE WHEN {q(extra)} IS NOT NULL THEN {{'line': _line, 'column': "
            f"{sql_str('#' + number)}, 'value': {q(extra)}, 'reason': "
            "'valeur dans une colonne sans en-tête / value in a column without a header'} END"
        )
    typed: dict[str, str] = {c.name: f"t{i}" for i, c in enumerate(outputs)}
    for flag in ("is_calibration", "is_expert"):
        if flag in typed:
            typed[flag] = f"coalesce({typed[flag]}, false)"
    derived = _derived_id(set(typed))
    typed.setdefault("evaluation_id", "NULL::VARCHAR")
    outer = [f"{expr} AS {q(name)}" for name, expr in typed.items()]
    # The list is built only for failing records: most rows never pay for it.
    failing = " OR ".join(
        [f"(v{i} IS NOT NULL AND t{i} IS NULL)" for i, c in enumerate(outputs) if c.kind != "text"]
        + [f"v{index[n]} IS NULL" for n in REQUIRED_COLUMNS]
        + [f"{q(x)} IS NOT NULL" for x in ctx.extras]
    )
    err_list = (
        f"CASE WHEN {failing} THEN list_filter([" + ", ".join(errors) + "], "
        "lambda e: e IS NOT NULL) ELSE [] END"
    )
    return (
        f"SELECT *, {_hash_sql(list(typed))} AS _row_hash FROM ("
        f"SELECT _present, _line, _blank, _filled, "
        f"coalesce(evaluation_id, {derived}) AS evaluation_id, "
        f"* EXCLUDE (_present, _line, _blank, _filled, evaluation_id, _errs), _errs FROM "
        f"(SELECT _present, _line, _blank, _filled, {', '.join(outer)}, {err_list} AS _errs "
        f"FROM (SELECT {', '.join(inner)} FROM {relation})))"
    )


def _type_stream(
    ctx: Context, outputs: list[Column], provisional: set[str], clean: Callable[[str], str],
    run: Run,
) -> None:
    """``_sc_typed`` straight from the source, cleaned and typed in one statement: DuckDB
    reads the file as it goes, so its text is never held whole (the staged sample is
    dropped and read again with the rest)."""
    ctx.sql("DROP TABLE IF EXISTS _sc_rows")
    typed = _typed_sql(ctx, outputs, provisional, f"({clean('_sc_source')})")
    with _any_order(ctx):
        run(f"CREATE OR REPLACE TEMP TABLE _sc_typed AS {typed}", False)


def _settle_pending(ctx: Context, outputs: list[Column], types: Types) -> bool:
    """Infer the columns empty in the sample over the whole typed file (staged as text)
    and retype them in place; False when a value would not read (then a second pass)."""
    if not types.pending:
        return True
    kinds = _infer(ctx, sorted(types.pending), "_sc_typed")[0]
    changed = {n: k for n, k in kinds.items() if k != "text"}
    if not changed:
        return True
    opts = {"answers": ctx.answers, "date_order": ctx.profile.date_order,
            "timezone": ctx.profile.timezone}
    parsed = {n: parse_sql(q(n), k, **opts) for n, k in changed.items()}
    unread = " OR ".join(f"({q(n)} IS NOT NULL AND {p} IS NULL)" for n, p in parsed.items())
    (bad,) = ctx.sql(f"SELECT count(*) FILTER (WHERE {unread}) FROM _sc_typed").fetchall()[0]
    if bad:
        return False
    for name, kind in changed.items():
        ctx.sql(
            f"ALTER TABLE _sc_typed ALTER {q(name)} TYPE {DUCKDB_TYPES[kind]} "
            f"USING {parsed[name]}"
        )
    _set_kinds(outputs, changed)
    ctx.sql(f"UPDATE _sc_typed SET _row_hash = {_hash_sql(_typed_names(outputs))}")
    return True


def _sample_held(
    ctx: Context, outputs: list[Column], types: Types, notes_from: int | None, sample_last: int
) -> bool:
    """The sampled kinds hold over the whole file: no notes row was in the sample, no value
    fails a provisional column, no provisional date needs the profile's time zone, and the
    columns empty in the sample type cleanly."""
    if notes_from is not None and notes_from <= sample_last:
        return False
    if _failed_columns(ctx, types.provisional):
        return False
    kinds = {c.name: c.kind for c in outputs}
    if ctx.profile.timezone is not None and any(
        kinds[n] == "timestamp" for n in types.provisional
    ):
        return False
    return _settle_pending(ctx, outputs, types)


def _typed_rejects(ctx: Context) -> None:
    """Rejects of the typing pass: unreadable values, and duplicate ids (last line wins)."""
    ctx.sql("DROP TABLE IF EXISTS _sc_rows")
    _reject_rows(
        ctx,
        "SELECT e.line, e.column, e.value, e.reason FROM "
        "(SELECT unnest(_errs) AS e FROM _sc_typed WHERE len(_errs) > 0)",
    )
    # A hash count is cheaper than the window below, which most files do not need.
    (ctx.unique_ids,) = ctx.sql(
        "SELECT count(*) = count(DISTINCT evaluation_id) FROM _sc_typed WHERE len(_errs) = 0"
    ).fetchall()[0]
    if ctx.unique_ids:
        return
    _reject_rows(
        ctx,
        "SELECT _line, 'evaluation_id', evaluation_id, 'evaluation_id en double dans le fichier, "
        "remplacé par la ligne ' || _winner || ' / duplicate evaluation_id in the file, "
        "replaced by line ' || _winner FROM (SELECT _line, evaluation_id, "
        "max(_line) OVER w AS _winner, row_number() OVER (w ORDER BY _line DESC) AS _n "
        "FROM _sc_typed WHERE len(_errs) = 0 WINDOW w AS (PARTITION BY evaluation_id)) "
        "WHERE _n > 1",
    )


def _merge(ctx: Context) -> None:
    """Count new / replaced / unchanged against the stored rows (last line wins in-file).

    Only (evaluation_id, line, status) is materialised: copying every column again would
    cost as much as the typing pass.
    """
    last_line_wins = (
        "" if ctx.unique_ids
        else "QUALIFY row_number() OVER (PARTITION BY evaluation_id ORDER BY _line DESC) = 1"
    )
    ctx.sql(
        "CREATE OR REPLACE TEMP TABLE _sc_status AS SELECT t.evaluation_id, t._line, "
        "CASE WHEN e._eid IS NULL THEN 'new' WHEN e._old = t._row_hash THEN 'unchanged' "
        "ELSE 'replaced' END AS _status FROM (SELECT evaluation_id, _line, _row_hash "
        f"FROM _sc_typed WHERE len(_errs) = 0 {last_line_wins}) t "
        "LEFT JOIN (SELECT evaluation_id AS _eid, any_value(_row_hash) AS _old "
        "FROM evaluations GROUP BY ALL) e ON e._eid = t.evaluation_id"
    )
    counts = dict(ctx.sql("SELECT _status, count(*) FROM _sc_status GROUP BY 1").fetchall())
    rep = ctx.report
    rep.new, rep.replaced, rep.unchanged = (
        counts.get(k, 0) for k in ("new", "replaced", "unchanged")
    )
    (rep.rejected,) = ctx.sql("SELECT count(DISTINCT line) FROM _sc_rejects").fetchall()[0]


def _write(ctx: Context, outputs: list[Column], import_id: int) -> None:
    rep = ctx.report
    if rep.replaced:
        ctx.sql(
            "DELETE FROM evaluations WHERE evaluation_id IN "
            "(SELECT evaluation_id FROM _sc_status WHERE _status = 'replaced')"
        )
    names = ["evaluation_id", *(c.name for c in outputs if c.name != "evaluation_id")]
    cols = ", ".join(q(n) for n in names)
    (valid,) = ctx.sql("SELECT count(*) FROM _sc_typed WHERE len(_errs) = 0").fetchall()[0]
    if rep.new == valid:  # every valid line is a new evaluation: no join needed
        chosen = "len(_errs) = 0"
    else:
        chosen = "_line IN (SELECT _line FROM _sc_status WHERE _status <> 'unchanged')"
    if rep.new or rep.replaced:
        with _any_order(ctx):  # rows carry no order worth a single-core write
            ctx.sql(
                f"INSERT INTO evaluations ({cols}, _import_id, _row_hash) SELECT {cols}, "
                f"{import_id}, _row_hash FROM _sc_typed WHERE {chosen}"
            )
    ctx.sql(
        "INSERT INTO rejects SELECT ?, ?, line, \"column\", value, reason, ? FROM _sc_rejects "
        "ORDER BY line",
        [import_id, rep.path, ctx.imported_at],
    )
    ctx.sql(
        "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            import_id, rep.path, rep.size_bytes, rep.sha256, rep.rows, rep.new, rep.replaced,
            rep.unchanged, rep.rejected, rep.skipped, rep.profile, rep.format, rep.encoding,
            rep.delimiter, ctx.imported_at,
        ],
    )


def _collect_rejects(ctx: Context) -> None:
    rows = ctx.sql(
        f"SELECT line, \"column\", value, reason FROM _sc_rejects ORDER BY line, \"column\" "
        f"LIMIT {REPORT_REJECTS_LIMIT}"
    ).fetchall()
    ctx.report.rejects = [Reject(ctx.report.path, int(l), c, v, r) for l, c, v, r in rows]


def _unbalanced(path: Path) -> ImportRefused:
    return ImportRefused(
        f"{path}: guillemets déséquilibrés, lignes impossibles à situer / "
        "unbalanced quotes: records cannot be located in the file"
    )


def _stage_and_type(
    ctx: Context,
    source: Source,
    lines: np.ndarray | None,
    fmt: str,
    sources: dict[str, str],
    clean: Callable[[str], str],
) -> tuple[list[Column], Types]:
    """``_sc_typed`` for the whole file; returns the output columns and their types.

    A file that fits in the staged sample (and every long export, pivoted whole) is staged
    whole, then typed. A bigger wide file is streamed: kinds from the sample, then the
    file cleaned and typed in one statement, the notes block settled at the end. If the
    sample misled (a provisional kind failed, notes inside the sample...), the file is
    inferred whole in one pass and typed again, so the result never depends on the
    sample's size.
    """

    def run(query: str, fetch: bool) -> list[tuple[object, ...]]:
        return source.run(lines, query, fetch)

    sample_rows = min(INFER_SAMPLE_ROWS, ctx.stage_rows) if fmt == "wide" else None
    if _stage_rows(ctx, run, clean, sample_rows):
        _settle_layout(ctx, "_sc_rows")
        if fmt == "long":
            _pivot_long(ctx, sources)
            names = [n for n in sources if not n.startswith("_")]
            outputs = [Column(n, n) for n in names] + ctx.item_columns
        else:
            outputs = [Column(n, n) for n in sources if not n.startswith("_")]
        types = _decide_types(ctx, outputs)
        _typed(ctx, outputs, types.provisional)
        _confirm_types(ctx, outputs, types)
        return outputs, types
    assert sample_rows is not None
    outputs = [Column(n, n) for n in sources if not n.startswith("_")]
    types, sample_last = _sample_kinds(ctx, outputs, sample_rows)
    _type_stream(ctx, outputs, types.provisional, clean, run)
    notes_from = _settle_layout(ctx, "_sc_typed")
    if _sample_held(ctx, outputs, types, notes_from, sample_last):
        return outputs, types
    to_infer = _fixed_kinds(ctx, outputs)[1]
    _set_kinds(outputs, _infer_stream(ctx, to_infer, clean, run, notes_from))
    types.provisional, types.pending = set(), set()
    _type_stream(ctx, outputs, set(), clean, run)
    _settle_layout(ctx, "_sc_typed")
    return outputs, types


def import_one(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    profile: Profile | None,
    fmt: str,
    imported_at: datetime,
    progress: Callable[[int], None] | None,
    temp_files: list[Path],
    stage_rows: int = INFER_SAMPLE_ROWS,
) -> FileReport:
    """Import one file inside the caller's transaction (see module docstring)."""
    report = FileReport(
        path=str(path), profile=profile.name if profile else "", profile_auto=profile is None,
        format="", encoding="", delimiter="",
    )
    ctx = Context(con, path, profile or Profile(name="?"), report, DEFAULT_ANSWERS, imported_at,
                  temp_files=temp_files, stage_rows=stage_rows)
    ctx.sql(
        "CREATE OR REPLACE TEMP TABLE _sc_rejects (line BIGINT, \"column\" VARCHAR, "
        "value VARCHAR, reason VARCHAR)"
    )
    if path.suffix.lower() in XLSX_SUFFIXES:
        source = _source_xlsx(ctx)
    else:
        source = _source_csv(ctx, progress)
    if profile is None:
        ctx.profile = resolve_profile(best_profile(source.header))
        report.profile = ctx.profile.name
    ctx.answers = ctx.profile.answers or DEFAULT_ANSWERS
    fmt, sources = _plan(ctx, source.header, source.width, fmt)
    report.format = fmt
    clean = _cleaning(ctx, sources, source.header_line)
    try:
        outputs, types = _stage_and_type(ctx, source, None, fmt, sources, clean)
    except _LinesDisagree:
        if source.relines is None:
            raise _unbalanced(path) from None
        starts, blanks = source.relines()
        ctx.file_blank_lines = [int(x) for x in blanks]
        ctx.sql("DELETE FROM _sc_rejects")
        ctx.item_columns = []
        try:
            outputs, types = _stage_and_type(ctx, source, starts, fmt, sources, clean)
        except _LinesDisagree:
            raise _unbalanced(path) from None
    _add_columns(ctx, outputs, types)
    _typed_rejects(ctx)
    (import_id,) = con.execute(
        "SELECT coalesce(max(import_id), 0) + 1 FROM imports"
    ).fetchall()[0]
    _merge(ctx)
    _collect_rejects(ctx)
    earlier = con.execute(
        "SELECT import_id, imported_at FROM imports WHERE sha256 = ? ORDER BY import_id DESC "
        "LIMIT 1",
        [report.sha256],
    ).fetchall()
    previous = earlier[0] if earlier else None
    if previous is not None:
        report.already_imported = (int(previous[0]), previous[1])
    if previous is None or report.changed:
        _write(ctx, outputs, import_id)
        report.import_id = import_id
    for table in ("_sc_typed", "_sc_status", "_sc_rejects", "_sc_xlsx"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return report
