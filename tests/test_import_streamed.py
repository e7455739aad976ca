"""Streamed imports: a file typed from a small sample and streamed through DuckDB gives
exactly what the same file staged whole gives (records, types, rejects with their lines,
counts), including when the sample misleads (a late value, a column empty at the start,
a notes block inside the sample)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from scorecard.importing import ImportReport, import_files
from scorecard.store import open_db

ROWS = 3_500
BAD_DATE_ROW = 3_200  # data row (1-based) whose interaction_at does not read
DUPLICATE_OF = 7  # data row whose evaluation_id comes back in row DUPLICATE_ROW
DUPLICATE_ROW = 3_300
LATE_TEXT_ROW = 3_000  # "flip" holds integers, then one word here
LATE_BOOL_FROM = 1_500  # "late_ok" is empty before this row, oui/non after


def _row(i: int, late_text: bool) -> str:
    """Data row i (1-based) of the export, as the file writes it (``;`` delimiter)."""
    ev = f"E{DUPLICATE_OF}" if i == DUPLICATE_ROW else f"E{i}"
    day = "31/02/2026 10:00" if i == BAD_DATE_ROW else f"{1 + i % 28:02d}/03/2026 10:{i % 60:02d}"
    greeting = ("oui", "non", "N/A")[i % 3]
    rating = f"{i % 10},5"
    flip = "beaucoup" if late_text and i == LATE_TEXT_ROW else str(i % 7)
    late = "" if i < LATE_BOOL_FROM else ("oui" if i % 2 else "non")
    comment = '"ligne\nsuivante"' if i == 11 else f"c{i}"
    return ";".join([ev, f"I{i}", f"A{i % 13}", day, greeting, rating, flip, late, comment])


def export(path: Path, late_text: bool = True) -> Path:
    """3,500 records (``late_text``: one word late in the integer column ``flip``), a quoted newline (row 11), a blank line after row 2,000, and a notes
    block (blank line, then two rows without the required columns) at the end."""
    header = "evaluation_id;interaction_id;agent_id;interaction_at;greeting;rating;flip;late_ok;comment"
    lines = [header]
    for i in range(1, ROWS + 1):
        lines.append(_row(i, late_text))
        if i == 2_000:
            lines.append("")
    lines += ["", "Total;;;;;;;;", "Exporté le 01/04/2026;;;;;;;;"]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


def physical_line(i: int) -> int:
    """File line of data row i: header is line 1, row 11 spans two lines, a blank line
    follows row 2,000."""
    return 1 + i + (i > 11) + (i > 2_000)


def state(con: duckdb.DuckDBPyConnection) -> tuple[object, ...]:
    return (
        con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'evaluations' ORDER BY ordinal_position"
        ).fetchall(),
        con.execute(
            "SELECT * EXCLUDE (_import_id) FROM evaluations ORDER BY evaluation_id"
        ).fetchall(),
        con.execute(
            'SELECT line, "column", value, reason FROM rejects ORDER BY line, "column"'
        ).fetchall(),
    )


def counts(report: ImportReport) -> tuple[object, ...]:
    (f,) = report.files
    return (f.rows, f.new, f.replaced, f.unchanged, f.rejected, f.blank_lines, f.note_lines,
            f.columns_added)


def run(tmp_path: Path, name: str, src: Path, stage_rows: int) -> tuple[object, ...]:
    con = open_db(tmp_path / f"{name}.duckdb")
    try:
        report = import_files(con, [src], stage_rows=stage_rows)
        again = import_files(con, [src], stage_rows=stage_rows)
        assert again.is_noop
        return counts(report), state(con)
    finally:
        con.close()


@pytest.mark.parametrize(("stage_rows", "late_text"), [(1_000, True), (333, True), (1_000, False)])
def test_streamed_import_gives_what_a_whole_staged_import_gives(
    tmp_path: Path, stage_rows: int, late_text: bool
) -> None:
    """A small sample sees ``flip`` as integers and ``late_ok`` empty; with ``late_text`` a
    second pass retypes ``flip`` as text, without it ``late_ok`` is inferred after the
    stream and retyped in place. The whole file (3,500 rows) is staged at once otherwise."""
    src = export(tmp_path / "export.csv", late_text)
    one = run(tmp_path, "one", src, 10_000)
    many = run(tmp_path, "many", src, stage_rows)
    assert many == one
    (rows, new, replaced, unchanged, rejected, blanks, notes, added), (cols, records, rejects) = one
    # Expected values from the file's construction, not from the program.
    assert rows == ROWS
    assert (new, replaced, unchanged, rejected) == (ROWS - 2, 0, 0, 2)
    assert blanks == [physical_line(2_000) + 1, physical_line(ROWS) + 1]
    assert notes == [physical_line(ROWS) + 2, physical_line(ROWS) + 3]
    expected_types = {"greeting": "BOOLEAN", "rating": "DOUBLE",
                      "flip": "VARCHAR" if late_text else "BIGINT", "late_ok": "BOOLEAN"}
    assert added == expected_types
    assert {k: v for k, v in cols if k in expected_types} == expected_types
    assert [(line, column) for line, column, _, _ in rejects] == [
        (physical_line(DUPLICATE_OF), "evaluation_id"),
        (physical_line(BAD_DATE_ROW), "interaction_at"),
    ]
    assert f"line {physical_line(DUPLICATE_ROW)}" in rejects[0][3]
    assert rejects[1][2] == "31/02/2026 10:00"
    by_id = {r[0]: r for r in records}
    assert len(by_id) == ROWS - 2
    names = [c for c, _ in cols if c != "_import_id"]
    winner = by_id[f"E{DUPLICATE_OF}"]
    assert winner[names.index("interaction_id")] == f"I{DUPLICATE_ROW}"
    late = by_id[f"E{LATE_BOOL_FROM + 1}"][names.index("late_ok")]
    assert late is True and by_id["E3"][names.index("late_ok")] is None
    assert by_id["E11"][names.index("comment")] == "ligne\nsuivante"


def test_notes_block_inside_the_sample_does_not_decide_a_type(tmp_path: Path) -> None:
    """50 records with an integer ``score``, a blank line, then 150 notes rows writing a word
    in ``score``: notes are skipped, so ``score`` is an integer however the file is read."""
    lines = ["evaluation_id,interaction_id,agent_id,interaction_at,score"]
    lines += [f"E{i},I{i},A1,2026-03-0{1 + i % 9},{i}" for i in range(50)]
    lines += [""] + [f",,,,total {k}" for k in range(150)]
    src = tmp_path / "notes.csv"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    one = run(tmp_path, "one", src, 10_000)
    many = run(tmp_path, "many", src, 100)
    assert many == one
    (rows, new, *_), (cols, records, rejects) = many
    assert (rows, new, rejects) == (50, 50, [])
    assert dict(cols)["score"] == "BIGINT"
    score = [c for c, _ in cols if c != "_import_id"].index("score")
    assert sorted(r[score] for r in records) == list(range(50))


def test_import_leaves_the_connection_settings_as_they_were(tmp_path: Path) -> None:
    """The import lowers DuckDB's memory limit to 2 GiB and lets staging tables be written in
    any order; afterwards the connection's own settings are back (and a lower limit chosen
    by the caller is never raised)."""
    src = export(tmp_path / "export.csv", late_text=False)
    con = open_db(tmp_path / "db.duckdb")
    settings = (
        "SELECT current_setting('memory_limit'), current_setting('preserve_insertion_order')"
    )
    before = con.execute(settings).fetchall()
    import_files(con, [src], stage_rows=500)
    assert con.execute(settings).fetchall() == before
    con.execute("SET memory_limit = '1GB'")
    lowered = con.execute(settings).fetchall()
    import_files(con, [src], stage_rows=500)
    assert con.execute(settings).fetchall() == lowered
    (limit,) = con.execute("SELECT current_setting('memory_limit')").fetchone()
    assert limit.endswith("MiB") and float(limit.split()[0]) < 1024
