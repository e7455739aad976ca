"""Leniency on production data: evaluators with known biases (+8, 0, -6 points) are found.

Synthetic centre: 12 agents over 4 months, each agent with its own true quality per month.
Every agent is looked after by one of A (+8), B (0) or C (-6), who scores each of the agent's
months twice; two of four unbiased colleagues N1-N4 also score every agent-month twice.
A's agents are the weakest and C's the strongest, so A's *raw* mean score is the lowest: only
the comparison on the same agents and months shows that A is the soft one.

The evaluation score is one ``score`` rule equal to the recorded quality, so an evaluation's
score is exactly true quality + evaluator bias + noise.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from scorecard.calibration import evaluators_table, t_value
from scorecard.rules import load_ruleset
from scorecard.scoring import score
from tests.conftest import make_db, write_ruleset

BIAS = {"A": 8.0, "B": 0.0, "C": -6.0, "N1": 0.0, "N2": 0.0, "N3": 0.0, "N4": 0.0}
LEVEL = {"A": 35.0, "B": 50.0, "C": 65.0}  # mean true quality of each lead evaluator's agents
MONTHS = ("2026-01", "2026-02", "2026-03", "2026-04")
NOISE = 4.0


def _records(seed: int, replicate: str = "") -> list[dict]:
    """One synthetic centre; ``replicate`` suffixes its ids so several centres share a file."""
    rng = np.random.default_rng(seed)
    rows: list[dict] = []
    for a in range(12):
        lead = "ABC"[a % 3]
        for month in MONTHS:
            truth = LEVEL[lead] + rng.normal(0, 5)
            for who in [lead, *rng.choice(["N1", "N2", "N3", "N4"], size=2, replace=False)]:
                for k in range(2):
                    n = f"{replicate}{len(rows)}"
                    rows.append({
                        "evaluation_id": f"e{n}", "interaction_id": f"i{n}", "agent_id": f"ag{replicate}{a:02d}",
                        "interaction_at": f"{month}-{10 + k} 10:00:00", "evaluator_id": f"{who}{replicate}",
                        "evaluator_kind": "human", "is_calibration": False,
                        "quality": float(truth + BIAS[str(who)] + rng.normal(0, NOISE)),
                    })
    return rows


def _scored_centre(tmp_path: Path, rows: list[dict]) -> tuple[duckdb.DuckDBPyConnection, int]:
    con = make_db(tmp_path / "len.duckdb", {"quality": "DOUBLE"}, [])
    con.register("frame", pd.DataFrame(rows))
    con.execute("INSERT INTO evaluations BY NAME SELECT * REPLACE (CAST(interaction_at AS TIMESTAMP) AS interaction_at)"
                " FROM frame")
    rules = {"r.yaml": "rules:\n  - {id: q, competency: CT1, criterion: 1, score: quality / 100.0, pass_mark: 0.5}\n"}
    folder = write_ruleset(tmp_path / "rs", 'name: len\nversion: "1"\n', rules)
    return con, score(con, load_ruleset(folder, known_columns={"quality": "DOUBLE"})).ruleset_id


def _expected_leniency(rows: list[dict]) -> pd.DataFrame:
    """The estimand and the estimate, computed here in plain Python from the records.

    Per (evaluator, agent, month): own mean minus the others' mean; the expected value of that
    difference is the evaluator's bias minus the others' mean bias.
    """
    cells: dict[tuple[str, str], list[tuple[str, float, float]]] = defaultdict(list)
    for r in rows:
        who = r["evaluator_id"]
        cells[(r["agent_id"], r["interaction_at"][:7])].append((who, r["quality"], BIAS[who.split("-r")[0]]))
    out = []
    for cell in cells.values():
        for who in {w for w, _, _ in cell}:
            own = [(q, b) for w, q, b in cell if w == who]
            others = [(q, b) for w, q, b in cell if w != who]
            out.append({"evaluator_id": who,
                        "difference": statistics.fmean(q for q, _ in own) - statistics.fmean(q for q, _ in others),
                        "expected": own[0][1] - statistics.fmean(b for _, b in others)})
    return pd.DataFrame(out).groupby("evaluator_id").agg(
        leniency=("difference", "mean"), sd=("difference", "std"), n=("difference", "size"),
        expected=("expected", "mean"))


def test_known_biases_are_recovered_within_their_intervals(tmp_path: Path) -> None:
    rows = _records(seed=1)
    con, rid = _scored_centre(tmp_path, rows)
    got = evaluators_table(con, rid).set_index("evaluator_id")
    reference = _expected_leniency(rows)

    for who in BIAS:
        row = got.loc[who]
        # the numbers match the pandas computation of the same paired differences
        assert row["leniency"] == pytest.approx(reference.loc[who, "leniency"])
        assert row["n_pairs"] == reference.loc[who, "n"]
        half = t_value(0.95, int(row["n_pairs"]) - 1) * reference.loc[who, "sd"] / np.sqrt(row["n_pairs"])
        assert row["leniency_ci_high"] - row["leniency"] == pytest.approx(half)
        assert row["leniency"] - row["leniency_ci_low"] == pytest.approx(half)
    # A, B and C only ever share agents with unbiased colleagues: their own biases come back
    for who in ("A", "B", "C"):
        assert reference.loc[who, "expected"] == pytest.approx(BIAS[who])
        assert got.loc[who, "leniency_ci_low"] <= BIAS[who] <= got.loc[who, "leniency_ci_high"], who
        assert got.loc[who, "leniency_ci_high"] - got.loc[who, "leniency_ci_low"] < 6
        assert (got.loc[who, "n_pairs"], got.loc[who, "n_evaluations"]) == (16, 32)
    # the intervals separate the soft and the harsh evaluator from the neutral one
    assert got.loc["A", "leniency_ci_low"] > got.loc["B", "leniency_ci_high"]
    assert got.loc["B", "leniency_ci_low"] > got.loc["C", "leniency_ci_high"]
    # while the raw means say the opposite (A's agents are the weakest)
    assert got.loc["A", "mean_score"] < got.loc["B", "mean_score"] < got.loc["C", "mean_score"]


def test_leniency_intervals_cover_the_truth_about_95_percent_of_the_time(tmp_path: Path) -> None:
    """30 independent centres in one file: 210 intervals; a 95 % interval that covered much
    less (normal quantile on few pairs, wrong standard error) or much more would fail."""
    rows = [r for rep in range(30) for r in _records(seed=100 + rep, replicate=f"-r{rep}")]
    con, rid = _scored_centre(tmp_path, rows)
    got = evaluators_table(con, rid).set_index("evaluator_id")
    reference = _expected_leniency(rows)
    covered = (got["leniency_ci_low"] <= reference["expected"]) & (reference["expected"] <= got["leniency_ci_high"])
    assert len(covered) == 210
    assert 0.90 <= covered.mean() <= 0.99


def test_leniency_of_one_month_uses_only_that_month(tmp_path: Path) -> None:
    rows = _records(seed=5)
    con, rid = _scored_centre(tmp_path, rows)
    got = evaluators_table(con, rid, period="2026-02").set_index("evaluator_id")
    reference = _expected_leniency([r for r in rows if r["interaction_at"].startswith("2026-02")])
    assert (got.loc["A", "n_pairs"], got.loc["A", "n_evaluations"]) == (4, 8)  # A's 4 agents in February
    assert got.loc["A", "leniency"] == pytest.approx(reference.loc["A", "leniency"])
