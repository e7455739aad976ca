"""The calibration tables on the sample centre (sample_data/), against what its generator built.

The generator (sample_data/generate.py) writes 6 teams x 6 months of calibration sessions, each
with the expert E10 and 3 to 5 other evaluators; E01 and E06 are harsh, E03 and E08 soft;
speech analytics ('auto') double-scores a share of calls with 4-6 % item errors. Those design
facts, not numbers read from the program, are what this file checks. docs/calibration.md quotes
the resulting numbers.
"""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pandas as pd
import pytest

from scorecard.calibration import auto_vs_human_table, calibration_table, evaluators_table, sample_size_guidance
from scorecard.importing import import_files
from scorecard.rules import load_ruleset
from scorecard.scoring import score
from scorecard.store import evaluation_columns, open_db
from tests.conftest import REPO

SESSIONS = 6 * 6  # one per team and month
EXPERT = "E10"
HARSH, SOFT = ("E01", "E06"), ("E03", "E08")


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> tuple[duckdb.DuckDBPyConnection, int]:
    folder = tmp_path_factory.mktemp("sample")
    csv = REPO / "sample_data" / "evaluations.csv"
    if not csv.exists():  # the committed sample is the generator's default output
        csv = folder / "evaluations.csv"
        subprocess.run([sys.executable, str(REPO / "sample_data" / "generate.py"), "--out", str(csv)], check=True)
    con = open_db(folder / "sample.duckdb")
    import_files(con, [csv])
    report = score(con, load_ruleset(REPO / "rules" / "crcd", known_columns=evaluation_columns(con)))
    return con, report.ruleset_id


def test_every_calibration_session_is_found_with_its_expert(centre: tuple) -> None:
    con, rid = centre
    cal = calibration_table(con, rid)
    sessions = cal.drop_duplicates("interaction_id")
    assert len(sessions) == SESSIONS and sessions["is_calibration"].all()
    assert sessions["session_evaluators"].between(4, 6).all()
    assert sessions["expert_score"].notna().all()
    assert sorted(sessions["period"].value_counts().unique()) == [6]
    assert cal["agreement"].dropna().between(0, 100).all()
    counts = cal[["n_evaluators", "n_pass", "n_fail", "n_na"]]
    assert counts.notna().all().all() and (counts.dtypes == "int64").all()
    assert (cal["n_pass"] + cal["n_fail"] == cal["n_evaluators"]).all()
    assert (cal["n_evaluators"] + cal["n_na"] == cal["session_evaluators"]).all()
    assert cal["alpha"].dropna().between(-1, 1).all() and (cal["n_units"] <= SESSIONS).all()
    # evaluators disagree the way people do: the sessions' score spread is real but not chaos
    spread = sessions["session_score_max"] - sessions["session_score_min"]
    assert 5 < spread.median() < 40


def test_harsh_and_soft_evaluators_are_named_by_their_intervals(centre: tuple) -> None:
    con, rid = centre
    ev = evaluators_table(con, rid).set_index("evaluator_id")
    for who in HARSH:
        assert ev.loc[who, "leniency_ci_high"] < 0, who
        assert ev.loc[who, "deviation_consensus"] < 0, who
    for who in SOFT:
        assert ev.loc[who, "leniency_ci_low"] > 0, who
        assert ev.loc[who, "deviation_consensus"] > 0, who
    # the expert sits in every session and has no expert above them
    assert ev.loc[EXPERT, "n_calibration"] == SESSIONS and ev.loc[EXPERT, "n_expert"] == 0
    humans = ev[(ev["evaluator_kind"] == "human") & (ev.index != EXPERT)]
    assert (humans["n_expert"] == humans["n_calibration"]).all()
    assert humans["divergent_rules"].notna().all()
    assert ev.loc["auto", "evaluator_kind"] == "auto" and ev.loc["auto", "n_calibration"] == 0


def test_auto_qa_agrees_with_people_on_the_items_it_scores(centre: tuple) -> None:
    con, rid = centre
    auto = auto_vs_human_table(con, rid)
    compared = auto[auto["n_interactions"] >= 50]
    assert len(compared) >= 5
    # 4-6 % machine errors plus the human reference's own errors: agreement stays high
    assert (compared["agreement"] > 80).all()
    assert (auto["n_interactions"] >= 0).all() and len(auto) == len(set(auto["rule_id"]))


def test_evidence_asks_for_more_evaluations_than_a_month_holds_at_five_points(centre: tuple) -> None:
    con, rid = centre
    tight = sample_size_guidance(con, rid, period="2026-10")
    loose = sample_size_guidance(con, rid, period="2026-10", margin=15)
    assert (tight["enough"] == (tight["actual_n"] >= tight["needed_n"])).all()
    # about 11 evaluations per agent and month cannot give ±5 points on any competency
    assert not tight["enough"].any()
    assert (loose["needed_n"] <= tight["needed_n"]).all() and loose["enough"].any()
    assert pd.Series(tight["agent_id"]).nunique() == 60
