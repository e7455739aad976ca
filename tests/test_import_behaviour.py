"""Import behaviour: nothing lost, nothing doubled; refusals leave the database unchanged;
profiles, formats, XLSX, progress, and the SQL casts the rules module reuses."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from scorecard.errors import ImportRefused
from scorecard.importing import (
    DEFAULT_ANSWERS,
    ProfileError,
    cast_failed_sql,
    cast_sql,
    cast_values,
    detect_profile,
    import_files,
    load_profile,
)
from scorecard.store import open_db

DATA = Path(__file__).resolve().parent / "data" / "import"


def snapshot(con: duckdb.DuckDBPyConnection) -> tuple[object, ...]:
    """Everything an import may touch, to compare before/after a refusal."""
    cols = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = 'evaluations' ORDER BY ordinal_position"
    ).fetchall()
    return (
        cols,
        con.execute("SELECT * FROM evaluations ORDER BY evaluation_id").fetchall(),
        con.execute("SELECT * FROM imports ORDER BY import_id").fetchall(),
        con.execute("SELECT * FROM rejects ORDER BY import_id, line").fetchall(),
    )


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    return open_db(tmp_path / "db.duckdb")


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_same_file_twice_changes_nothing_and_says_so(con, tmp_path: Path) -> None:
    src = shutil.copy(DATA / "bad_rows.csv", tmp_path / "export.csv")
    first = import_files(con, [src])
    before = snapshot(con)
    second = import_files(con, [src])
    assert snapshot(con) == before
    assert second.is_noop and not first.is_noop
    (f,) = second.files
    assert (f.new, f.replaced, f.unchanged) == (0, 0, 2)
    assert f.already_imported is not None and f.already_imported[0] == 1
    assert "already imported" in second.render("en")
    assert "déjà été importé" in second.render("fr")
    assert "Nothing changed." in second.render("en")


def test_corrected_reexport_counts_new_replaced_unchanged(con) -> None:
    import_files(con, [DATA / "bad_rows.csv"])
    report = import_files(con, [DATA / "bad_rows_corrected.csv"])
    (f,) = report.files
    assert (f.new, f.replaced, f.unchanged, f.rejected) == (1, 1, 1, 0)
    rows = dict(con.execute("SELECT evaluation_id, duration_s FROM evaluations").fetchall())
    assert rows == {"B1": 125.0, "B7": 55.0, "B2": 60.0}
    owners = dict(con.execute("SELECT evaluation_id, _import_id FROM evaluations").fetchall())
    assert owners == {"B1": 1, "B7": 2, "B2": 2}
    assert con.execute("SELECT count(*) FROM evaluations").fetchone() == (3,)
    log = con.execute("SELECT import_id, new, replaced, unchanged FROM imports ORDER BY 1")
    assert log.fetchall() == [(1, 2, 0, 0, ), (2, 1, 1, 1)]


def test_same_content_other_encoding_counts_unchanged(con, tmp_path: Path) -> None:
    text = (DATA / "bad_rows_corrected.csv").read_text(encoding="utf-8")
    import_files(con, [write(tmp_path / "a.csv", text)])
    semi = text.replace(",", ";").replace('"I7 ""quoted""";', '"I7 ""quoted""";')
    report = import_files(con, [write(tmp_path / "b.csv", semi.replace("\n", "\r\n"), "cp1252")])
    (f,) = report.files
    assert (f.new, f.replaced, f.unchanged) == (0, 0, 3)
    assert f.encoding == "UTF-8"  # ASCII only: valid UTF-8
    assert report.is_noop


def test_strict_refuses_whole_call_database_unchanged(con) -> None:
    import_files(con, [DATA / "utf16_tab.csv"])
    before = snapshot(con)
    with pytest.raises(ImportRefused, match="--strict"):
        import_files(con, [DATA / "utf8_bom_pipe.csv", DATA / "bad_rows.csv"], strict=True)
    assert snapshot(con) == before


def test_one_transaction_for_all_files(con, tmp_path: Path) -> None:
    missing = write(tmp_path / "no_agent.csv", "interaction_id,interaction_at\nI1,2026-03-01\n")
    before = snapshot(con)
    with pytest.raises(ImportRefused, match="agent_id"):
        import_files(con, [DATA / "utf16_tab.csv", missing])
    assert snapshot(con) == before
    report = import_files(con, [DATA / "utf16_tab.csv", DATA / "utf8_bom_pipe.csv"])
    assert [f.new for f in report.files] == [3, 2]
    assert con.execute("SELECT count(*) FROM imports").fetchone() == (2,)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "empty"),
        ("interaction_id;agent_id\nI1;A1\n", "interaction_at"),
        ("a,b\n1,2\n", "missing required columns"),
    ],
)
def test_whole_file_refusals(con, tmp_path: Path, text: str, match: str) -> None:
    before = snapshot(con)
    with pytest.raises(ImportRefused, match=match):
        import_files(con, [write(tmp_path / "x.csv", text)])
    assert snapshot(con) == before


def test_unknown_profile_and_missing_file_refused(con, tmp_path: Path) -> None:
    with pytest.raises(ImportRefused, match="unknown profile"):
        import_files(con, [DATA / "bad_rows.csv"], profile="nope")
    with pytest.raises(ImportRefused, match="not found"):
        import_files(con, [tmp_path / "absent.csv"])
    with pytest.raises(ImportRefused, match="unknown format"):
        import_files(con, [DATA / "bad_rows.csv"], format="tall")


def test_profile_errors_name_file_line_and_key() -> None:
    with pytest.raises(ProfileError) as err:
        load_profile(DATA / "bad_profile.yaml")
    assert (err.value.line, err.value.key) == (5, "colums_typo")
    assert "bad_profile.yaml:5" in str(err.value)


def test_profile_bad_values_are_located(tmp_path: Path) -> None:
    path = write(
        tmp_path / "p.yaml",
        "name: p\ncolumns:\n  Conseiller: agent_id\n  Équipe: Bad Name\ntimezone: Mars/Olympus\n",
    )
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    assert err.value.line == 2 and err.value.key == "columns"
    path.write_text("name: p\ndate_order: dmy\ntimezone: Mars/Olympus\n", encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    assert (err.value.line, err.value.key) == (3, "timezone")


def test_detect_profile_picks_by_columns() -> None:
    assert detect_profile(DATA / "fr_excel_cp1252.csv") == "fr_excel"
    assert detect_profile(DATA / "genesys_long.csv") == "genesys_cloud"
    assert detect_profile(DATA / "bad_rows.csv") == "canonical"


def test_canonical_long_format_recognised(con, tmp_path: Path) -> None:
    src = write(
        tmp_path / "long.csv",
        "evaluation_id,interaction_id,agent_id,interaction_at,item,answer,item_comment\n"
        "E1,I1,A1,2026-03-01,Greeting OK,oui,\n"
        "E1,I1,A1,2026-03-01,Nb fautes,3,trois\n"
        "E2,I2,A2,2026-03-02,Greeting OK,non,poli mais bref\n",
    )
    (f,) = import_files(con, [src]).files
    assert (f.format, f.rows, f.new) == ("long", 3, 2)
    rows = con.execute(
        "SELECT evaluation_id, greeting_ok, greeting_ok__comment, nb_fautes, nb_fautes__comment "
        "FROM evaluations ORDER BY 1"
    ).fetchall()
    assert rows == [("E1", True, None, 3, "trois"), ("E2", False, "poli mais bref", None, None)]
    con2 = open_db(tmp_path / "wide.duckdb")
    with pytest.raises(ImportRefused, match="long"):
        import_files(con2, [DATA / "bad_rows.csv"], format="long")


def test_stored_type_wins_and_non_casting_value_is_rejected(con, tmp_path: Path) -> None:
    import_files(con, [DATA / "bad_rows_corrected.csv"])  # resolved: BOOLEAN, rating: BIGINT
    src = write(
        tmp_path / "later.csv",
        "evaluation_id,interaction_id,agent_id,interaction_at,resolved,rating\n"
        "L1,I1,A1,2026-04-01,peut-être,2\n"
        "L2,I2,A1,2026-04-01,1,2.5\n"
        "L3,I3,A1,2026-04-01,0,7\n",
    )
    (f,) = import_files(con, [src]).files
    assert [(r.line, r.column) for r in f.rejects] == [(2, "resolved"), (3, "rating")]
    assert "whole number" in f.rejects[1].reason
    assert con.execute("SELECT resolved, rating FROM evaluations WHERE evaluation_id = 'L3'") \
        .fetchone() == (False, 7)


def test_empty_stored_column_takes_the_type_of_later_values(con, tmp_path: Path) -> None:
    head = "evaluation_id,interaction_id,agent_id,interaction_at,upsell\n"
    import_files(con, [write(tmp_path / "a.csv", head + "E1,I1,A1,2026-03-01,\n")])
    import_files(con, [write(tmp_path / "b.csv", head + "E2,I2,A1,2026-03-01,oui\n")])
    typ = con.execute(
        "SELECT data_type FROM information_schema.columns WHERE column_name = 'upsell'"
    ).fetchone()
    assert typ == ("BOOLEAN",)


def test_line_numbers_with_quotes_blank_lines_and_literal_quote(con, tmp_path: Path) -> None:
    src = write(
        tmp_path / "q.csv",
        "\n"
        "evaluation_id;interaction_id;agent_id;interaction_at;comment\n"
        "E1;I1;A1;01/03/2026;\"one\n\ntwo\nthree\"\n"
        "\n"
        "E2;I2;A1;32/03/2026;a 5\" screen\n"
        "E3;I3;;01/03/2026;\"x\"\"\n\"\n"
        "E4;I4;A1;01/03/2026;ok\n",
    )
    (f,) = import_files(con, [src]).files
    assert [(r.line, r.column) for r in f.rejects] == [(8, "interaction_at"), (9, "agent_id")]
    assert f.blank_lines == [1, 7]
    assert con.execute("SELECT comment FROM evaluations WHERE evaluation_id = 'E1'") \
        .fetchone() == ("one\n\ntwo\nthree",)


def test_xlsx_first_sheet_as_text(con, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Identifiant appel", "Conseiller", "Date de l'appel", "Note", "Calibrage",
                  "Durée (hh:mm:ss)"])
    sheet.append(["C1", "A1", dt.datetime(2026, 3, 2, 9, 5), 0.875, "oui", dt.time(0, 5, 32)])
    sheet.append([None, None, None, None, None, None])
    sheet.append(["C2", "A2", "31/02/2026", 12, "non", "00:01:00"])
    sheet.append(["C3", 42, "03/03/2026 10:00", 0.5, None, None])
    sheet.cell(row=2, column=4).number_format = "0.0%"
    sheet.cell(row=5, column=4).number_format = "0%"
    book.create_sheet("other").append(["ignored"])
    path = tmp_path / "export.xlsx"
    book.save(path)
    (f,) = import_files(con, [path]).files
    assert (f.profile, f.encoding, f.rows, f.new, f.blank_lines) == ("fr_excel", "XLSX", 3, 2, [3])
    assert [(r.line, r.column, r.value) for r in f.rejects] == [(4, "interaction_at", "31/02/2026")]
    rows = con.execute(
        "SELECT interaction_id, agent_id, interaction_at, note, is_calibration, duration_s "
        "FROM evaluations ORDER BY 1"
    ).fetchall()
    assert rows == [
        ("C1", "A1", dt.datetime(2026, 3, 2, 9, 5), 87.5, True, 332.0),
        ("C3", "42", dt.datetime(2026, 3, 3, 10, 0), 50.0, False, None),
    ]


def test_progress_reports_bytes_up_to_total(con) -> None:
    seen: list[tuple[int, int]] = []
    paths = [DATA / "utf16_tab.csv", DATA / "bad_rows.csv"]
    import_files(con, paths, progress=lambda done, total: seen.append((done, total)))
    total = sum(p.stat().st_size for p in paths)
    assert seen and seen[-1] == (total, total)
    assert all(b[0] >= a[0] for a, b in zip(seen, seen[1:]))


def test_rejects_frame_and_render(con) -> None:
    report = import_files(con, [DATA / "bad_rows.csv"])
    frame = report.rejects_frame()
    assert list(frame.columns) == ["file", "line", "column", "value", "reason"]
    assert frame["line"].tolist() == [2, 3, 4, 5, 6, 8]
    text = report.render("fr")
    assert "8 lignes lues : 2 nouvelles" in text and "ligne 4, interaction_at" in text


# --- casts (pure SQL strings, reused by the rules module) ------------------------------


@pytest.mark.parametrize(
    ("kind", "raw", "value", "failed"),
    [
        ("boolean", "Oui", True, False),
        ("boolean", " NON ", False, False),
        ("boolean", "x", True, False),
        ("boolean", "Vrai", True, False),
        ("boolean", "1", True, False),
        ("boolean", "Sans objet", None, False),
        ("boolean", "n.a.", None, False),
        ("boolean", "-", None, False),
        ("boolean", "peut-être", None, True),
        ("number", "12,5", 12.5, False),
        ("number", "87,5 %", 87.5, False),
        ("number", "1\u00a0234,5", 1234.5, False),
        ("number", "1\u202f234\u202f567", 1234567.0, False),
        ("number", "1.234,5", 1234.5, False),
        ("number", "1,234.5", 1234.5, False),
        ("number", "01:02:03", 3723.0, False),
        ("number", "-3", -3.0, False),
        ("number", "douze", None, True),
        ("number", "N/A", None, False),
        ("integer", "12", 12, False),
        ("integer", "12,0", 12, False),
        ("integer", "12,5", None, True),
        ("timestamp", "31/12/2026 23:59", dt.datetime(2026, 12, 31, 23, 59), False),
        ("timestamp", "1/3/2026", dt.datetime(2026, 3, 1), False),
        ("timestamp", "01/03/26", dt.datetime(2026, 3, 1), False),
        ("timestamp", "01.03.2026 09:05:07", dt.datetime(2026, 3, 1, 9, 5, 7), False),
        ("timestamp", "2026-03-01", dt.datetime(2026, 3, 1), False),
        ("timestamp", "2026-03-01T10:00:00Z", dt.datetime(2026, 3, 1, 10), False),
        ("timestamp", "31/02/2026", None, True),
        ("timestamp", "", None, False),
        ("text", "  bonjour\u00a0", "bonjour", False),
        ("text", "NC", None, False),
    ],
)
def test_cast_values(kind: str, raw: str, value: object, failed: bool) -> None:
    assert cast_values([raw], kind) == [(value, failed)]


def test_cast_sql_is_plain_sql_for_duckdb() -> None:
    expr = cast_sql("v", "timestamp", date_order="mdy", timezone="Europe/Paris")
    bad = cast_failed_sql("v", "integer")
    got = duckdb.connect().execute(
        f"SELECT {expr}, {bad} FROM (SELECT '03/25/2026 10:00' AS v)"
    ).fetchone()
    assert got == (dt.datetime(2026, 3, 25, 11, 0), True)
    assert "sans objet" in DEFAULT_ANSWERS.not_applicable


def test_headers_named_like_internal_columns_are_observations(con, tmp_path: Path) -> None:
    src = write(
        tmp_path / "names.csv",
        "evaluation_id,interaction_id,agent_id,interaction_at,line,_present,_blank\n"
        "E1,I1,A1,2026-03-01,L7,x,w\n",
    )
    (f,) = import_files(con, [src]).files
    assert f.columns_added == {"line": "VARCHAR", "present": "BOOLEAN", "blank": "VARCHAR"}
    assert con.execute("SELECT line, present, blank FROM evaluations").fetchall() == [
        ("L7", True, "w")
    ]


def test_report_names_the_first_new_columns_and_counts_the_rest(con, tmp_path: Path) -> None:
    names = [f"q{i:02d}" for i in range(15)]
    header = ",".join(["interaction_id", "agent_id", "interaction_at", *names, "q00__comment", "q01__comment"])
    row = ",".join(["I1", "A1", "2026-03-01", *(["oui"] * 15), "bien", "vu"])
    src = write(tmp_path / "wide.csv", header + "\n" + row + "\n")
    report = import_files(con, [src])
    en, fr = report.render("en"), report.render("fr")
    listed = ", ".join(f"q{i:02d} (boolean)" for i in range(12))
    assert f"  new columns: {listed} and 3 more; 2 comment column(s) (<item>__comment)" in en
    assert f"  nouvelles colonnes : {listed} et 3 autres ; 2 colonne(s) de commentaires" in fr
    assert "q12" not in en and "q00__comment" not in en
    assert len(report.files[0].columns_added) == 17  # the report object still has them all
