"""Vendor-published scoring examples (../shared/conformance/vendor_vectors.yaml, copied to
tests/conformance/) reproduced through the real path: CLI import -> score -> export.

Each case folder holds a hand-written ruleset expressing the vendor's form and a CSV of
the answers; the expected numbers come from the vendor vectors file, not from the engine.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import yaml

from tests.conftest import run_cli

CASES = Path(__file__).parent / "conformance"
VECTORS = {v["id"]: v for v in yaml.safe_load((CASES / "vendor_vectors.yaml").read_text(encoding="utf-8"))}
TOLERANCE = 0.01


def _pipeline(tmp_path: Path, case: str, rules: str = "rules") -> Path:
    db = tmp_path / "conformance.duckdb"
    folder = CASES / case
    r = run_cli("import", str(folder / "records.csv"), "--db", str(db))
    assert r.returncode == 0, r.stderr + r.stdout
    r = run_cli("score", "--db", str(db), "--rules", str(folder / rules))
    assert r.returncode == 0, r.stderr + r.stdout
    return db


def _export(db: Path, table: str, *extra: str) -> list[dict[str, str]]:
    r = run_cli("export", table, "--db", str(db), *extra)
    assert r.returncode == 0, r.stderr
    return list(csv.DictReader(io.StringIO(r.stdout)))


def _by_evaluation(db: Path) -> dict[str, dict[str, str]]:
    return {row["evaluation_id"]: row for row in _export(db, "evaluation_scores")}


@pytest.mark.parametrize("vector_id", ["genesys_group_weights", "genesys_na_is_zero_of_zero"])
def test_genesys_points_with_group_weights(tmp_path: Path, vector_id: str) -> None:
    rows = _by_evaluation(_pipeline(tmp_path, "genesys"))
    assert float(rows[vector_id]["score"]) == pytest.approx(
        VECTORS[vector_id]["expect"]["score"], abs=TOLERANCE
    )


def test_zendesk_iqs_is_the_mean_of_reviews(tmp_path: Path) -> None:
    db = _pipeline(tmp_path, "zendesk_mean")
    scores = sorted(float(r["score"]) for r in _by_evaluation(db).values())
    published = sorted(VECTORS["zendesk_iqs_mean_of_reviews"]["evaluation_scores_of_one_agent"])
    assert scores == pytest.approx(published, abs=1e-9)
    (card,) = _export(db, "agent_scorecards")
    assert float(card["quality_score"]) == pytest.approx(
        VECTORS["zendesk_iqs_mean_of_reviews"]["expect"]["quality_score"], abs=TOLERANCE
    )
    assert card["n_evaluations"] == "5"


def test_zendesk_rating_scale(tmp_path: Path) -> None:
    row = _by_evaluation(_pipeline(tmp_path, "zendesk_scale"))["zendesk_rating_scale"]
    assert float(row["score"]) == pytest.approx(
        VECTORS["zendesk_rating_scale"]["expect"]["score"], abs=TOLERANCE
    )


def test_zendesk_critical_category_below_half_zeroes_the_review(tmp_path: Path) -> None:
    row = _by_evaluation(_pipeline(tmp_path, "zendesk_critical"))["zendesk_critical_below_half"]
    expect = VECTORS["zendesk_critical_below_half"]["expect"]
    assert float(row["score"]) == pytest.approx(expect["score"], abs=TOLERANCE)
    assert float(row["score_before_fatal"]) == pytest.approx(expect["score_before_fatal"], abs=TOLERANCE)
    assert row["fatal_failed"] == str(expect["fatal_failed"]).lower()


def test_nice_average_of_percentages_versus_pooled_points(tmp_path: Path) -> None:
    db = _pipeline(tmp_path, "nice", "rules_mean")
    r = run_cli("score", "--db", str(db), "--rules", str(CASES / "nice" / "rules_pooled"))
    assert r.returncode == 0, r.stderr
    expect = VECTORS["nice_average_of_percentages_vs_points"]["expect"]
    for mode in ("mean", "pooled"):
        cards = {c["agent_id"]: c for c in _export(db, "agent_scorecards", "--ruleset", f"nice_{mode}")}
        for agent, value in expect[mode].items():
            assert float(cards[agent]["quality_score"]) == pytest.approx(value, abs=TOLERANCE), (mode, agent)
            assert cards[agent]["ruleset"] == f"nice_{mode}"
