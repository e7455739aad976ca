"""Databases for the access-layer and dashboard tests (helpers, no tests here).

* ``tiny_copy``: ten hand-written evaluations scored with a three-rule ruleset, small enough
  that every expected number in the tests is worked out by hand in comments.
* ``sample_copy``: the project's seeded sample generator -> CSV on disk -> the real importer
  -> the default ruleset ``rules/crcd``: a realistic centre (60 agents, 6 teams) built once
  per session and copied for each test that writes.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from scorecard import access
from scorecard.importing import import_files
from scorecard.resources import default_rules_dir
from scorecard.rules import load_ruleset
from scorecard.scoring import score
from scorecard.store import evaluation_columns, open_db

TINY_SETTINGS = """
    name: tiny
    version: "1"
    scoring: {evaluation: points, aggregate: mean, na: exclude}
    mastery: {acquired: 80, developing: 60, min_evaluations: 2}
    columns: {identity_verified: boolean, answer_appropriate: boolean, courtesy_rating: integer}
"""
TINY_RULES = {
    "cp4.yaml": """
        competency: CP4
        rules:
          - id: tiny.identity
            criterion: 1
            label: {fr: Identité vérifiée, en: Identity verified}
            check: identity_verified
            fatal: true
          - id: tiny.answer
            criterion: 3
            label: {fr: Réponse appropriée, en: Answer fits}
            check: answer_appropriate
            weight: 2
            critical: true
    """,
    "ct1.yaml": """
        competency: CT1
        rules:
          - id: tiny.courtesy
            criterion: 1
            label: {fr: Courtoisie, en: Courtesy}
            score: courtesy_rating / 5.0
            pass_mark: 0.6
    """,
}

#: (evaluation_id, agent_id, agent_name, team, interaction_at, evaluator, calibration,
#:  identity_verified, answer_appropriate, courtesy_rating, identity comment)
#: Scores (points; weights identity 1, answer 2, courtesy 1; identity is fatal):
#:   e1 100, e2 (1+0+0.8)/4 = 45, e3 fatal 0 (before 65), e4 (1+2)/3 = 100,
#:   e5 (1+2+0.4)/4 = 85, e6 (1+0+1)/4 = 50, e7 100, e8 (1+2+0.8)/4 = 95,
#:   e9 (1+0+0.2)/4 = 30, e10 100, e11 calibration (never counted).
TINY_EVALUATIONS = [
    ("e1", "A1", "Alice Martin", "Nord", "2026-01-05 09:00", "E1", False, True, True, 5, None),
    ("e2", "A1", "Alice Martin", "Nord", "2026-01-20 10:00", "E2", False, True, False, 4, None),
    ("e3", "A1", "Alice Martin", "Nord", "2026-02-03 11:00", "E1", False, False, True, 3, "=HYPERLINK(\"x\") identité non vérifiée"),
    ("e4", "A1", "Alice Martin", "Nord", "2026-02-17 14:00", "E2", False, True, True, None, None),
    ("e5", "A2", "Bruno Petit", "Nord", "2026-01-08 09:30", "E1", False, True, True, 2, None),
    ("e6", "A2", "Bruno Petit", "Nord", "2026-01-22 15:00", "E1", False, True, False, 5, None),
    ("e7", "A2", "Bruno Petit", "Nord", "2026-02-10 16:00", "E2", False, True, True, 5, None),
    ("e8", "A3", "Chloé Durand", "Nord", "2026-01-12 08:45", "E2", False, True, True, 4, None),
    ("e9", "A3", "Chloé Durand", "Nord", "2026-02-25 13:15", "E1", False, True, False, 1, None),
    ("e10", "B1", "Bernard Sud", "Sud", "2026-01-15 10:30", "E1", False, True, True, 5, None),
    ("e11", "A1", "Alice Martin", "Nord", "2026-01-06 09:00", "E3", True, True, False, 1, None),
]

PASSWORDS = {"alice": "alice-password", "bruno": "bruno-password", "bernard": "bernard-password",
             "nord": "nord-password", "sud": "sud-password", "qm": "qm-password-1"}


def write_tiny_ruleset(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scorecard.yaml").write_text(textwrap.dedent(TINY_SETTINGS).lstrip(), encoding="utf-8")
    for name, text in TINY_RULES.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return folder


def build_tiny_db(path: Path, rules_dir: Path) -> Path:
    """The ten hand-written evaluations, scored with the tiny ruleset, plus users."""
    con = open_db(path)
    try:
        for ddl in ("identity_verified BOOLEAN", "answer_appropriate BOOLEAN", "courtesy_rating BIGINT",
                    "identity_verified__comment VARCHAR"):
            con.execute(f"ALTER TABLE evaluations ADD COLUMN {ddl}")
        con.executemany(
            """INSERT INTO evaluations (evaluation_id, interaction_id, agent_id, agent_name, team, site,
                   interaction_at, evaluator_id, evaluator_kind, channel, activity, is_calibration, comment,
                   identity_verified, answer_appropriate, courtesy_rating, identity_verified__comment)
               VALUES (?, ?, ?, ?, ?, 'Lille', ?::TIMESTAMP, ?, 'human', 'phone', 'advice', ?, ?, ?, ?, ?, ?)""",
            [(e, f"call-{e}", a, n, t, at, ev, cal, f"Commentaire {e}", iv, aa, cr, cm)
             for e, a, n, t, at, ev, cal, iv, aa, cr, cm in TINY_EVALUATIONS],
        )
        ruleset = load_ruleset(write_tiny_ruleset(rules_dir), known_columns=evaluation_columns(con))
        score(con, ruleset)
        access.add_user(con, "alice", PASSWORDS["alice"], "agent", agent_id="A1")
        access.add_user(con, "bruno", PASSWORDS["bruno"], "agent", agent_id="A2")
        access.add_user(con, "bernard", PASSWORDS["bernard"], "agent", agent_id="B1")
        access.add_user(con, "nord", PASSWORDS["nord"], "team_leader", teams=("Nord",))
        access.add_user(con, "sud", PASSWORDS["sud"], "team_leader", teams=("Sud",))
        access.add_user(con, "qm", PASSWORDS["qm"], "quality_manager")
    finally:
        con.close()
    return path


def _generator():
    spec = importlib.util.spec_from_file_location("scorecard_sample_generate", REPO / "sample_data" / "generate.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def build_sample_db(path: Path, csv_path: Path, rows: int = 1500, seed: int = 7) -> list[tuple[str, str, str, str]]:
    """Sample CSV -> importer -> default rules; returns the demo logins."""
    _generator().write_csv(csv_path, rows=rows, seed=seed)
    con = open_db(path)
    try:
        import_files(con, [csv_path])
        score(con, load_ruleset(default_rules_dir(), known_columns=evaluation_columns(con)))
        return access.create_demo_users(con)
    finally:
        con.close()


_TEMPLATES: dict[str, tuple[Path, list]] = {}


def tiny_copy(factory: pytest.TempPathFactory, target_dir: Path) -> Path:
    """A fresh copy of the tiny database (built once per session) for one test to write into."""
    if "tiny" not in _TEMPLATES:
        base = factory.mktemp("tiny")
        _TEMPLATES["tiny"] = (build_tiny_db(base / "tiny.duckdb", base / "rules"), [])
    return Path(shutil.copy(_TEMPLATES["tiny"][0], target_dir / "tiny.duckdb"))


def sample_copy(factory: pytest.TempPathFactory, target_dir: Path) -> tuple[Path, list[tuple[str, str, str, str]]]:
    """A fresh copy of the sample centre (built once per session) and its demo logins."""
    if "sample" not in _TEMPLATES:
        base = factory.mktemp("sample")
        _TEMPLATES["sample"] = (base / "sample.duckdb", build_sample_db(base / "sample.duckdb", base / "sample.csv"))
    source, logins = _TEMPLATES["sample"]
    return Path(shutil.copy(source, target_dir / "sample.duckdb")), logins


def score_second_version(db: Path, rules_dir: Path) -> None:
    """Re-score ``db`` with version 2 of the tiny ruleset: answer weight 2 -> 1, courtesy removed."""
    folder = write_tiny_ruleset(rules_dir)
    (folder / "ct1.yaml").unlink()
    (folder / "scorecard.yaml").write_text(
        (folder / "scorecard.yaml").read_text(encoding="utf-8").replace('version: "1"', 'version: "2"'), encoding="utf-8")
    (folder / "cp4.yaml").write_text(
        (folder / "cp4.yaml").read_text(encoding="utf-8").replace("weight: 2", "weight: 1"), encoding="utf-8")
    con = open_db(db)
    try:
        score(con, load_ruleset(folder, known_columns=evaluation_columns(con)))
    finally:
        con.close()
