"""Evaluation exports (CSV, XLSX) -> the ``evaluations`` table, with ``rejects`` and ``imports``.

data.md is the contract. In short: every input row ends in ``evaluations`` or in ``rejects``
(with file, physical line, column, value and a reason in French and English); all files of
one call land in one transaction or not at all; importing the same file again changes
nothing and says so; a row whose ``evaluation_id`` is already stored replaces it.

Duplicate ``evaluation_id`` inside one file: the **last** line wins; each earlier line is
recorded in ``rejects`` ("replaced by line N"), so nothing disappears silently. In long
exports the same rule applies to an item repeated within one evaluation.

Public API: :func:`import_files`, :class:`ImportReport`, :func:`detect_profile`,
:func:`cast_sql` (with :func:`clean_sql`, :func:`parse_sql`, :func:`cast_failed_sql`,
:func:`cast_values`) and :data:`DEFAULT_ANSWERS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path

import duckdb

from scorecard.errors import ImportRefused
from scorecard.importing._cast import (
    DEFAULT_ANSWERS,
    DUCKDB_TYPES,
    REASONS,
    Answers,
    cast_failed_sql,
    cast_sql,
    cast_values,
    clean_sql,
    kind_of,
    parse_sql,
)
from scorecard.importing._load import INFER_SAMPLE_ROWS, XLSX_SUFFIXES, import_one
from scorecard.importing._profiles import (
    Profile,
    ProfileError,
    best_profile,
    load_profile,
    resolve_profile,
    shipped_profiles,
)
from scorecard.importing._report import FileReport, ImportReport, Reject
from scorecard.importing._scan import read_xlsx, sniff

__all__ = [
    "DEFAULT_ANSWERS",
    "DUCKDB_TYPES",
    "REASONS",
    "Answers",
    "FileReport",
    "ImportReport",
    "Profile",
    "ProfileError",
    "Reject",
    "cast_failed_sql",
    "cast_sql",
    "cast_values",
    "clean_sql",
    "detect_profile",
    "import_files",
    "kind_of",
    "load_profile",
    "parse_sql",
    "shipped_profiles",
]

_FORMATS = ("auto", "wide", "long")
#: DuckDB's memory during an import (its default is 80 % of the RAM): beyond it, staging
#: tables spill to the database's ``.tmp`` directory, so a big file never crowds the machine.
IMPORT_MEMORY_LIMIT_BYTES = 2 << 30
_UNITS = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30, "TIB": 1 << 40}


def _limit_bytes(setting: str) -> float:
    """``'18.8 GiB'`` -> bytes (DuckDB's own spelling of ``memory_limit``)."""
    number, _, unit = setting.strip().partition(" ")
    return float(number) * _UNITS.get(unit.strip().upper() or "B", 1)


@contextmanager
def _bounded_memory(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Lower DuckDB's memory limit for the import (never raise it), then restore it.

    A hardened connection (configuration locked) keeps whatever limit it was opened with.
    """
    previous, locked = con.execute(
        "SELECT current_setting('memory_limit'), current_setting('lock_configuration')"
    ).fetchall()[0]
    lower = not locked and _limit_bytes(previous) > IMPORT_MEMORY_LIMIT_BYTES
    if lower:
        con.execute(f"SET memory_limit = '{IMPORT_MEMORY_LIMIT_BYTES}B'")
    try:
        yield
    finally:
        if lower:
            # DuckDB shows the limit rounded ('18.8 GiB'): the default comes back exactly
            # through RESET, a limit the caller set through its shown value.
            con.execute("RESET memory_limit")
            (now,) = con.execute("SELECT current_setting('memory_limit')").fetchall()[0]
            if now != previous:
                con.execute(f"SET memory_limit = '{previous}'")


def _headers(path: Path) -> list[str]:
    if path.suffix.lower() in XLSX_SUFFIXES:
        return read_xlsx(path).header
    return sniff(path).header


def detect_profile(path: str | Path) -> str:
    """Name of the shipped profile whose columns match this file's header best."""
    return best_profile(_headers(Path(path)))


def _check_paths(paths: list[Path]) -> None:
    for path in paths:
        if not path.is_file():
            raise ImportRefused(
                f"{path}: fichier introuvable ou illisible / file not found or unreadable"
            )


def import_files(
    con: duckdb.DuckDBPyConnection,
    paths: Iterable[str | Path],
    *,
    profile: str | Path = "auto",
    format: str = "auto",  # noqa: A002 (the CLI option's name)
    strict: bool = False,
    progress: Callable[[int, int], None] | None = None,
    stage_rows: int = INFER_SAMPLE_ROWS,
) -> ImportReport:
    """Import exports into ``evaluations`` in ONE transaction (all files, or nothing).

    Raises :class:`~scorecard.errors.ImportRefused` (database unchanged) for an unknown
    profile, an unreadable file, missing required columns, or ``strict`` with rejects.
    ``progress(done, total)`` is called with bytes read over all files. A file is typed
    from a sample of its first ``stage_rows`` records (at most 10,000), then streamed
    through DuckDB in one pass; the result does not depend on ``stage_rows`` (a smaller
    one only exercises the streamed path on small files).
    """
    files = [Path(p) for p in paths]
    if format not in _FORMATS:
        raise ImportRefused(f"format inconnu / unknown format {format!r}: auto, wide ou/or long")
    chosen = None if str(profile) == "auto" else resolve_profile(profile)
    _check_paths(files)
    total = sum(p.stat().st_size for p in files)
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done = min(total, done + n)
        if progress is not None:
            progress(done, total)

    report = ImportReport()
    temp_files: list[Path] = []
    imported_at = datetime.now().replace(microsecond=0)
    with _bounded_memory(con):
        con.execute("BEGIN TRANSACTION")
        try:
            for path in files:
                start = done
                report.files.append(
                    import_one(con, path, chosen, format, imported_at, advance, temp_files,
                               stage_rows)
                )
                advance(start + path.stat().st_size - done)
            if strict and report.rejects:
                first = report.rejects[0]
                raise ImportRefused(
                    f"--strict : {report.total('rejected')} ligne(s) rejetée(s), rien n'est "
                    f"importé / {report.total('rejected')} row(s) rejected, nothing imported; "
                    f"first: {first.file}:{first.line}: {first.column}: {first.reason}"
                )
            con.execute("COMMIT")
        except BaseException:
            with suppress(duckdb.Error):  # DuckDB may have aborted the transaction itself
                con.execute("ROLLBACK")
            raise
        finally:
            for tmp in temp_files:
                tmp.unlink(missing_ok=True)
    return report
