"""Shared test helpers: the real CLI as a subprocess, ruleset folders written on disk."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from scorecard.store import open_db

REPO = Path(__file__).resolve().parent.parent


def run_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m scorecard ARGS`` as a user would, capturing output."""
    full_env = dict(os.environ)
    full_env.pop("SCORECARD_DB", None)
    full_env["PYTHONPATH"] = str(REPO) + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "scorecard", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def write_ruleset(folder: Path, settings: str, files: dict[str, str]) -> Path:
    """Write ``scorecard.yaml`` and rule files (dedented) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scorecard.yaml").write_text(textwrap.dedent(settings).lstrip(), encoding="utf-8")
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return folder


def make_db(path: Path, columns: dict[str, str], rows: list[dict]) -> duckdb.DuckDBPyConnection:
    """A scorecard database holding ``rows`` (canonical defaults filled in)."""
    con = open_db(path)
    for name, typ in columns.items():
        con.execute(f'ALTER TABLE evaluations ADD COLUMN "{name}" {typ}')
    for i, row in enumerate(rows):
        record = {
            "evaluation_id": f"e{i + 1}",
            "interaction_id": f"i{i + 1}",
            "agent_id": "a1",
            "interaction_at": "2026-05-10 10:00:00",
            "team": "T1",
            "is_calibration": False,
        } | row
        cols = ", ".join(f'"{k}"' for k in record)
        con.execute(
            f"INSERT INTO evaluations ({cols}) VALUES ({', '.join('?' * len(record))})", list(record.values())
        )
    return con


@pytest.fixture
def cli():
    return run_cli
