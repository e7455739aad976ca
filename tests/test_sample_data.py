"""The sample data generator and the committed sample (sample_data/).

The generator is loaded by path, the way the benchmarks load it. Facts about the committed
sample are read back from the CSV file with DuckDB, not from the generator's variables.
"""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_data" / "evaluations.csv"
GENERATOR = REPO / "sample_data" / "generate.py"
CANONICAL = ["evaluation_id", "interaction_id", "agent_id", "interaction_at", "agent_name", "team", "site",
             "evaluator_id", "evaluator_kind", "evaluated_at", "channel", "direction", "activity",
             "duration_s", "is_calibration", "is_expert", "comment"]
ACTIVITIES = {"survey", "admin_info", "support", "advice", "prospecting", "booking", "sales", "retention",
              "collections"}


@pytest.fixture(scope="module")
def gen() -> dict[str, Any]:
    return runpy.run_path(str(GENERATOR))


@pytest.fixture(scope="module")
def declared() -> dict[str, str]:
    return yaml.safe_load((REPO / "rules" / "crcd" / "scorecard.yaml").read_text(encoding="utf-8"))["columns"]


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    """The committed sample as text, exactly as a CSV reader sees it."""
    c = duckdb.connect()
    c.execute(f"CREATE TABLE s AS SELECT * FROM read_csv('{SAMPLE}', all_varchar = true, header = true)")
    return c


def one(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0] if len(row) == 1 else row


# ---- the generator --------------------------------------------------------------------------

def test_same_seed_same_rows_other_seed_other_rows(gen: dict[str, Any]) -> None:
    a, b, c = gen["generate"](600, 7), gen["generate"](600, 7), gen["generate"](600, 8)
    assert isinstance(a, pa.Table)
    assert a.equals(b)
    assert not a.equals(c)


def test_rows_is_exact(gen: dict[str, Any]) -> None:
    for rows in (1, 7, 250, 1234):
        table = gen["generate"](rows, 3)
        assert table.num_rows == rows
        assert len(set(table.column("evaluation_id").to_pylist())) == rows


def test_committed_sample_is_the_default_regeneration(gen: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "evaluations.csv"
    assert gen["write_csv"](out) == 4000
    assert out.read_bytes() == SAMPLE.read_bytes()


def test_cli_writes_a_csv_of_the_asked_size(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "bench.csv"
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(out), "--rows", "2500", "--seed", "5"],
                   check=True, capture_output=True, timeout=120)
    assert one(duckdb.connect(), f"SELECT count(*) FROM read_csv('{out}')") == 2500


def test_chunks_join_without_gaps_or_duplicate_ids(gen: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Large files are written chunk by chunk: ids stay unique across chunk boundaries."""
    fn = gen["iter_chunks"]
    monkeypatch.setitem(fn.__globals__, "CHUNK_ROWS", 300)  # the module's own globals, not runpy's copy
    chunks = list(fn(1000, 11))
    assert len(chunks) >= 3
    table = pa.concat_tables(chunks)
    assert table.num_rows == 1000
    assert len(set(table.column("evaluation_id").to_pylist())) == 1000
    production = [i for i, cal in zip(table.column("interaction_id").to_pylist(),
                                       table.column("is_calibration").to_pylist()) if not cal]
    # an interaction id appears once, or twice when a human and auto-QA both scored it
    counts: dict[str, int] = {}
    for i in production:
        counts[i] = counts.get(i, 0) + 1
    assert max(counts.values()) <= 2


def test_larger_files_get_a_larger_centre(gen: dict[str, Any]) -> None:
    assert gen["plan"](None).n_agents == 60
    assert gen["plan"](1_000_000).n_agents > 60
    assert sum(gen["plan"](1_000_000).chunks) + 6 * gen["plan"](1_000_000).n_sessions == 1_000_000


# ---- the committed sample: columns ----------------------------------------------------------

def test_columns_are_canonical_then_the_declared_observations(con: duckdb.DuckDBPyConnection,
                                                                declared: dict[str, str]) -> None:
    header = [r[0] for r in con.execute("DESCRIBE s").fetchall()]
    assert header[:len(CANONICAL)] == CANONICAL
    rest = header[len(CANONICAL):]
    observations = [c for c in rest if not c.endswith("__comment")]
    assert observations == list(declared)
    for c in rest:
        if c.endswith("__comment"):
            assert c.removesuffix("__comment") in declared
            assert rest.index(c) == rest.index(c.removesuffix("__comment")) + 1


def test_answers_read_with_their_declared_type(con: duckdb.DuckDBPyConnection, declared: dict[str, str]) -> None:
    for column, kind in declared.items():
        values = {r[0] for r in con.execute(f'SELECT DISTINCT "{column}" FROM s').fetchall()}
        if kind == "boolean":
            assert values <= {"oui", "non", "N/A", None}, column
            assert {"oui", "non"} <= values, column
        else:
            numbers = [v for v in values if v is not None]
            assert numbers and all(v.lstrip("-").isdigit() for v in numbers), column


def test_timestamps_are_iso_and_booleans_true_false(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "SELECT count(*) FROM s WHERE NOT regexp_matches(interaction_at, "
                    "'^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$')") == 0
    assert one(con, "SELECT count(*) FROM s WHERE evaluated_at::TIMESTAMP < interaction_at::TIMESTAMP") == 0
    assert {r[0] for r in con.execute("SELECT DISTINCT is_calibration FROM s UNION SELECT is_expert FROM s").fetchall()} \
        == {"true", "false"}


def test_file_is_a_few_megabytes_of_utf8() -> None:
    data = SAMPLE.read_bytes()
    assert 500_000 < len(data) < 5_000_000
    text = data.decode("utf-8")
    assert "Identité non vérifiée" in text and not text.startswith("\ufeff")


# ---- the committed sample: a realistic centre -----------------------------------------------

def test_centre_structure(con: duckdb.DuckDBPyConnection) -> None:
    agents, teams, sites, months = one(con, "SELECT count(DISTINCT agent_id), count(DISTINCT team), "
                                            "count(DISTINCT site), count(DISTINCT substr(interaction_at, 1, 7)) FROM s")
    assert 55 <= agents <= 65 and teams == 6 and sites == 2 and months == 6
    assert one(con, "SELECT min(substr(interaction_at, 1, 7)) || '..' || max(substr(interaction_at, 1, 7)) FROM s") \
        == "2026-05..2026-10"
    assert one(con, "SELECT max(n) FROM (SELECT agent_id, count(DISTINCT team) n FROM s GROUP BY 1)") == 1
    assert one(con, "SELECT max(n) FROM (SELECT team, count(DISTINCT site) n FROM s GROUP BY 1)") == 1
    assert one(con, "SELECT count(*) FROM s WHERE NOT regexp_matches(agent_id, '^A\\d{3}$')") == 0
    assert one(con, "SELECT count(*) FROM s WHERE NOT regexp_matches(agent_name, '^\\S+ [A-Z]\\.$')") == 0


def test_activities_channels_directions(con: duckdb.DuckDBPyConnection) -> None:
    assert {r[0] for r in con.execute("SELECT DISTINCT activity FROM s").fetchall()} == ACTIVITIES
    channels = dict(con.execute("SELECT channel, count(*) FROM s GROUP BY 1").fetchall())
    assert len(channels) >= 4 and max(channels, key=channels.__getitem__) == "phone"
    assert channels["phone"] > sum(channels.values()) / 2
    assert {r[0] for r in con.execute("SELECT DISTINCT direction FROM s").fetchall()} == {"inbound", "outbound"}
    assert one(con, "SELECT count(*) FROM s WHERE activity IN ('survey', 'prospecting') AND direction = 'inbound'") == 0


def test_human_and_automatic_evaluators(con: duckdb.DuckDBPyConnection) -> None:
    humans = {r[0] for r in con.execute("SELECT DISTINCT evaluator_id FROM s WHERE evaluator_kind = 'human'").fetchall()}
    assert 8 <= len(humans) <= 10 and "auto" not in humans
    assert one(con, "SELECT count(*) FROM s WHERE (evaluator_id = 'auto') <> (evaluator_kind = 'auto')") == 0
    assert one(con, "SELECT count(*) FROM s WHERE evaluator_kind = 'auto' AND channel <> 'phone'") == 0
    share = one(con, "SELECT avg((evaluator_kind = 'auto')::INT) FROM s WHERE channel = 'phone'")
    assert 0.15 < share < 0.6
    double = one(con, "SELECT count(*) FROM (SELECT interaction_id FROM s WHERE is_calibration = 'false' "
                      "GROUP BY 1 HAVING count(DISTINCT evaluator_kind) = 2)")
    assert double >= 50


def test_calibration_sessions_have_exactly_one_expert(con: duckdb.DuckDBPyConnection) -> None:
    sessions = con.execute("""
        SELECT interaction_id, count(*), count(DISTINCT evaluator_id), count_if(is_expert = 'true'),
               count(DISTINCT agent_id), min(substr(interaction_at, 1, 7)), count_if(evaluator_kind = 'auto')
        FROM s WHERE is_calibration = 'true' GROUP BY 1""").fetchall()
    assert len(sessions) >= 12
    for _, n, evaluators, experts, agents, _, autos in sessions:
        assert n == evaluators and 3 <= n <= 7
        assert experts == 1 and agents == 1 and autos == 0
    assert {s[5] for s in sessions} == {f"2026-{m:02d}" for m in range(5, 11)}
    assert one(con, "SELECT count(*) FROM s WHERE is_expert = 'true' AND is_calibration = 'false'") == 0
    # calibrated interactions are not also production evaluations
    assert one(con, "SELECT count(*) FROM s a JOIN s b USING (interaction_id) "
                    "WHERE a.is_calibration = 'true' AND b.is_calibration = 'false'") == 0


def test_not_applicable_patterns_follow_the_grid(con: duckdb.DuckDBPyConnection) -> None:
    # items outside an activity's or channel's grid are empty
    assert one(con, "SELECT count(*) FROM s WHERE activity <> 'sales' AND withdrawal_right_stated IS NOT NULL") == 0
    assert one(con, "SELECT count(*) FROM s WHERE channel = 'phone' AND spelling_errors IS NOT NULL") == 0
    assert one(con, "SELECT count(*) FROM s WHERE channel <> 'phone' AND oral_communication_rating IS NOT NULL") == 0
    # in the grid but not applicable: N/A
    assert one(con, "SELECT count(*) FROM s WHERE transfer_needed = 'non' AND transfer_done NOT IN ('N/A')") == 0
    assert one(con, "SELECT count(*) FROM s WHERE sale_concluded = 'non' AND withdrawal_right_stated <> 'N/A'") == 0
    assert one(con, "SELECT count(*) FROM s WHERE transfer_needed = 'non' AND transfer_done = 'N/A'") > 100
    # speech analytics leaves what it cannot hear empty
    assert one(con, "SELECT count(*) FROM s WHERE evaluator_kind = 'auto' AND crm_updated IS NOT NULL") == 0


def test_fatal_failures_are_rare(con: duckdb.DuckDBPyConnection) -> None:
    share = one(con, "SELECT avg((account_data_disclosed = 'oui' AND identity_verified = 'non')::INT) FROM s")
    assert 0.005 <= share <= 0.03


def test_comments_are_french_sparse_and_mostly_on_failed_items(con: duckdb.DuckDBPyConnection) -> None:
    checks = ["identity_verified", "introduction_done", "key_points_recapped", "conclusion_done", "upsell_offered"]
    on_fail = one(con, "SELECT " + " + ".join(f"count_if({c}__comment IS NOT NULL AND {c} = 'non')" for c in checks)
                  + " FROM s")
    total = one(con, "SELECT " + " + ".join(f"count_if({c}__comment IS NOT NULL)" for c in checks) + " FROM s")
    assert total > 50 and on_fail / total > 0.6
    assert one(con, "SELECT avg((introduction_done__comment IS NOT NULL)::INT) FROM s") < 0.1
    overall = one(con, "SELECT avg((comment IS NOT NULL)::INT) FROM s WHERE evaluator_kind = 'human'")
    assert 0.5 < overall < 0.95
    assert one(con, "SELECT count(*) FROM s WHERE evaluator_kind = 'auto' AND comment IS NOT NULL") == 0


def _fail_share(con: duckdb.DuckDBPyConnection, group: str, where: str = "TRUE") -> dict[Any, float]:
    """Share of 'non' among the yes/no answers of everyday items, per group."""
    items = ["introduction_done", "request_analysed", "understanding_checked", "agreement_asked",
             "key_points_recapped", "crm_updated", "conclusion_done", "satisfaction_confirmed", "interaction_logged"]
    fails = " + ".join(f"(coalesce({c}, '') = 'non')::INT" for c in items)
    answered = " + ".join(f"(coalesce({c}, '') IN ('oui', 'non'))::INT" for c in items)
    return dict(con.execute(f"SELECT {group}, sum({fails}) / sum({answered}) FROM s WHERE {where} GROUP BY 1").fetchall())


def test_evaluators_differ_in_leniency(con: duckdb.DuckDBPyConnection) -> None:
    share = _fail_share(con, "evaluator_id", "evaluator_kind = 'human' AND is_calibration = 'false'")
    assert max(share.values()) - min(share.values()) > 0.06
    assert share["E06"] > share["E08"]  # the generator's harshest vs one of its softest


def test_some_agents_improve_and_some_slip(con: duckdb.DuckDBPyConnection) -> None:
    monthly = _fail_share(con, "agent_id || '|' || substr(interaction_at, 6, 2)", "is_calibration = 'false'")
    by_agent: dict[str, list[tuple[int, float]]] = {}
    for key, share in monthly.items():
        agent, month = key.split("|")
        by_agent.setdefault(agent, []).append((int(month), share))
    slopes = []
    for points in by_agent.values():
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        slopes.append(sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x in xs))
    assert sum(s < -0.015 for s in slopes) >= 3  # fail share falling: improving
    assert sum(s > 0.015 for s in slopes) >= 3   # fail share rising: slipping
