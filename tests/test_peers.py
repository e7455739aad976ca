"""The benchmark's peers (bench/peers.py) as an independent check of the engine.

Three layers, each able to fail on its own:

1. every allowlisted expression node, translated by the peers, gives what DuckDB itself gives
   on the same regenerated SQL (so the peers are faithful translators);
2. small hand-made evaluations with scores computed by hand in this file (scoring.md §1-4),
   checked against the engine *and* both peers;
3. the committed sample (4,000 evaluations) imported with the real importer and scored by the
   engine with the default ruleset: both peers reproduce every evaluation score and every
   agent x month x competency (and rule) aggregate within 1e-9.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from bench import peers
from scorecard.importing import import_files
from scorecard.rules import check_expression, load_ruleset
from scorecard.scoring import score
from scorecard.store import evaluation_columns, open_db
from tests.conftest import REPO, make_db, write_ruleset

TOL = 1e-9


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------

def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or v is pd.NaT


def same_value(a: Any, b: Any) -> bool:
    """Equal as SQL values: both NULL, or equal (floats within TOL, NaN equal to NaN)."""
    if _missing(a) or _missing(b):
        return _missing(a) and _missing(b)
    if isinstance(a, float | int | np.floating | np.integer) and not isinstance(a, bool | np.bool_):
        fa, fb = float(a), float(b)
        if math.isnan(fa) or math.isnan(fb):
            return math.isnan(fa) and math.isnan(fb)
        return fa == fb or abs(fa - fb) <= TOL
    return bool(a == b)


def records(frame: pd.DataFrame, key: list[str]) -> dict[tuple, dict[str, Any]]:
    out = {}
    for row in frame.to_dict("records"):
        out[tuple(row[k] for k in key)] = {k: (None if v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v)
                                           for k, v in row.items()}
    return out


def assert_tables_agree(engine: pd.DataFrame, peer: pd.DataFrame, key: list[str], columns: list[str], who: str) -> None:
    e, p = records(engine, key), records(peer, key)
    assert set(e) == set(p), f"{who}: rows differ: only engine {sorted(set(e) - set(p))[:5]}, only peer {sorted(set(p) - set(e))[:5]}"
    bad = [(k, c, e[k][c], p[k][c]) for k in e for c in columns if not same_value(e[k][c], p[k][c])]
    assert not bad, f"{who}: {len(bad)} differences, first: {bad[:5]}"


def run_peers(con: duckdb.DuckDBPyConnection, ruleset: Any) -> dict[str, peers.PeerResult]:
    table = peers.load_evaluations(con, ruleset)
    pol = peers.score_polars(peers.polars_frame(table, ruleset), ruleset)
    pan = peers.score_pandas(peers.pandas_frame(table, ruleset), ruleset)
    return {
        "polars": peers.PeerResult(*(t.to_pandas() for t in (pol.evaluation_scores, pol.agent_period_rule, pol.agent_period_competency))),
        "pandas": pan,
    }


SCORE_COLS = ["score", "score_before_fatal", "fatal_failed", "critical_score", "n_pass", "n_fail", "n_na",
              "score_num", "score_den", "critical_num", "critical_den"]
COMP_COLS = ["sum_wv", "sum_w", "n_outcomes", "n_passed", "n_evaluations"]
RULE_COLS = ["n_outcomes", "n_passed", "sum_v"]


def engine_tables(con: duckdb.DuckDBPyConnection, ruleset_id: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return (
        con.execute(f"SELECT evaluation_id, {', '.join(SCORE_COLS)} FROM evaluation_scores WHERE ruleset_id = ?", [ruleset_id]).df(),
        con.execute("SELECT agent_id, period, competency, sum_wv, sum_w, n_outcomes, n_passed, n_evaluations "
                    "FROM agent_period_competency WHERE ruleset_id = ?", [ruleset_id]).df(),
        con.execute("SELECT agent_id, period, rule_id, n_outcomes, n_passed, sum_v FROM agent_period_rule "
                    "WHERE ruleset_id = ?", [ruleset_id]).df(),
    )


def assert_peers_match_engine(con: duckdb.DuckDBPyConnection, ruleset: Any, ruleset_id: int) -> None:
    scores, comps, rules = engine_tables(con, ruleset_id)
    for name, result in run_peers(con, ruleset).items():
        assert_tables_agree(scores, result.evaluation_scores, ["evaluation_id"], SCORE_COLS, f"{name} evaluation_scores")
        assert_tables_agree(comps, result.agent_period_competency, ["agent_id", "period", "competency"], COMP_COLS,
                            f"{name} agent_period_competency")
        assert_tables_agree(rules, result.agent_period_rule, ["agent_id", "period", "rule_id"], RULE_COLS,
                            f"{name} agent_period_rule")


# ----------------------------------------------------------------------------------------------
# 1. expression translation against DuckDB itself
# ----------------------------------------------------------------------------------------------

TYPES = {"b": "BOOLEAN", "i": "BIGINT", "f": "DOUBLE", "s": "VARCHAR", "t": "TIMESTAMP"}
ROWS = [
    (True, 3, 2.5, "abc", "2026-05-03 14:30:00"),      # a Sunday afternoon
    (False, -7, -2.5, "X y", "2026-06-01 09:05:00"),
    (None, 0, 0.0, " pad ", "2026-05-15 00:00:00"),
    (True, None, None, "yes", None),
    (False, 1, 0.125, None, "2026-10-31 23:59:59"),
    (None, 2, 1e9, "2.5", "2026-05-20 12:00:00"),
]
BOOLEAN_EXPRESSIONS = [
    "b", "NOT b", "b AND i > 0", "b OR i > 0", "NOT (b OR f < 0)", "i = 3", "i <> 3", "i != 3",
    "f >= 2.5", "f < 0", "f <= 0", "f > i", "s IS NULL", "s IS NOT NULL", "s IN ('abc', 'X y')",
    "s NOT IN ('abc', NULL)", "i IN (1, NULL)", "i NOT IN (1, 2)", "i BETWEEN 1 AND 3",
    "i NOT BETWEEN 1 AND 3", "s LIKE 'a%'", "s NOT LIKE '%y'", "s ILIKE 'x_Y'", "s LIKE '_.5'",
    "regexp_matches(s, 'b+')", "lower(s) = 'x y'", "upper(s) = 'ABC'", "trim(s) = 'pad'",
    "length(s) = 3", "strftime(t, '%Y-%m') = '2026-05'", "hour(t) >= 12", "dayofweek(t) = 0",
    "date_part('month', t) = 6", "t >= '2026-05-15'", "CAST(i AS BOOLEAN)", "CAST(s AS BOOLEAN)",
    "coalesce(b, i > 2)", "CASE WHEN i > 2 THEN b ELSE NOT b END", "IF(b, i > 0, f > 0)",
    "CAST(f AS VARCHAR) = '2.5'", "nullif(b, true)", "CASE WHEN i > 0 THEN b END",
]
NUMBER_EXPRESSIONS = [
    "i + 1", "i - f", "i * 2", "i / 4", "f / 0", "i % 3", "f % 2", "-i", "abs(f)", "round(f)",
    "round(f, 1)", "round(i)", "least(i, f)", "greatest(i, f, 1)", "nullif(i, 3)", "coalesce(f, i, 0)",
    "CASE i WHEN 1 THEN 10 WHEN 3 THEN 30 ELSE 0 END", "CAST(f AS INTEGER)", "CAST(s AS DOUBLE)",
    "CAST(b AS INTEGER)", "CAST(s AS BIGINT)", "length(s)", "date_part('hour', t)",
    "date_part('dow', t)", "date_part('year', t) - 2000", "(i - 1) / 4.0", "1 - i / 5.0",
]


@pytest.fixture(scope="module")
def typed_table() -> tuple[duckdb.DuckDBPyConnection, pa.Table]:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (" + ", ".join(f"{c} {ty}" for c, ty in TYPES.items()) + ")")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", ROWS)
    return con, con.sql("SELECT * FROM t").to_arrow_table()


@pytest.mark.parametrize("text,expect", [(e, "boolean") for e in BOOLEAN_EXPRESSIONS]
                         + [(e, "number") for e in NUMBER_EXPRESSIONS])
def test_each_allowed_node_translates_as_duckdb_evaluates_it(typed_table: Any, text: str, expect: str) -> None:
    con, table = typed_table
    sql = check_expression(text, TYPES, expect=expect).sql  # the engine's regenerated SQL
    truth = [row[0] for row in con.execute(f"SELECT {sql} FROM t").fetchall()]
    kinds = {c: peers.kind_of(ty) for c, ty in TYPES.items()}

    pol_frame = pl.from_arrow(table)
    got_polars = pol_frame.select(peers.PolarsTranslator(kinds).translate(sql).expr.alias("x"))["x"].to_list()
    pan_frame = table.to_pandas(types_mapper=peers._ARROW_TO_PANDAS.get)
    got_pandas = list(peers.PandasTranslator(kinds, pan_frame).series(
        peers.PandasTranslator(kinds, pan_frame).translate(sql)))
    for who, got in (("polars", got_polars), ("pandas", got_pandas)):
        mismatches = [(i, want, g) for i, (want, g) in enumerate(zip(truth, got, strict=True))
                      if not same_value(want, g) and not (who == "pandas" and _nan_as_na(want, g))]
        assert not mismatches, f"{who} on {sql!r}: (row, duckdb, peer) {mismatches}"


def _nan_as_na(want: Any, got: Any) -> bool:
    """The pandas peer's documented gap: nullable Float64 holds DuckDB's NaN (0/0) as NA."""
    return isinstance(want, float) and math.isnan(want) and _missing(got)


def test_a_node_outside_the_allowlist_is_refused() -> None:
    with pytest.raises(peers.UnsupportedExpression):
        peers.PolarsTranslator({"x": "int"}).translate("sqrt(x)")


def test_like_patterns_escape_regex_characters() -> None:
    assert peers.like_regex("a.b%", case_insensitive=False) == r"(?s)^a\.b.*$"


# ----------------------------------------------------------------------------------------------
# 2. hand-made evaluations, scores computed by hand
# ----------------------------------------------------------------------------------------------

HAND_RULES = {"rules.yaml": """
    rules:
      - {id: f1, competency: CP4, criterion: 1, check: q1, weight: 2, critical: true, fatal: true}
      - {id: c2, competency: CP4, criterion: 2, check: q2}
      - {id: s3, competency: CT1, criterion: 1, score: rating / 5.0, pass_mark: 0.6, when: "channel = 'phone'"}
      - {id: c4, competency: CT1, criterion: 2, check: q4, critical: true, when: q4_applies}
"""}
HAND_COLUMNS = {"q1": "BOOLEAN", "q2": "BOOLEAN", "q4": "BOOLEAN", "q4_applies": "BOOLEAN", "rating": "BIGINT"}
HAND_ROWS = [
    {"evaluation_id": "e1", "q1": True, "q2": False, "rating": 4, "channel": "phone", "q4": True, "q4_applies": True},
    {"evaluation_id": "e2", "q1": False, "q2": True, "rating": 7, "channel": "phone", "q4": None, "q4_applies": True},
    {"evaluation_id": "e3", "q1": None, "q2": None, "rating": 2, "channel": "email", "q4": False, "q4_applies": None},
    {"evaluation_id": "e4", "q1": True, "q2": True, "rating": 1, "channel": "phone", "q4": True, "q4_applies": False,
     "is_calibration": True},
    {"evaluation_id": "e5", "q1": True, "q2": False, "rating": -5, "channel": "phone", "q4": False, "q4_applies": True,
     "interaction_at": "2026-06-02 11:00:00"},
]
SETTINGS = 'name: hand\nversion: "{mode}-{na}"\ncompetency_weights: {{CT1: 2}}\nscoring: {{evaluation: {mode}, na: {na}}}\n'

# Rule values by hand (W_CP4 = 1, W_CT1 = 2; s3 = rating / 5 clamped to [0, 1]; pass marks 1, 1, 0.6, 1):
#   e1: f1 1, c2 0, s3 0.8, c4 1        e2: f1 0 (fatal), c2 1, s3 7/5 -> 1, c4 NULL
#   e3: f1 NULL, c2 NULL, s3 na (email), c4 na (when NULL)
#   e4: calibration; f1 1, c2 1, s3 0.2, c4 na        e5 (June): f1 1, c2 0, s3 -1 -> 0, c4 0
EXPECTED_SCORES = {
    ("points", "exclude"): {
        #      score, before fatal, fatal, critical, pass, fail, na
        "e1": (100 * 5.6 / 7, 100 * 5.6 / 7, False, 100.0, 3, 1, 0),   # (2*1 + 0 + 2*.8 + 2*1) / (2+1+2+2)
        "e2": (0.0, 100 * 3 / 5, True, 0.0, 2, 1, 1),                  # (0 + 1 + 2*1) / (2+1+2); critical 0/2
        "e3": (None, None, False, None, 0, 0, 4),
        "e4": (100 * 3.4 / 5, 100 * 3.4 / 5, False, 100.0, 2, 1, 1),   # (2 + 1 + 2*.2) / 5
        "e5": (100 * 2 / 7, 100 * 2 / 7, False, 100 * 2 / 3, 1, 3, 0),  # critical (2*1 + 0) / 3
    },
    ("sections", "exclude"): {
        # CP4 = (2 f1 + c2) / 3, CT1 = mean of s3, c4; score = (1*CP4 + 2*CT1) / 3
        "e1": (100 * (2 / 3 + 2 * 0.9) / 3, 100 * (2 / 3 + 2 * 0.9) / 3, False, 100.0, 3, 1, 0),
        "e2": (0.0, 100 * (1 / 3 + 2 * 1) / 3, True, 0.0, 2, 1, 1),
        "e3": (None, None, False, None, 0, 0, 4),
        "e4": (100 * (1 + 2 * 0.2) / 3, 100 * (1 + 2 * 0.2) / 3, False, 100.0, 2, 1, 1),
        "e5": (100 * (2 / 3) / 3, 100 * (2 / 3) / 3, False, 100 * 2 / 3, 1, 3, 0),
    },
    ("points", "fail"): {
        # a NULL answer of an applicable rule is 0 (fail): e2's c4, e3's f1 (fatal) and c2
        "e1": (100 * 5.6 / 7, 100 * 5.6 / 7, False, 100.0, 3, 1, 0),
        "e2": (0.0, 100 * 3 / 7, True, 0.0, 2, 2, 0),
        "e3": (0.0, 0.0, True, 0.0, 0, 2, 2),
        "e4": (100 * 3.4 / 5, 100 * 3.4 / 5, False, 100.0, 2, 1, 1),
        "e5": (100 * 2 / 7, 100 * 2 / 7, False, 100 * 2 / 3, 1, 3, 0),
    },
}
# agent a1, counted evaluations only (e4 is calibration): (sum_wv, sum_w, n_outcomes, n_passed, n_evaluations)
EXPECTED_COMPETENCIES_EXCLUDE = {
    ("2026-05", "CP4"): (2 * 1 + 0 + 2 * 0 + 1, 2 + 1 + 2 + 1, 4, 2, 2),  # e1, e2
    ("2026-05", "CT1"): (0.8 + 1 + 1, 3, 3, 3, 2),                      # e1 s3 c4, e2 s3
    ("2026-06", "CP4"): (2, 3, 2, 1, 1),
    ("2026-06", "CT1"): (0, 2, 2, 0, 1),
}


def _hand_db(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    return make_db(tmp_path / "hand.duckdb", HAND_COLUMNS, HAND_ROWS)


@pytest.mark.parametrize("mode,na", list(EXPECTED_SCORES))
def test_hand_made_scores_engine_and_peers(tmp_path: Path, mode: str, na: str) -> None:
    con = _hand_db(tmp_path)
    folder = write_ruleset(tmp_path / "rs", SETTINGS.format(mode=mode, na=na), HAND_RULES)
    ruleset = load_ruleset(folder, known_columns=evaluation_columns(con))
    report = score(con, ruleset)
    engine, _, _ = engine_tables(con, report.ruleset_id)
    expected = pd.DataFrame(
        [(eid, *vals) for eid, vals in EXPECTED_SCORES[(mode, na)].items()],
        columns=["evaluation_id", "score", "score_before_fatal", "fatal_failed", "critical_score", "n_pass", "n_fail", "n_na"],
    )
    cols = list(expected.columns[1:])
    assert_tables_agree(expected, engine, ["evaluation_id"], cols, "engine vs hand")
    for name, result in run_peers(con, ruleset).items():
        assert_tables_agree(expected, result.evaluation_scores, ["evaluation_id"], cols, f"{name} vs hand")


def test_hand_made_competency_aggregates_engine_and_peers(tmp_path: Path) -> None:
    con = _hand_db(tmp_path)
    folder = write_ruleset(tmp_path / "rs", SETTINGS.format(mode="points", na="exclude"), HAND_RULES)
    ruleset = load_ruleset(folder, known_columns=evaluation_columns(con))
    report = score(con, ruleset)
    expected = pd.DataFrame([("a1", period, comp, *vals) for (period, comp), vals in EXPECTED_COMPETENCIES_EXCLUDE.items()],
                            columns=["agent_id", "period", "competency", *COMP_COLS])
    _, engine, _ = engine_tables(con, report.ruleset_id)
    key = ["agent_id", "period", "competency"]
    assert_tables_agree(expected, engine, key, COMP_COLS, "engine vs hand")
    for name, result in run_peers(con, ruleset).items():
        assert_tables_agree(expected, result.agent_period_competency, key, COMP_COLS, f"{name} vs hand")


def test_a_declared_column_missing_from_the_data_makes_its_rules_na(tmp_path: Path) -> None:
    con = _hand_db(tmp_path)
    settings = SETTINGS.format(mode="points", na="exclude") + "columns: {q9: boolean, rating: number}\n"
    rules = {"rules.yaml": HAND_RULES["rules.yaml"] + "      - {id: q9, competency: CT2, criterion: 1, check: q9}\n"}
    ruleset = load_ruleset(write_ruleset(tmp_path / "rs", settings, rules), known_columns=evaluation_columns(con))
    report = score(con, ruleset)
    assert report.missing_columns == {"q9": ["q9"]}
    assert_peers_match_engine(con, ruleset, report.ruleset_id)


# ----------------------------------------------------------------------------------------------
# 3. the committed sample, default ruleset
# ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def scored_sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[duckdb.DuckDBPyConnection, Any, int]:
    sample = REPO / "sample_data" / "evaluations.csv"
    con = open_db(tmp_path_factory.mktemp("sample") / "sample.duckdb")
    report = import_files(con, [sample])
    assert report.files[0].rejected == 0
    ruleset = load_ruleset(REPO / "rules" / "crcd", known_columns=evaluation_columns(con))
    return con, ruleset, score(con, ruleset).ruleset_id


def test_sample_peers_reproduce_the_engine(scored_sample: Any) -> None:
    con, ruleset, ruleset_id = scored_sample
    (n,) = con.execute("SELECT count(*) FROM evaluation_scores").fetchone()
    assert n == 4000 and len(ruleset.rules) >= 60
    assert_peers_match_engine(con, ruleset, ruleset_id)


def test_sample_is_a_real_test_of_every_rule(scored_sample: Any) -> None:
    """Guard against a vacuous agreement: the sample makes every rule both pass and fail."""
    con, ruleset, ruleset_id = scored_sample
    rows = con.execute("""
        SELECT rule_id, sum(n_passed), sum(n_outcomes) - sum(n_passed) FROM agent_period_rule
        WHERE ruleset_id = ? GROUP BY rule_id
    """, [ruleset_id]).fetchall()
    outcomes = {rule_id: (passed, failed) for rule_id, passed, failed in rows}
    assert set(outcomes) == {r.id for r in ruleset.rules}
    never_failed = [r for r, (_, failed) in outcomes.items() if failed == 0]
    assert len(never_failed) <= len(ruleset.rules) // 4, never_failed
    (fatal,) = con.execute("SELECT count_if(fatal_failed) FROM evaluation_scores").fetchone()
    assert fatal > 0
