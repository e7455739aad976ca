"""The import corpus: small real exports in tests/data/import/, each with hand-written
expectations (``<name>.expected.json``): counts, skipped lines, rejects with their physical
line numbers, stored values and column types."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import pytest

from scorecard.importing import import_files
from scorecard.store import open_db

DATA = Path(__file__).resolve().parent / "data" / "import"
CASES = sorted(p.name.removesuffix(".expected.json") for p in DATA.glob("*.expected.json"))
CSV_OF = {case: next(DATA.glob(f"{case}.csv")) for case in CASES}


def stored(con, evaluation_id_order: str = "evaluation_id") -> dict[str, dict[str, object]]:
    """All evaluations keyed by evaluation_id (or interaction_id), timestamps as text."""
    cur = con.execute(f"SELECT * FROM evaluations ORDER BY {evaluation_id_order}")
    names = [d[0] for d in cur.description]
    out: dict[str, dict[str, object]] = {}
    for row in cur.fetchall():
        record = {
            n: (v.strftime("%Y-%m-%d %H:%M:%S") if isinstance(v, datetime) else v)
            for n, v in zip(names, row, strict=True)
        }
        out[str(record[evaluation_id_order])] = record
    return out


@pytest.mark.parametrize("case", CASES)
def test_corpus_file_imports_as_written_by_hand(tmp_path: Path, case: str) -> None:
    expected = json.loads((DATA / f"{case}.expected.json").read_text(encoding="utf-8"))
    con = open_db(tmp_path / "db.duckdb")
    profile = DATA / expected["profile_path"] if "profile_path" in expected else "auto"
    report = import_files(con, [CSV_OF[case]], profile=profile)
    (file,) = report.files
    for key in ("profile", "format", "encoding", "delimiter", "rows", "new", "replaced",
                "unchanged", "rejected", "blank_lines", "note_lines"):
        assert getattr(file, key) == expected[key], key
    got_rejects = [[r.line, r.column, r.value] for r in file.rejects]
    assert got_rejects == expected["rejects"]
    table = con.execute(
        'SELECT line, "column", value FROM rejects ORDER BY line, "column"'
    ).fetchall()
    assert [list(r) for r in table] == expected["rejects"]

    key = "evaluation_id" if "evaluation_id" in expected["records"][0] else "interaction_id"
    rows = stored(con, key)
    assert sorted(rows) == sorted(str(r[key]) for r in expected["records"])
    for record in expected["records"]:
        got = rows[str(record[key])]
        for column, value in record.items():
            assert got[column] == value, (record[key], column)
    types = dict(
        con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'evaluations'"
        ).fetchall()
    )
    for column, typ in expected["types"].items():
        assert types[column] == typ, column
    for column in expected.get("absent_columns", []):
        assert column not in types
    for interaction, (iid, evaluator, evaluated) in expected.get("derived_ids", {}).items():
        digest = hashlib.sha256(f"{iid}\x1f{evaluator}\x1f{evaluated}".encode()).hexdigest()
        assert rows[interaction]["evaluation_id"] == "auto-" + digest[:24]
    (log,) = con.execute(
        "SELECT file, size_bytes, sha256, rows, new, rejected, skipped, profile FROM imports"
    ).fetchall()
    raw = CSV_OF[case].read_bytes()
    assert log == (
        str(CSV_OF[case]), len(raw), hashlib.sha256(raw).hexdigest(), expected["rows"],
        expected["new"], expected["rejected"],
        len(expected["blank_lines"]) + len(expected["note_lines"]), expected["profile"],
    )
