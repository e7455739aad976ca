"""The CLI's exit codes and messages (cli.md), run as a subprocess on real files."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO, run_cli, write_ruleset

RECORDS = "evaluation_id,interaction_id,agent_id,interaction_at,greeting\ne1,i1,a1,2026-05-04 09:00,oui\n"


def _csv(tmp_path: Path, text: str = RECORDS, name: str = "records.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _rules(tmp_path: Path, check: str = "greeting") -> Path:
    return write_ruleset(
        tmp_path / "rs",
        'name: t\nversion: "1"\n',
        {"r.yaml": f"rules:\n  - {{id: greeting, competency: CT1, criterion: 1, check: {check}}}\n"},
    )


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run_cli().returncode == 2
    assert run_cli("export", "no_such_table").returncode == 2
    assert run_cli("import").returncode == 2


def test_missing_file_is_refused_with_exit_1(tmp_path: Path) -> None:
    r = run_cli("import", str(tmp_path / "nope.csv"), "--db", str(tmp_path / "d.duckdb"))
    assert r.returncode == 1 and "nope.csv" in r.stderr


def test_score_refuses_a_rule_naming_an_unknown_column(tmp_path: Path) -> None:
    db = tmp_path / "d.duckdb"
    assert run_cli("import", str(_csv(tmp_path)), "--db", str(db)).returncode == 0
    r = run_cli("score", "--db", str(db), "--rules", str(_rules(tmp_path, "greting")))
    assert r.returncode == 1
    assert "r.yaml:2: rules[0].check" in r.stderr and "greting" in r.stderr


def test_scoring_problems_never_fail_an_import(tmp_path: Path) -> None:
    db = tmp_path / "d.duckdb"
    assert run_cli("import", str(_csv(tmp_path)), "--db", str(db)).returncode == 0
    assert run_cli("score", "--db", str(db), "--rules", str(_rules(tmp_path))).returncode == 0
    # the current ruleset's folder now names a column the data lacks
    (tmp_path / "rs" / "r.yaml").write_text(
        "rules:\n  - {id: greeting, competency: CT1, criterion: 1, check: farewell}\n", encoding="utf-8"
    )
    r = run_cli("import", str(_csv(tmp_path, RECORDS.replace("e1,i1", "e2,i2"), "more.csv")), "--db", str(db))
    assert r.returncode == 0, r.stderr
    assert "scoring could not run" in r.stdout and "farewell" in r.stdout
    assert "scorecard score" in r.stdout
    r = run_cli("export", "evaluation_scores", "--db", str(db))
    assert r.stdout.count("\n") == 2  # header + the first evaluation scored before; the import landed anyway
    r = run_cli("export", "imports", "--db", str(db))
    assert "more.csv" in r.stdout


def test_rescoring_uses_the_current_ruleset(tmp_path: Path) -> None:
    db = tmp_path / "d.duckdb"
    run_cli("import", str(_csv(tmp_path)), "--db", str(db))
    run_cli("score", "--db", str(db), "--rules", str(_rules(tmp_path)))
    r = run_cli("import", str(_csv(tmp_path, RECORDS.replace("e1,i1", "e2,i2"), "more.csv")), "--db", str(db))
    assert "with ruleset t@1" in r.stdout
    r = run_cli("export", "evaluation_scores", "--db", str(db))
    assert r.stdout.count("\n") == 3


def test_export_names_unknown_ruleset(tmp_path: Path) -> None:
    db = tmp_path / "d.duckdb"
    run_cli("import", str(_csv(tmp_path)), "--db", str(db))
    r = run_cli("export", "agent_scorecards", "--db", str(db), "--ruleset", "other@9")
    assert r.returncode == 1 and "other@9" in r.stderr and "crcd@2026.1" in r.stderr


def test_database_held_by_another_process_gives_a_clear_message(tmp_path: Path) -> None:
    db = tmp_path / "d.duckdb"
    run_cli("import", str(_csv(tmp_path)), "--db", str(db))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        r = run_cli(
            "import", str(_csv(tmp_path, RECORDS.replace("e1,i1", "e3,i3"), "x.csv")), "--db", str(db)
        )
        assert r.returncode == 1
        assert "database busy" in r.stderr
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.2)
    assert run_cli("export", "imports", "--db", str(db)).stdout.count("x.csv") == 0


def test_env_var_selects_the_database(tmp_path: Path) -> None:
    db = tmp_path / "env.duckdb"
    r = run_cli("import", str(_csv(tmp_path)), env={"SCORECARD_DB": str(db)}, cwd=tmp_path)
    assert r.returncode == 0 and db.exists()
    assert not (tmp_path / "scorecard.duckdb").exists()


def test_demo_refuses_to_overwrite_a_database_it_did_not_create(tmp_path: Path) -> None:
    db = tmp_path / "mine.duckdb"
    run_cli("import", str(_csv(tmp_path)), "--db", str(db))
    r = run_cli("demo", "--db", str(db), "--no-serve")
    assert r.returncode == 1 and "--db" in r.stderr
    r = run_cli("export", "imports", "--db", str(db))
    assert "records.csv" in r.stdout
    assert REPO.exists()
