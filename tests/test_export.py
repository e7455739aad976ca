"""Exports: contract columns, CSV conventions, and spreadsheet formulas neutralised."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest

from scorecard.reports import neutralise_formulas
from scorecard.reports._safety import TRIGGERS as TRIGGERS_FOR_TESTS
from scorecard.rules import load_ruleset
from scorecard.scoring import score
from tests.conftest import make_db, run_cli, write_ruleset

EVIL = ['=HYPERLINK("http://example.invalid","clic")', "+33 6 12", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]

CONTRACT = {
    "evaluation_scores": [
        "evaluation_id",
        "interaction_id",
        "agent_id",
        "team",
        "period",
        "evaluator_id",
        "is_calibration",
        "score",
        "score_before_fatal",
        "fatal_failed",
        "critical_score",
        "n_pass",
        "n_fail",
        "n_na",
        "ruleset",
        "ruleset_version",
    ],
    "rule_outcomes": [
        "evaluation_id",
        "rule_id",
        "competency",
        "criterion",
        "outcome",
        "value",
        "weight",
        "critical",
        "fatal",
    ],
    "agent_scorecards": [
        "agent_id",
        "team",
        "period",
        "quality_score",
        "critical_score",
        "fatal_rate",
        "n_evaluations",
        "ruleset",
        "ruleset_version",
    ],
    "competency_scores": [
        "agent_id",
        "period",
        "competency",
        "score",
        "pass_rate",
        "ci_low",
        "ci_high",
        "n_outcomes",
        "n_passed",
        "n_evaluations",
        "mastery",
        "ruleset",
        "ruleset_version",
    ],
    "team_scorecards": [
        "team",
        "period",
        "quality_score",
        "critical_score",
        "fatal_rate",
        "n_evaluations",
        "n_agents",
        "ruleset",
        "ruleset_version",
    ],
    "rejects": ["file", "line", "column", "value", "reason", "imported_at"],
    "imports": [
        "file",
        "sha256",
        "rows",
        "new",
        "replaced",
        "unchanged",
        "rejected",
        "skipped",
        "profile",
        "imported_at",
    ],
}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "export.duckdb"
    cols = {"greeting": "BOOLEAN", "greeting__comment": "VARCHAR"}
    rows = [
        {
            "agent_id": "a1",
            "team": EVIL[0],
            "greeting": True,
            "greeting__comment": EVIL[i % len(EVIL)],
            "interaction_at": f"2026-05-{i + 1:02d} 09:15:00",
            "evaluator_id": "=cmd|' /C calc'!A0",
        }
        for i in range(6)
    ] + [{"agent_id": "a2", "team": "Nord", "greeting": False, "interaction_at": "2026-06-01 10:00:00"}]
    con = make_db(path, cols, rows)
    rs = load_ruleset(
        write_ruleset(
            tmp_path / "rs",
            'name: t\nversion: "1"\n',
            {"r.yaml": "rules:\n  - {id: greeting, competency: CT1, criterion: 1, check: greeting}\n"},
        ),
        known_columns=cols,
    )
    score(con, rs)
    con.close()
    return path


@pytest.mark.parametrize("table", sorted(CONTRACT))
def test_contract_columns_come_first_in_order(db: Path, table: str) -> None:
    r = run_cli("export", table, "--db", str(db))
    assert r.returncode == 0, r.stderr
    header = next(csv.reader(io.StringIO(r.stdout)))
    assert header[: len(CONTRACT[table])] == CONTRACT[table]


def test_csv_conventions_and_filters(db: Path) -> None:
    r = run_cli("export", "evaluation_scores", "--db", str(db), "--agent", "a2")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len(rows) == 1
    row = rows[0]
    assert row["fatal_failed"] == "false" and row["is_calibration"] == "false"
    assert row["score"] == "0.0" and row["period"] == "2026-06"
    assert row["critical_score"] == ""  # NULL is empty
    assert row["interaction_at"] == "2026-06-01 10:00:00"
    r = run_cli("export", "agent_scorecards", "--db", str(db), "--period", "2026-05")
    assert [x["agent_id"] for x in csv.DictReader(io.StringIO(r.stdout))] == ["a1"]
    r = run_cli("export", "agent_scorecards", "--db", str(db), "--period", "May")
    assert r.returncode == 1 and "YYYY-MM" in r.stderr


def test_csv_cells_cannot_start_a_formula(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "outcomes.csv"
    r = run_cli("export", "rule_outcomes", "--db", str(db), "--out", str(out))
    assert r.returncode == 0, r.stderr
    comments = [
        row["comment"] for row in csv.DictReader(out.open(encoding="utf-8", newline="")) if row["comment"]
    ]
    assert sorted(comments) == sorted("'" + e for e in EVIL)
    r = run_cli("export", "evaluation_scores", "--db", str(db))
    for row in csv.DictReader(io.StringIO(r.stdout)):
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


def test_xlsx_cells_are_text_not_formulas(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "scores.xlsx"
    r = run_cli("export", "evaluation_scores", "--db", str(db), "--format", "xlsx", "--out", str(out))
    assert r.returncode == 0, r.stderr
    sheet = openpyxl.load_workbook(out).active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert any(c.value == "'" + EVIL[0] for c in cells)


def test_parquet_keeps_types(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "scores.parquet"
    r = run_cli("export", "agent_scorecards", "--db", str(db), "--format", "parquet", "--out", str(out))
    assert r.returncode == 0, r.stderr
    table = pq.read_table(out)
    assert table.column_names[:9] == CONTRACT["agent_scorecards"]
    assert table.num_rows == 2


def test_pandas_and_sql_neutralisation_agree(db: Path) -> None:
    frame = pd.DataFrame({"text": EVIL + ["ok", "a=b", None], "n": range(9)})
    safe = neutralise_formulas(frame)
    assert safe["text"].tolist()[:6] == ["'" + e for e in EVIL]
    assert safe["text"].tolist()[6:8] == ["ok", "a=b"] and safe["text"].isna().tolist()[8]
    assert safe["n"].tolist() == list(range(9))
    assert set(TRIGGERS_FOR_TESTS) == {"=", "+", "-", "@", "\t", "\r"}
