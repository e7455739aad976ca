"""Calibration tables on hand-built evaluations in a real DuckDB file (scoring.md §6).

Every expected number is worked out in the comments from the records below, or computed by
the ``krippendorff`` package from the reliability matrix written out here.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import krippendorff
import numpy as np
import pandas as pd
import pytest

from scorecard.calibration import (
    auto_vs_human_table,
    calibration_table,
    evaluators_table,
    sample_size_guidance,
)
from scorecard.rules import load_ruleset
from scorecard.scoring import score
from tests.conftest import make_db, write_ruleset

COLUMNS = {"greet": "BOOLEAN", "ident": "BOOLEAN", "tone": "DOUBLE"}
RULES = {"r.yaml": """
    rules:
      - {id: greet, competency: CT1, criterion: 1, check: greet}
      - {id: ident, competency: CP4, criterion: 1, check: ident}
      - {id: tone, competency: CT1, criterion: 2, score: tone / 5.0, pass_mark: 0.6}
"""}
NAN = math.nan


def _ev(eid: str, iid: str, who: str, greet: bool | None, ident: bool | None, tone: float | None, *,
        day: str, agent: str = "a1", cal: bool = True, expert: bool = False, kind: str = "human",
        at: str = "2026-06-01 12:00:00") -> dict:
    return {"evaluation_id": eid, "interaction_id": iid, "agent_id": agent, "evaluator_id": who,
            "evaluator_kind": kind, "is_calibration": cal, "is_expert": expert, "evaluated_at": at,
            "interaction_at": f"{day} 10:00:00", "greet": greet, "ident": ident, "tone": tone}


#: March: three calibration sessions. X is the expert. Scores (points, 3 rules of weight 1,
#: tone value = tone / 5, pass from 0.6):
#:   i1  X 1,1,.8 -> 93.33   Y 1,0,.6 -> 53.33   Z 0,1,.4 -> 46.67   (+ an auto evaluation)
#:   i2  X 1,1,1  -> 100     Y 1,1,1  -> 100     (Y's earlier evaluation 0,0,.2 is superseded)
#:   i3  Y 0,1,.2 -> 40      Z 0,na,.4 -> 20
#: May: automatic versus human.
#:   i7  Y 1,1,.8 ; auto 1,0,.8
#:   i8  Y 0,1,.4 ; X (expert, the reference) 1,1,.6 ; auto 1,1,na
#:   i9  auto only
CALIBRATION_ROWS = [
    _ev("e1", "i1", "X", True, True, 4, day="2026-03-02", expert=True),
    _ev("e2", "i1", "Y", True, False, 3, day="2026-03-02"),
    _ev("e3", "i1", "Z", False, True, 2, day="2026-03-02"),
    _ev("e4", "i1", "auto", False, False, 1, day="2026-03-02", kind="auto", cal=False),
    _ev("e5", "i2", "X", True, True, 5, day="2026-03-03", agent="a2", expert=True),
    _ev("e6", "i2", "Y", True, True, 5, day="2026-03-03", agent="a2", at="2026-06-02 12:00:00"),
    _ev("e6old", "i2", "Y", False, False, 1, day="2026-03-03", agent="a2", at="2026-06-01 08:00:00"),
    _ev("e7", "i3", "Y", False, True, 1, day="2026-03-04"),
    _ev("e8", "i3", "Z", False, None, 2, day="2026-03-04"),
    _ev("e9", "i7", "Y", True, True, 4, day="2026-05-10", cal=False),
    _ev("e10", "i7", "auto", True, False, 4, day="2026-05-10", kind="auto", cal=False),
    _ev("e11", "i8", "Y", False, True, 2, day="2026-05-11", cal=False),
    _ev("e12", "i8", "X", True, True, 3, day="2026-05-11", cal=False, expert=True),
    _ev("e13", "i8", "auto", True, True, None, day="2026-05-11", kind="auto", cal=False),
    _ev("e14", "i9", "auto", True, True, 5, day="2026-05-12", kind="auto", cal=False),
]


def _scored(tmp_path: Path, rows: list[dict], columns: dict[str, str] = COLUMNS,
            rules: dict[str, str] = RULES) -> tuple[duckdb.DuckDBPyConnection, int]:
    con = make_db(tmp_path / "cal.duckdb", columns, rows)
    folder = write_ruleset(tmp_path / "rs", 'name: cal\nversion: "1"\n', rules)
    report = score(con, load_ruleset(folder, known_columns=columns))
    return con, report.ruleset_id


@pytest.fixture
def march(tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, int]:
    return _scored(tmp_path, CALIBRATION_ROWS)


def _rows(frame: pd.DataFrame, *keys: str) -> dict:
    return {tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]: r for r in frame.to_dict("records")}


def test_calibration_table_columns_start_with_the_cli_contract(march: tuple) -> None:
    con, rid = march
    frame = calibration_table(con, rid, period="2026-03")
    assert list(frame.columns[:5]) == ["interaction_id", "rule_id", "n_evaluators", "agreement", "alpha"]
    assert frame["ruleset"].unique().tolist() == ["cal"]
    # 3 sessions x 3 rules; i7 (one human) is no session, i8 is May
    assert sorted(set(frame["interaction_id"])) == ["i1", "i2", "i3"] and len(frame) == 9


def test_session_agreement_counts_and_reference_outcomes(march: tuple) -> None:
    con, rid = march
    rows = _rows(calibration_table(con, rid, period="2026-03"), "interaction_id", "rule_id")
    g1 = rows[("i1", "greet")]
    # X pass, Y pass, Z fail: 1 agreeing pair out of 3 -> 33.3 %; the auto evaluation is left out
    assert (g1["n_evaluators"], g1["n_pass"], g1["n_fail"], g1["session_evaluators"]) == (3, 2, 1, 3)
    assert g1["agreement"] == pytest.approx(100 / 3)
    assert (g1["consensus"], g1["expert_outcome"]) == ("pass", "pass")
    assert rows[("i1", "ident")]["expert_outcome"] == "pass" and rows[("i1", "ident")]["consensus"] == "pass"
    # tone: .8 pass, .6 pass (>= pass mark), .4 fail
    assert (rows[("i1", "tone")]["n_pass"], rows[("i1", "tone")]["n_fail"]) == (2, 1)
    # i2: Y's superseded evaluation does not count: two evaluators, full agreement
    assert rows[("i2", "greet")]["n_evaluators"] == 2 and rows[("i2", "greet")]["agreement"] == 100
    # i3: Z left ident unanswered (na): one evaluator, no agreement to compute
    i3 = rows[("i3", "ident")]
    assert (i3["n_evaluators"], i3["n_na"]) == (1, 1) and pd.isna(i3["agreement"])
    assert pd.isna(rows[("i3", "greet")]["expert_outcome"])
    # session spread of evaluation scores and the expert's score
    assert g1["session_score_min"] == pytest.approx(140 / 3) and g1["session_score_max"] == pytest.approx(280 / 3)
    assert g1["expert_score"] == pytest.approx(280 / 3)
    # session agreement: mean over its rules of the pairwise agreement (i3: greet 100, ident -, tone 100)
    assert g1["session_agreement"] == pytest.approx(100 / 3)
    assert rows[("i3", "tone")]["session_agreement"] == pytest.approx(100)


def test_rule_alpha_over_the_range_is_krippendorffs_on_pass_fail(march: tuple) -> None:
    con, rid = march
    rows = _rows(calibration_table(con, rid, period="2026-03"), "interaction_id", "rule_id")
    # evaluators X, Y, Z (rows) x sessions i1, i2, i3 (columns); 1 pass, 0 fail, NAN absent/na
    reliability = {
        "greet": [[1, 1, NAN], [1, 1, 0], [0, NAN, 0]],
        "ident": [[1, 1, NAN], [0, 1, 1], [1, NAN, NAN]],
        "tone": [[1, 1, NAN], [1, 1, 0], [0, NAN, 0]],
    }
    for rule, matrix in reliability.items():
        expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
        for session in ("i1", "i2", "i3"):
            assert rows[(session, rule)]["alpha"] == pytest.approx(expected), rule
    assert rows[("i1", "ident")]["n_units"] == 2  # i3 has a single ident value
    assert rows[("i1", "greet")]["n_units"] == 3
    # tone is a score rule: interval alpha on the values too
    values = [[0.8, 1.0, NAN], [0.6, 1.0, 0.2], [0.4, NAN, 0.4]]
    expected = krippendorff.alpha(reliability_data=values, level_of_measurement="interval")
    assert rows[("i2", "tone")]["alpha_interval"] == pytest.approx(expected)
    assert pd.isna(rows[("i2", "greet")]["alpha_interval"])
    # session alpha: units are the session's rules, coders its evaluators (i1: X, Y, Z x greet, ident, tone)
    session = [[1, 1, 1], [1, 0, 1], [0, 1, 0]]
    assert rows[("i1", "tone")]["session_alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=session, level_of_measurement="nominal"))


def test_range_filters_select_sessions_by_interaction_date(march: tuple) -> None:
    con, rid = march
    frame = calibration_table(con, rid, date_from="2026-03-03", date_to="2026-03-31")
    assert sorted(set(frame["interaction_id"])) == ["i2", "i3"]
    may = calibration_table(con, rid, period="2026-05")
    assert sorted(set(may["interaction_id"])) == ["i8"]  # Y and X both scored i8
    assert calibration_table(con, rid, period="2025-01").empty


def test_evaluators_calibration_deviations(march: tuple) -> None:
    con, rid = march
    ev = _rows(evaluators_table(con, rid, period="2026-03"), "evaluator_id")
    # vs the expert X: Y |53.33-93.33| = 40 (i1) and 0 (i2); Z 46.67 (i1); X has no other expert
    assert ev["Y"]["mad_expert"] == pytest.approx(20) and ev["Y"]["n_expert"] == 2
    assert ev["Z"]["mad_expert"] == pytest.approx(140 / 3) and ev["Z"]["n_expert"] == 1
    assert pd.isna(ev["X"]["mad_expert"]) and ev["X"]["n_expert"] == 0
    # vs the median of the others: X: |93.33-50| and 0; Y: |53.33-70|, 0, |40-20|; Z: |46.67-73.33|, |20-40|
    assert ev["X"]["mad_consensus"] == pytest.approx((130 / 3) / 2)
    assert ev["Y"]["mad_consensus"] == pytest.approx((50 / 3 + 0 + 20) / 3)
    assert ev["Z"]["mad_consensus"] == pytest.approx((80 / 3 + 20) / 2)
    assert ev["Z"]["deviation_consensus"] == pytest.approx((-80 / 3 - 20) / 2)
    assert (ev["X"]["n_calibration"], ev["Y"]["n_calibration"], ev["Z"]["n_calibration"]) == (2, 3, 2)
    # Z's value gaps to the others' mean: greet 1 (i1) and 0 (i3); ident .5 (i1); tone .3 (i1) and .2 (i3)
    # ranked by summed gap: greet 1, tone .5, ident .5 (tie: larger mean first)
    assert ev["Z"]["divergent_rules"] == "greet (50 %, n=2), ident (50 %, n=1), tone (25 %, n=2)"
    # Y: i1 greet 1 vs .5 (mean of X, Z), ident 0 vs 1, tone .6 vs .6; i2 no gap; i3 greet 0 vs 0,
    # tone .2 vs .4 -> summed gaps ident 1 (n=2), greet .5 (n=3), tone .2 (n=3)
    assert ev["Y"]["divergent_rules"] == "ident (50 %, n=2), greet (17 %, n=3), tone (7 %, n=3)"
    # auto only evaluated production calls: listed with its volume, no calibration
    assert ev["auto"]["evaluator_kind"] == "auto" and ev["auto"]["n_calibration"] == 0
    assert ev["auto"]["n_evaluations"] == 1


def test_auto_versus_human_per_rule(march: tuple) -> None:
    con, rid = march
    rows = _rows(auto_vs_human_table(con, rid, period="2026-05"), "rule_id")
    # i7: auto vs Y ; i8: auto vs X (the expert is the human reference, not Y)
    greet = rows["greet"]
    assert (greet["n_interactions"], greet["agreement"]) == (2, 100)
    assert pd.isna(greet["alpha"])  # everyone passes: no variation, alpha undefined
    ident = rows["ident"]
    assert (ident["n_interactions"], ident["agreement"]) == (2, 50)
    assert (ident["auto_pass_rate"], ident["human_pass_rate"]) == (50, 100)
    assert (ident["auto_fail_human_pass"], ident["auto_pass_human_fail"]) == (1, 0)
    assert ident["alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=[[0, 1], [1, 1]], level_of_measurement="nominal"))
    tone = rows["tone"]
    assert (tone["n_interactions"], tone["auto_na_human_scored"]) == (1, 1)
    assert list(rows) == ["greet", "ident", "tone"]
    # March: i1 has auto and humans (reference: the expert X)
    march_rows = _rows(auto_vs_human_table(con, rid, period="2026-03"), "rule_id")
    assert march_rows["greet"]["n_interactions"] == 1 and march_rows["greet"]["agreement"] == 0


def test_sample_size_guidance_against_an_independent_computation(tmp_path: Path) -> None:
    answers = [  # (agent, day, greet, ident, tone)
        ("a1", "2026-06-02", True, True, 4), ("a1", "2026-06-03", True, False, 2),
        ("a1", "2026-06-04", False, True, 5), ("a1", "2026-06-05", True, True, None),
        ("a2", "2026-06-06", False, False, 1), ("a2", "2026-06-07", True, True, 3),
        ("a2", "2026-07-01", True, None, 4),
    ]
    rows = [_ev(f"s{i}", f"s{i}", "Y", g, d, t, day=day, agent=a, cal=False)
            for i, (a, day, g, d, t) in enumerate(answers)]
    rows.append(_ev("cal", "cal", "Y", False, False, 1, day="2026-06-08", cal=True))  # not counted
    con, rid = _scored(tmp_path, rows)
    got = _rows(sample_size_guidance(con, rid, margin=10), "agent_id", "period", "competency")

    def wilson_need(p: float, margin: float = 0.10, z: float = 1.959963984540054) -> float:
        n = 1
        while z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n) > margin:
            n += 1
        return float(n)  # the real-valued root lies in (n - 1, n]

    # CT1 per evaluation: (x, y)
    ct1 = np.array([(2, 2), (2, 1), (2, 1), (1, 1), (2, 0), (2, 2), (2, 2)], dtype=float)
    r = ct1[:, 1].sum() / ct1[:, 0].sum()
    x_bar = ct1[:, 0].mean()
    deff = max(1.0, np.var(ct1[:, 1] - r * ct1[:, 0], ddof=1) / (x_bar * r * (1 - r)))
    row = got[("a1", "2026-06", "CT1")]
    assert row["centre_pass_rate"] == pytest.approx(100 * r)
    assert row["design_effect"] == pytest.approx(deff)
    needed_outcomes = wilson_need(r)
    assert math.ceil((needed_outcomes - 1) * deff / x_bar) <= row["needed_n"] <= math.ceil(needed_outcomes * deff / x_bar)
    assert (row["actual_n"], row["n_outcomes"], row["enough"]) == (4, 7, False)
    assert row["pass_rate"] == pytest.approx(100 * 5 / 7)
    # CP4 (ident): one outcome per evaluation, 4 passes of 6
    cp4 = np.array([1, 0, 1, 1, 0, 1], dtype=float)
    p4 = cp4.mean()
    deff4 = max(1.0, np.var(cp4 - p4, ddof=1) / (p4 * (1 - p4)))  # = n / (n - 1)
    assert got[("a1", "2026-06", "CP4")]["design_effect"] == pytest.approx(6 / 5) == pytest.approx(deff4)
    # a2 was assessed on CP4 in June but not in July: the July row says 0, not enough
    july = got[("a2", "2026-07", "CP4")]
    assert (july["actual_n"], july["enough"]) == (0, False) and pd.isna(july["margin_at_actual"])
    # margin reached with a1's 4 CP4 outcomes (3 passed), discounted by the design effect
    z = 1.959963984540054
    n_eff, p = 4 / deff4, 3 / 4
    half = z * math.sqrt(p * (1 - p) / n_eff + z * z / (4 * n_eff * n_eff)) / (1 + z * z / n_eff)
    assert got[("a1", "2026-06", "CP4")]["margin_at_actual"] == pytest.approx(100 * half)
    # a generous margin is met
    loose = _rows(sample_size_guidance(con, rid, margin=60), "agent_id", "period", "competency")
    assert loose[("a1", "2026-06", "CT1")]["enough"]
