"""A plain (non-editable) install carries the default ruleset, the sample data and the dashboard."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    r = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    (whl,) = out.glob("scorecard-*.whl")
    return whl


def test_wheel_bundles_rules_sample_data_and_dashboard(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "scorecard/_bundled/rules/crcd/scorecard.yaml" in names
    assert "scorecard/_bundled/sample_data/evaluations.csv" in names
    assert "scorecard/_bundled/dashboard/app.py" in names
    assert "scorecard/data/reac_crcd_2015.yaml" in names
    assert any(n.startswith("scorecard/importing/profiles/") and n.endswith(".yaml") for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "scorecard = scorecard.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_wheel_checks_its_bundled_ruleset_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    r = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    env = dict(os.environ, PYTHONPATH=str(target))
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            "import scorecard.resources as r, sys; print(r.default_rules_dir()); "
            "sys.argv=['scorecard', 'rules', 'check']; from scorecard.cli import main; sys.exit(main())",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert str(target) in r.stdout.splitlines()[0]
    assert "criteria covered / critères couverts: 65/65" in r.stdout
