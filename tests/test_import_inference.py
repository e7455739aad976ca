"""Type inference is over the whole file (data.md), also past the rows the importer samples first.

The importer reads the first rows to guess types and confirms them in the typing pass; these
files put the one contradicting value after 12,000 rows, where only the confirmation sees it.
"""

from __future__ import annotations

from pathlib import Path

from scorecard.importing import import_files
from scorecard.store import evaluation_columns, open_db

N = 12_000


def _write(path: Path, last: dict[str, str]) -> None:
    header = "evaluation_id;interaction_id;agent_id;interaction_at;steady;late_text;late_decimal;late_date;late_digit"
    lines = [header]
    for i in range(N):
        row = {
            "steady": "oui" if i % 2 else "non",
            "late_text": "oui" if i % 3 else "non",
            "late_decimal": str(i % 7),
            "late_date": f"{1 + i % 28:02d}/05/2026",
            "late_digit": "non" if i % 5 else "oui",
        }
        if i == N - 1:
            row.update(last)
        lines.append(
            f"e{i};i{i};a{i % 40};04/05/2026 09:00;{row['steady']};{row['late_text']};"
            f"{row['late_decimal']};{row['late_date']};{row['late_digit']}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_late_value_changes_the_inferred_type_as_whole_file_inference_would(tmp_path: Path) -> None:
    src = tmp_path / "late.csv"
    _write(src, {"late_text": "peut-être", "late_decimal": "12,5", "late_date": "31/02/2026", "late_digit": "1"})
    con = open_db(tmp_path / "d.duckdb")
    report = import_files(con, [src])
    types = evaluation_columns(con)
    assert types["steady"] == "BOOLEAN"
    assert types["late_text"] == "VARCHAR"  # 'peut-être' is no yes/no token
    assert types["late_decimal"] == "DOUBLE"  # integers, then a decimal comma
    assert types["late_date"] == "VARCHAR"  # 31 February is not a date
    assert types["late_digit"] == "VARCHAR"  # '1' is a yes only in a column declared boolean
    assert con.execute("SELECT count(*) FROM evaluations").fetchone() == (N,)
    assert con.execute("SELECT count(*) FROM rejects").fetchone() == (0,)
    last = con.execute(
        "SELECT late_text, late_decimal, late_date, late_digit FROM evaluations WHERE evaluation_id = ?",
        [f"e{N - 1}"],
    ).fetchall()
    assert last == [("peut-être", 12.5, "31/02/2026", "1")]
    first = con.execute("SELECT late_text, late_decimal FROM evaluations WHERE evaluation_id = 'e1'").fetchall()
    assert first == [("oui", 1.0)]
    assert sum(f.rejected for f in report.files) == 0


def test_without_a_late_value_the_sampled_types_stand(tmp_path: Path) -> None:
    src = tmp_path / "steady.csv"
    _write(src, {})
    con = open_db(tmp_path / "d.duckdb")
    import_files(con, [src])
    types = evaluation_columns(con)
    assert (types["late_text"], types["late_decimal"], types["late_date"], types["late_digit"]) == (
        "BOOLEAN", "BIGINT", "TIMESTAMP", "BOOLEAN",
    )
