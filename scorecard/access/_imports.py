"""Imports uploaded on the dashboard's import page (quality managers only).

The dashboard's connection may read files only from its private upload folder
(``allowed_directories``), so an upload is written there under a generated name, imported
through :func:`scorecard.importing.import_files`, re-scored with the current ruleset (as the
CLI's ``import`` does), and deleted. The importer's own temporary files (transcoded
Windows-1252 exports) are created in the same folder for the duration of the import.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from scorecard.access._derived import refresh_derived
from scorecard.access._feedback import WRITE_LOCK
from scorecard.access._scope import Scope
from scorecard.errors import ScopeError, UserError

ALLOWED_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")


@dataclass
class UploadOutcome:
    """What the import page shows: the importer's report and what scoring said."""

    report: object  # scorecard.importing.ImportReport
    scoring: str | None
    scoring_error: str | None


@contextmanager
def _temp_files_in(folder: Path) -> Iterator[None]:
    """Make ``tempfile`` create files in ``folder`` (the only folder the connection may read)."""
    saved = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = saved


def _safe_name(name: str) -> str:
    """The uploaded file's own name, reduced to safe characters (kept in the import log)."""
    base = Path(name).name
    suffix = Path(base).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise UserError(
            f"{base}: only CSV or XLSX files can be imported / seuls les fichiers CSV ou XLSX sont acceptés"
        )
    stem = re.sub(r"[^\w.-]+", "_", Path(base).stem)[:80].strip("._") or "upload"
    return f"{stem}{suffix}"


def import_uploads(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    upload_dir: Path,
    files: list[tuple[str, bytes]],
    *,
    profile: str = "auto",
    format: str = "auto",
    strict: bool = False,
    lang: str = "en",
) -> UploadOutcome:
    """Import uploaded files in one transaction, then re-score with the current ruleset."""
    from scorecard.importing import import_files
    from scorecard.scoring import current_ruleset_id, score, stored_ruleset

    if not scope.is_quality_manager:
        raise ScopeError("imports are for quality managers / import réservé au responsable qualité")
    if not files:
        raise UserError("choose at least one file / choisissez au moins un fichier")
    paths: list[Path] = []
    batch = upload_dir / uuid.uuid4().hex
    with WRITE_LOCK:
        cur = con.cursor()
        try:
            batch.mkdir()
            for i, (name, content) in enumerate(files):
                folder = batch / str(i)  # one folder per file: two uploads may share a name
                folder.mkdir()
                path = folder / _safe_name(name)
                path.write_bytes(content)
                paths.append(path)
            with _temp_files_in(upload_dir):
                report = import_files(cur, paths, profile=profile, format=format, strict=strict)
            for file_report in report.files:  # the person knows the file by its name, not our copy's path
                file_report.path = Path(file_report.path).name
            scoring, error = None, None
            rid = current_ruleset_id(cur)
            if rid is not None and not report.is_noop:
                try:
                    scoring = score(cur, stored_ruleset(cur, rid)).render(lang)
                except UserError as exc:
                    error = str(exc)
            refresh_derived(cur)
            return UploadOutcome(report=report, scoring=scoring, scoring_error=error)
        finally:
            cur.close()
            shutil.rmtree(batch, ignore_errors=True)
