"""Scoring arithmetic (scoring.md §1-5) on a real DuckDB file, against hand-computed numbers."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pytest

from scorecard.reports import Filters, fetch_table
from scorecard.rules import load_ruleset
from scorecard.scoring import score
from tests.conftest import make_db, write_ruleset


def scores(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    frame = fetch_table(con, "evaluation_scores", Filters())
    return {r["evaluation_id"]: r for r in frame.to_dict("records")}


def isnull(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is __import__("pandas").NA


THREE_RULES = {
    "r.yaml": """
    rules:
      - {id: q1, competency: CP4, criterion: 1, check: q1, weight: 2}
      - {id: q2, competency: CP4, criterion: 2, check: q2}
      - {id: q3, competency: CT1, criterion: 1, check: q3, critical: true}
"""
}


def test_points_and_sections_differ_as_the_formulas_say(tmp_path: Path) -> None:
    rows = [{"q1": True, "q2": False, "q3": False}]
    cols = {"q1": "BOOLEAN", "q2": "BOOLEAN", "q3": "BOOLEAN"}
    con = make_db(tmp_path / "p.duckdb", cols, rows)
    rs_points = load_ruleset(
        write_ruleset(tmp_path / "points", 'name: p\nversion: "1"\n', THREE_RULES), known_columns=cols
    )
    rs_sections = load_ruleset(
        write_ruleset(
            tmp_path / "sections",
            'name: s\nversion: "1"\nscoring: {evaluation: sections}\ncompetency_weights: {CT1: 3}\n',
            THREE_RULES,
        ),
        known_columns=cols,
    )
    score(con, rs_points)
    (p,) = scores(con).values()
    # points: (2*1 + 1*0 + 1*0) / (2 + 1 + 1)
    assert p["score"] == pytest.approx(50.0)
    assert p["critical_score"] == pytest.approx(0.0)
    assert (p["n_pass"], p["n_fail"], p["n_na"]) == (1, 2, 0)
    score(con, rs_sections)
    (s,) = scores(con).values()
    # sections: CP4 = 2/3, CT1 = 0, weights 1 and 3 -> (2/3 * 1 + 0 * 3) / 4
    assert s["score"] == pytest.approx(100 * (2 / 3) / 4)


def test_all_not_applicable_gives_no_score(tmp_path: Path) -> None:
    cols = {"q1": "BOOLEAN", "q2": "BOOLEAN", "q3": "BOOLEAN"}
    con = make_db(tmp_path / "d.duckdb", cols, [{"q1": None, "q2": None, "q3": None}])
    report = score(
        con,
        load_ruleset(
            write_ruleset(tmp_path / "rs", 'name: p\nversion: "1"\n', THREE_RULES), known_columns=cols
        ),
    )
    (row,) = scores(con).values()
    assert isnull(row["score"]) and isnull(row["critical_score"])
    assert row["n_na"] == 3 and not row["fatal_failed"]
    assert report.n_scored == 0
    assert any("not scored" in w for w in report.warnings())
    assert "1 évaluation(s) sans règle applicable ne sont pas notées" in report.render("fr")
    assert "1 evaluation(s) have no applicable rule" in report.render("en")
    (card,) = fetch_table(con, "agent_scorecards", Filters()).to_dict("records")
    assert card["n_evaluations"] == 0 and isnull(card["quality_score"])


def test_fatal_and_critical_on_one_rule(tmp_path: Path) -> None:
    cols = {"identity": "BOOLEAN", "greeting": "BOOLEAN"}
    rules = {
        "r.yaml": """
        rules:
          - {id: identity, competency: CP4, criterion: 1, check: identity, fatal: true, critical: true}
          - {id: greeting, competency: CT1, criterion: 1, check: greeting, weight: 3}
    """
    }
    con = make_db(
        tmp_path / "d.duckdb",
        cols,
        [
            {"identity": False, "greeting": True},
            {"identity": True, "greeting": True},
            {"identity": None, "greeting": True},
        ],
    )
    score(
        con,
        load_ruleset(write_ruleset(tmp_path / "rs", 'name: p\nversion: "1"\n', rules), known_columns=cols),
    )
    e = scores(con)
    assert e["e1"]["fatal_failed"] and e["e1"]["score"] == 0.0
    assert e["e1"]["score_before_fatal"] == pytest.approx(75.0)
    assert e["e1"]["critical_score"] == pytest.approx(0.0)
    assert e["e2"]["score"] == pytest.approx(100.0) and e["e2"]["score_before_fatal"] == pytest.approx(100.0)
    assert not e["e3"]["fatal_failed"] and e["e3"]["score"] == pytest.approx(100.0)
    assert isnull(e["e3"]["critical_score"])
    (card,) = fetch_table(con, "agent_scorecards", Filters()).to_dict("records")
    assert card["quality_score"] == pytest.approx((0 + 100 + 100) / 3)
    assert card["fatal_rate"] == pytest.approx(100 / 3)
    assert card["critical_score"] == pytest.approx(50.0)  # pooled: 1 passed of 2 critical outcomes


def test_na_fail_turns_blanks_into_failures_even_for_fatal_rules(tmp_path: Path) -> None:
    cols = {"identity": "BOOLEAN", "greeting": "BOOLEAN"}
    rules = {
        "r.yaml": """
        when: channel = 'phone'
        rules:
          - {id: identity, competency: CP4, criterion: 1, check: identity, fatal: true}
          - {id: greeting, competency: CT1, criterion: 1, check: greeting}
    """
    }
    con = make_db(
        tmp_path / "d.duckdb",
        cols,
        [
            {"identity": None, "greeting": True, "channel": "phone"},
            {"identity": None, "greeting": True, "channel": "email"},
        ],
    )
    score(
        con,
        load_ruleset(
            write_ruleset(tmp_path / "rs", 'name: p\nversion: "1"\nscoring: {na: fail}\n', rules),
            known_columns=cols,
        ),
    )
    e = scores(con)
    assert (
        e["e1"]["fatal_failed"]
        and e["e1"]["score"] == 0.0
        and e["e1"]["score_before_fatal"] == pytest.approx(50.0)
    )
    # outside the `when` scope a rule stays na even under na: fail
    assert isnull(e["e2"]["score"]) and e["e2"]["n_na"] == 2


def test_score_rules_clamp_and_use_pass_mark(tmp_path: Path) -> None:
    cols = {"rating": "DOUBLE"}
    rules = {
        "r.yaml": """
        rules:
          - {id: rating, competency: CT1, criterion: 1, score: (rating - 1) / 4.0, pass_mark: 0.6}
    """
    }
    con = make_db(
        tmp_path / "d.duckdb", cols, [{"rating": 7.0}, {"rating": -3.0}, {"rating": 3.0}, {"rating": 4.0}]
    )
    score(
        con,
        load_ruleset(write_ruleset(tmp_path / "rs", 'name: p\nversion: "1"\n', rules), known_columns=cols),
    )
    e = scores(con)
    assert [e[k]["score"] for k in ("e1", "e2", "e3", "e4")] == pytest.approx([100.0, 0.0, 50.0, 75.0])
    assert [e[k]["n_pass"] for k in ("e1", "e2", "e3", "e4")] == [1, 0, 0, 1]
    (comp,) = fetch_table(con, "competency_scores", Filters()).to_dict("records")
    assert comp["score"] == pytest.approx(100 * (1 + 0 + 0.5 + 0.75) / 4)
    assert comp["pass_rate"] == pytest.approx(50.0)
    assert (comp["n_outcomes"], comp["n_passed"], comp["n_evaluations"]) == (4, 2, 4)


@pytest.mark.parametrize("na", ["exclude", "fail"])
def test_a_score_that_is_not_a_finite_number_is_not_applicable(tmp_path: Path, na: str) -> None:
    """0/0 (NaN) and 5/0 (+inf) cannot be clamped: the outcome is na (docs/scoring.md), so
    under na: fail it is a failure, never a pass."""
    cols = {"target": "DOUBLE", "took": "DOUBLE", "ok": "BOOLEAN"}
    rules = {
        "r.yaml": """
        rules:
          - {id: speed, competency: CP4, criterion: 1, score: target / took, pass_mark: 0.8}
          - {id: ok, competency: CP4, criterion: 2, check: ok}
    """
    }
    rows = [
        {"target": 0.0, "took": 0.0, "ok": True},  # NaN
        {"target": 5.0, "took": 0.0, "ok": True},  # +inf
        {"target": -5.0, "took": 0.0, "ok": True},  # -inf
        {"target": 3.0, "took": 4.0, "ok": True},  # 0.75, a fail
    ]
    con = make_db(tmp_path / "d.duckdb", cols, rows)
    settings = f'name: p\nversion: "1"\nscoring: {{na: {na}}}\n'
    score(con, load_ruleset(write_ruleset(tmp_path / "rs", settings, rules), known_columns=cols))
    e = scores(con)
    if na == "exclude":  # only the check counts: 1/1
        assert [e[k]["score"] for k in ("e1", "e2", "e3")] == pytest.approx([100.0] * 3)
        assert [(e[k]["n_pass"], e[k]["n_fail"], e[k]["n_na"]) for k in ("e1", "e2", "e3")] == [(1, 0, 1)] * 3
    else:  # the speed rule is v = 0, a fail: 1/2
        assert [e[k]["score"] for k in ("e1", "e2", "e3")] == pytest.approx([50.0] * 3)
        assert [(e[k]["n_pass"], e[k]["n_fail"], e[k]["n_na"]) for k in ("e1", "e2", "e3")] == [(1, 1, 0)] * 3
    assert e["e4"]["score"] == pytest.approx(100 * (0.75 + 1) / 2)
    (speed,) = [
        r
        for r in fetch_table(con, "rule_outcomes", Filters()).to_dict("records")
        if r["rule_id"] == "speed" and r["evaluation_id"] == "e1"
    ]
    assert speed["outcome"] == ("na" if na == "exclude" else "fail")


def _wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson (1927) score interval, written out independently of the engine's SQL."""
    p = k / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return 100 * (centre - spread) / (1 + z * z / n), 100 * (centre + spread) / (1 + z * z / n)


def test_competency_aggregate_wilson_interval_and_mastery(tmp_path: Path) -> None:
    cols = {"q1": "BOOLEAN", "q2": "BOOLEAN", "q3": "BOOLEAN"}
    rows = [{"agent_id": "a1", "q1": i % 4 != 0, "q2": i % 3 != 0, "q3": True} for i in range(12)]
    rows += [{"agent_id": "a2", "q1": False, "q2": True, "q3": None} for _ in range(3)]
    rows += [{"agent_id": "a1", "q1": False, "q2": False, "q3": False, "is_calibration": True}]
    con = make_db(tmp_path / "d.duckdb", cols, rows)
    settings = 'name: p\nversion: "1"\nmastery: {acquired: 80, developing: 60, min_evaluations: 5}\n'
    score(con, load_ruleset(write_ruleset(tmp_path / "rs", settings, THREE_RULES), known_columns=cols))
    comp = {
        (r["agent_id"], r["competency"]): r
        for r in fetch_table(con, "competency_scores", Filters()).to_dict("records")
    }
    a1 = comp[("a1", "CP4")]
    q1_pass = sum(1 for i in range(12) if i % 4 != 0)  # 9
    q2_pass = sum(1 for i in range(12) if i % 3 != 0)  # 8
    assert (a1["n_outcomes"], a1["n_passed"], a1["n_evaluations"]) == (24, q1_pass + q2_pass, 12)
    assert a1["score"] == pytest.approx(100 * (2 * q1_pass + q2_pass) / (2 * 12 + 12))
    low, high = _wilson(q1_pass + q2_pass, 24)
    assert (a1["ci_low"], a1["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert a1["mastery"] == "developing"  # 26/36 = 72.2 %
    assert comp[("a1", "CT1")]["mastery"] == "acquired"
    assert comp[("a2", "CP4")]["mastery"] == "insufficient_evidence"  # 3 evaluations < 5
    assert ("a2", "CT1") not in comp  # no scored outcome, no row


def test_competency_weight_zero_leaves_the_evaluation_score_but_keeps_competency_scores(
    tmp_path: Path,
) -> None:
    cols = {"q1": "BOOLEAN", "q2": "BOOLEAN", "q3": "BOOLEAN"}
    con = make_db(tmp_path / "d.duckdb", cols, [{"q1": True, "q2": True, "q3": False}])
    settings = 'name: p\nversion: "1"\ncompetency_weights: {CT1: 0}\n'
    score(con, load_ruleset(write_ruleset(tmp_path / "rs", settings, THREE_RULES), known_columns=cols))
    (e,) = scores(con).values()
    assert e["score"] == pytest.approx(100.0)
    comp = {r["competency"]: r for r in fetch_table(con, "competency_scores", Filters()).to_dict("records")}
    assert comp["CT1"]["score"] == pytest.approx(0.0)


def test_new_version_keeps_old_results_and_same_version_replaces(tmp_path: Path) -> None:
    cols = {"q1": "BOOLEAN", "q2": "BOOLEAN", "q3": "BOOLEAN"}
    con = make_db(tmp_path / "d.duckdb", cols, [{"q1": True, "q2": False, "q3": True}])
    v1 = write_ruleset(tmp_path / "v1", 'name: grid\nversion: "1"\n', THREE_RULES)
    v2 = write_ruleset(
        tmp_path / "v2",
        'name: grid\nversion: "2"\n',
        {"r.yaml": THREE_RULES["r.yaml"].replace("weight: 2", "weight: 1")},
    )
    score(con, load_ruleset(v1, known_columns=cols))
    score(con, load_ruleset(v2, known_columns=cols))
    first = fetch_table(con, "evaluation_scores", Filters(ruleset="grid@1"))["score"].tolist()
    second = fetch_table(con, "evaluation_scores", Filters())["score"].tolist()
    assert first == pytest.approx([75.0]) and second == pytest.approx([200 / 3])
    again = score(con, load_ruleset(v1, known_columns=cols))
    assert again.replaced_previous
    assert con.execute("SELECT count(*) FROM evaluation_scores").fetchone()[0] == 2
    assert (
        con.execute("SELECT name || '@' || version FROM rulesets WHERE is_current").fetchone()[0] == "grid@1"
    )


def test_declared_column_missing_or_of_another_type(tmp_path: Path) -> None:
    con = make_db(tmp_path / "d.duckdb", {"rating": "VARCHAR"}, [{"rating": "4"}, {"rating": "quatre"}])
    settings = 'name: p\nversion: "1"\ncolumns: {rating: integer, absent: boolean}\n'
    rules = {
        "r.yaml": """
        rules:
          - {id: rating, competency: CT1, criterion: 1, score: rating / 4.0}
          - {id: absent, competency: CT1, criterion: 2, check: absent}
    """
    }
    report = score(
        con,
        load_ruleset(write_ruleset(tmp_path / "rs", settings, rules), known_columns={"rating": "VARCHAR"}),
    )
    assert report.missing_columns == {"absent": ["absent"]}
    assert report.cast_failures == {"rating": 1}
    e = scores(con)
    assert e["e1"]["score"] == pytest.approx(100.0) and e["e1"]["n_na"] == 1
    assert isnull(e["e2"]["score"]) and e["e2"]["n_na"] == 2


def test_calibration_evaluations_stay_out_of_scorecards(tmp_path: Path) -> None:
    cols = {"q1": "BOOLEAN", "q2": "BOOLEAN", "q3": "BOOLEAN"}
    con = make_db(
        tmp_path / "d.duckdb",
        cols,
        [
            {"q1": True, "q2": True, "q3": True, "team": "Old", "interaction_at": "2026-05-01 09:00:00"},
            {"q1": False, "q2": False, "q3": False, "is_calibration": True, "team": "Cal"},
            {"q1": True, "q2": False, "q3": True, "team": "New", "interaction_at": "2026-05-20 09:00:00"},
        ],
    )
    score(
        con,
        load_ruleset(
            write_ruleset(tmp_path / "rs", 'name: p\nversion: "1"\n', THREE_RULES), known_columns=cols
        ),
    )
    (card,) = fetch_table(con, "agent_scorecards", Filters()).to_dict("records")
    assert card["n_evaluations"] == 2
    assert card["quality_score"] == pytest.approx((100 + 75) / 2)
    assert card["team"] == "New"  # team of the latest counted evaluation
    (team,) = fetch_table(con, "team_scorecards", Filters(team="New")).to_dict("records")
    assert team["n_agents"] == 1 and team["quality_score"] == pytest.approx(75.0)


def test_cast_in_a_rule_makes_unreadable_values_na_instead_of_failing_the_run(tmp_path: Path) -> None:
    con = make_db(tmp_path / "d.duckdb", {"code": "VARCHAR"}, [{"code": "12"}, {"code": "douze"}])
    rules = {
        "r.yaml": "rules:\n  - {id: code, competency: CT4, criterion: 1, check: CAST(code AS INTEGER) > 10}\n"
    }
    score(
        con,
        load_ruleset(
            write_ruleset(tmp_path / "rs", 'name: p\nversion: "1"\n', rules),
            known_columns={"code": "VARCHAR"},
        ),
    )
    e = scores(con)
    assert e["e1"]["score"] == pytest.approx(100.0)
    assert isnull(e["e2"]["score"])
