"""Kill test: an import SIGKILLed mid-way leaves the database exactly as before (same rows,
same hashes, same logs); running it again then succeeds. A kill that lands after the commit
(the process still closing) must find the import whole."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from scorecard.importing import import_files
from scorecard.store import open_db

REPO = Path(__file__).resolve().parent.parent
ROWS = 150_000

CHILD = textwrap.dedent(
    """
    import sys
    from scorecard.store import open_db
    from scorecard.importing import import_files
    con = open_db(sys.argv[1])
    def progress(done, total):
        print("progress", done, total, flush=True)
    report = import_files(con, [sys.argv[2]], progress=progress)
    print("done", report.total("new"), report.total("replaced"), flush=True)
    """
)


def big_export(path: Path) -> None:
    """A French-style export overlapping the ids already stored (replacements)."""
    duckdb.connect().execute(
        f"""COPY (SELECT 'E' || i AS evaluation_id, 'I' || i AS interaction_id,
                  'A' || (i % 97) AS agent_id,
                  strftime(TIMESTAMP '2026-03-01' + to_minutes(i), '%d/%m/%Y %H:%M')
                      AS interaction_at,
                  CASE i % 3 WHEN 0 THEN 'oui' WHEN 1 THEN 'non' ELSE 'N/A' END AS greeting,
                  replace(printf('%.1f', (i % 1000) / 10), '.', ',') AS rating,
                  'commentaire « ' || i || ' » l’appel' AS comment
                FROM range({ROWS}) t(i))
           TO '{path}' (HEADER, DELIMITER ';')"""
    )


def state(db: Path) -> tuple[object, ...]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return (
            con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = 'evaluations' ORDER BY ordinal_position"
            ).fetchall(),
            con.execute("SELECT * FROM evaluations ORDER BY evaluation_id").fetchall(),
            con.execute("SELECT * FROM imports ORDER BY import_id").fetchall(),
            con.execute("SELECT * FROM rejects ORDER BY import_id, line").fetchall(),
        )
    finally:
        con.close()


def assert_complete(db: Path) -> None:
    """Every row of the big export landed, with one import log line saying so."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM evaluations").fetchall() == [(ROWS,)]
        logs = con.execute("SELECT rows, new, replaced FROM imports ORDER BY import_id").fetchall()
        assert logs[1:] == [(ROWS, ROWS - 2, 2)]
        assert con.execute("SELECT count(*) FROM rejects").fetchall() == [(0,)]
    finally:
        con.close()


def start_child(db: Path, csv_path: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), str(csv_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.0, 0.6, 1.5])
def test_sigkill_mid_import_leaves_database_as_before(tmp_path: Path, delay: float) -> None:
    db = tmp_path / "db.duckdb"
    seed = tmp_path / "seed.csv"
    seed.write_text(
        "evaluation_id,interaction_id,agent_id,interaction_at,greeting\n"
        "E1,I1,A1,2026-02-01 10:00,oui\nE2,I2,A2,2026-02-01 11:00,non\n",
        encoding="utf-8",
    )
    con = open_db(db)
    import_files(con, [seed])
    con.close()
    before = state(db)
    big = tmp_path / "big.csv"
    big_export(big)

    child = start_child(db, big)
    assert child.stdout is not None
    line = child.stdout.readline()  # first progress: the transaction is open
    assert line.startswith("progress"), child.stderr.read() if child.stderr else line
    time.sleep(delay)
    if child.poll() is not None:
        pytest.skip("the import finished before the kill (machine too fast for this delay)")
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL

    after = state(db)
    if delay == 0.0:  # killed during the byte scan, long before any COMMIT
        assert after == before
    if after != before:
        # The kill landed after COMMIT, while the process was closing (restoring settings,
        # checkpointing on close): the import must then be whole, never partial.
        assert_complete(db)
        return
    rerun = start_child(db, big)
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    assert out.strip().splitlines()[-1] == f"done {ROWS - 2} 2"
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM evaluations").fetchall() == [(ROWS,)]
    assert con.execute("SELECT count(*) FROM imports").fetchall() == [(2,)]
    con.close()
