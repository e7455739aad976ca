"""Reading an export's bytes: encoding, delimiter, header, and where each record starts.

DuckDB parses the CSV (fast, parallel) but cannot read Windows-1252 offline and has no row
number for CSV rows. So one streaming pass over the bytes, in fixed-size chunks (memory
stays flat for a 2 GB file), does everything else at once:

- sha-256 and size for the import log;
- decoding: strict UTF-8 is only *checked*; anything else (UTF-16, Windows-1252, what
  charset-normalizer finds) is transcoded to a UTF-8 temporary file for DuckDB;
- record boundaries with numpy: a ``\\n`` ends a record when an even number of ``"`` came
  before it (doubled quotes inside a quoted field count twice, so parity is exact for
  RFC-4180 files). This gives the physical line each record starts on, the empty lines
  DuckDB skips, whether quoted newlines exist (DuckDB's parallel reader refuses those with
  null padding) and the widest record (so DuckDB reads every field, never drops one).

Row k of DuckDB's read is the k-th non-empty record; the importer checks the counts agree
and otherwise recomputes the lines with Python's csv module (:func:`record_lines_slow`).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import hashlib
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scorecard.errors import ImportRefused

CHUNK_BYTES = 8 << 20
_SAMPLE_BYTES = 1 << 20
_DELIMITERS = (";", ",", "\t", "|")
_NL, _CR, _QUOTE = 10, 13, 34

#: Display names of the encodings we report.
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (BOM)",
    "utf-16": "UTF-16 (BOM)",
    "cp1252": "Windows-1252",
}


@dataclass
class Sniffed:
    """What the first megabyte says about a text export."""

    encoding: str
    transcode: bool
    delimiter: str
    header: list[str]


@dataclass
class Scan:
    """Result of the full pass over one text export."""

    encoding: str
    delimiter: str
    header: list[str]
    utf8_path: Path
    size_bytes: int
    sha256: str
    record_lines: np.ndarray  # start line of each non-empty record, header first
    blank_lines: np.ndarray  # lines DuckDB skips (empty records)
    max_fields: int
    quoted_newlines: bool
    temp_files: list[Path] = field(default_factory=list)


def _refuse_unreadable(path: Path, why: str) -> ImportRefused:
    return ImportRefused(
        f"{path}: fichier illisible / unreadable file: {why}"
    )


def _guess_encoding(sample: bytes, path: Path) -> tuple[str, bool]:
    """(codec, needs transcoding) from BOMs, strict UTF-8, Windows-1252, then charset-normalizer."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", False
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", True
    if b"\x00" not in sample[:4096]:
        # strict UTF-8, else Windows-1252, else the detector below
        with contextlib.suppress(UnicodeDecodeError):
            codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
            return "utf-8", False
        with contextlib.suppress(UnicodeDecodeError):
            sample.decode("cp1252")
            return "cp1252", True
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        raise _refuse_unreadable(path, "encodage inconnu / unknown text encoding")
    return codecs.lookup(best.encoding).name, True


def _split_header(text: str, delimiter: str) -> list[str]:
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        if row and any(cell.strip() for cell in row):
            return row
    return []


def _pick_delimiter(text: str) -> str:
    """The candidate giving the most header fields, confirmed by the next lines."""
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()][:10]
    if not lines:
        return ","
    best, best_score = ",", (1, 0)
    for cand in _DELIMITERS:
        rows = list(csv.reader(lines, delimiter=cand))
        width = len(rows[0])
        if width < 2:
            continue
        consistent = sum(1 for r in rows[1:] if len(r) == width)
        score = (width, consistent)
        if score > best_score:
            best, best_score = cand, score
    return best


def sniff(path: Path) -> Sniffed:
    """Encoding, delimiter and header of a text export, from its first megabyte."""
    try:
        with path.open("rb") as fh:
            sample = fh.read(_SAMPLE_BYTES)
    except OSError as exc:
        raise _refuse_unreadable(path, str(exc)) from exc
    if not sample.strip():
        raise _refuse_unreadable(path, "fichier vide / empty file")
    encoding, transcode = _guess_encoding(sample, path)
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample, final=False)
    text = text.lstrip("\ufeff")
    delimiter = _pick_delimiter(text)
    header = _split_header(text, delimiter)
    if header:
        header[0] = header[0].lstrip("\ufeff")
    return Sniffed(encoding, transcode, delimiter, header)


class _RecordCounter:
    """Carries quote parity and the current record across chunks (see module docstring)."""

    def __init__(self, delimiter: str) -> None:
        self.delim = ord(delimiter)
        self.in_quotes = False
        self.lines_before = 0  # newlines seen before the current chunk
        self.rec_line = 1  # start line of the record being read
        self.rec_filled = False  # a byte other than CR seen in the current record
        self.rec_fields = 1
        self.max_fields = 1
        self.quoted_newlines = False
        self.starts: list[np.ndarray] = []
        self.blanks: list[np.ndarray] = []

    def feed(self, data: bytes) -> None:
        arr = np.frombuffer(data, dtype=np.uint8)
        if arr.size == 0:
            return
        # Quotes seen up to each byte: one cumulative sum replaces searches over positions
        # (a file quoting every field has a quote every few bytes).
        quotes_upto = np.cumsum(arr == _QUOTE, dtype=np.int64)
        newlines = np.flatnonzero(arr == _NL)
        start_parity = int(self.in_quotes)
        inside = (quotes_upto[newlines] + start_parity) & 1
        if inside.any():
            self.quoted_newlines = True
        ends = newlines[inside == 0]
        end_lines = self.lines_before + 1 + np.flatnonzero(inside == 0)
        per_record = self._delimiters_per_record(arr, quotes_upto, ends, start_parity)
        if ends.size:
            starts = np.empty(ends.size, dtype=np.int64)
            starts[0] = 0
            starts[1:] = ends[:-1] + 1
            length = ends - starts
            first_byte = arr[np.minimum(starts, arr.size - 1)]
            empty = (length == 0) | ((length == 1) & (first_byte == _CR))
            empty[0] = empty[0] and not self.rec_filled
            fields = per_record[:-1].copy()
            fields[0] += self.rec_fields - 1
            fields += 1
            self.max_fields = max(self.max_fields, int(fields[~empty].max(initial=1)))
            rec_lines = np.empty(ends.size, dtype=np.int64)
            rec_lines[0] = self.rec_line
            rec_lines[1:] = end_lines[:-1] + 1
            self.starts.append(rec_lines[~empty].astype(np.uint32))
            self.blanks.append(rec_lines[empty].astype(np.uint32))
            tail = arr[ends[-1] + 1 :]
            self.rec_line = int(end_lines[-1]) + 1
            self.rec_filled = bool((tail != _CR).any())
            self.rec_fields = 1 + int(per_record[-1])
        else:
            self.rec_filled = self.rec_filled or bool((arr != _CR).any())
            self.rec_fields += int(per_record[-1])
        self.in_quotes = bool((start_parity + int(quotes_upto[-1])) & 1)
        self.lines_before += newlines.size

    def _delimiters_per_record(
        self, arr: np.ndarray, quotes_upto: np.ndarray, ends: np.ndarray, parity: int
    ) -> np.ndarray:
        """Delimiters outside quotes in each record of the chunk (last: the open record).

        A delimiter is inside a quoted field when an odd number of quotes came before it
        (doubled quotes count twice, as for newlines).
        """
        delims = np.flatnonzero(arr == self.delim)
        outside = delims[((quotes_upto[delims] + parity) & 1) == 0]
        before_end = np.searchsorted(outside, ends)
        return np.diff(before_end, prepend=0, append=outside.size)

    def finish(self) -> tuple[np.ndarray, np.ndarray, int]:
        if self.rec_filled:
            self.starts.append(np.array([self.rec_line], dtype=np.uint32))
            self.max_fields = max(self.max_fields, self.rec_fields)
        starts = np.concatenate(self.starts) if self.starts else np.empty(0, np.uint32)
        blanks = np.concatenate(self.blanks) if self.blanks else np.empty(0, np.uint32)
        return starts, blanks, self.max_fields


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            yield chunk


def _pass(
    path: Path,
    sniffed: Sniffed,
    encoding: str,
    transcode: bool,
    progress: Callable[[int], None] | None,
) -> Scan:
    """One streaming pass; raises UnicodeDecodeError when the encoding guess was wrong."""
    sha = hashlib.sha256()
    counter = _RecordCounter(sniffed.delimiter)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    size = 0
    out_path = path
    temp_files: list[Path] = []
    out = None
    if transcode:
        fd, name = tempfile.mkstemp(prefix="scorecard-import-", suffix=".csv")
        out_path = Path(name)
        temp_files.append(out_path)
        out = os.fdopen(fd, "wb")
    try:
        for raw in _chunks(path):
            sha.update(raw)
            size += len(raw)
            text = decoder.decode(raw)
            if out is not None:
                data = text.encode("utf-8")
                out.write(data)
                counter.feed(data)
            else:
                counter.feed(raw)
            if progress is not None:
                progress(len(raw))
        tail = decoder.decode(b"", final=True)
        if out is not None and tail:
            data = tail.encode("utf-8")
            out.write(data)
            counter.feed(data)
    except BaseException:
        if out is not None:
            out.close()
        for tmp in temp_files:
            tmp.unlink(missing_ok=True)
        raise
    if out is not None:
        out.close()
    starts, blanks, max_fields = counter.finish()
    return Scan(
        encoding=encoding,
        delimiter=sniffed.delimiter,
        header=sniffed.header,
        utf8_path=out_path,
        size_bytes=size,
        sha256=sha.hexdigest(),
        record_lines=starts,
        blank_lines=blanks,
        max_fields=max(max_fields, len(sniffed.header)),
        quoted_newlines=counter.quoted_newlines,
        temp_files=temp_files,
    )


def scan(path: Path, progress: Callable[[int], None] | None = None) -> Scan:
    """Full pass over a text export (see module docstring)."""
    sniffed = sniff(path)
    with contextlib.suppress(UnicodeDecodeError):
        return _pass(path, sniffed, sniffed.encoding, sniffed.transcode, progress)
    # Valid UTF-8 at the start, not further on: a Windows-1252 file with late accents.
    try:
        return _pass(path, sniffed, "cp1252", True, progress)
    except UnicodeDecodeError as exc:
        raise _refuse_unreadable(
            path, f"encodage inconnu / unknown text encoding (octet {exc.start})"
        ) from exc


def record_lines_slow(utf8_path: Path, delimiter: str) -> tuple[np.ndarray, np.ndarray]:
    """Start lines of non-empty records and empty lines, with Python's csv module.

    The fallback when quote parity disagrees with DuckDB (a lone ``"`` inside an unquoted
    field, which DuckDB reads literally).
    """
    starts: list[int] = []
    blanks: list[int] = []
    with utf8_path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter, strict=False)
        previous = 0
        for row in reader:
            (starts if row else blanks).append(previous + 1)
            previous = reader.line_num
    return np.array(starts, dtype=np.uint32), np.array(blanks, dtype=np.uint32)


# --- XLSX -------------------------------------------------------------------------------


def _cell_text(value: object, number_format: str) -> str | None:
    """A cell as the text a person sees (percent cells as 87.5, dates ISO)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if "%" in (number_format or ""):
            value = round(float(value) * 100, 10)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, dt.timedelta):
        seconds = int(value.total_seconds())
        return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return str(value)


@dataclass
class Sheet:
    """The first sheet of a workbook, every cell as text, with its row numbers."""

    header: list[str]
    rows: list[list[str | None]]
    lines: list[int]
    blank_lines: list[int]
    size_bytes: int
    sha256: str


def read_xlsx(path: Path) -> Sheet:
    """First sheet of an XLSX file (openpyxl, read-only)."""
    from openpyxl import load_workbook

    data = path.read_bytes()
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise _refuse_unreadable(path, f"classeur Excel illisible / unreadable workbook ({exc})")
    try:
        sheet = workbook.worksheets[0]
        header: list[str] = []
        rows: list[list[str | None]] = []
        lines: list[int] = []
        blanks: list[int] = []
        for number, cells in enumerate(sheet.iter_rows(min_row=1), start=1):
            values = [
                _cell_text(c.value, getattr(c, "number_format", "") or "") for c in cells
            ]
            if not any(v is not None and v.strip() for v in values):
                blanks.append(number)
                continue
            if not header:
                header = [v or "" for v in values]
                continue
            rows.append(values)
            lines.append(number)
    finally:
        workbook.close()
    return Sheet(header, rows, lines, blanks, len(data), hashlib.sha256(data).hexdigest())
