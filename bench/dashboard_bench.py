"""Dashboard benchmark: the scoped queries behind each page, on a 10M-evaluation database.

For a typical agent (the median agent by evaluations), a typical team (median team) and the
whole centre, every query a page makes is timed through the real scoped layer
(``scorecard.access.data``, hardened connection, no Streamlit cache): one untimed warm-up,
then the median (and 90th percentile) of ``--repeat`` runs. Window: the last three months,
as the dashboard opens.

Targets (issue 4): agent and team pages under 300 ms per query (median); centre overview
under 1 s.

The database is built once and cached in ``--workdir``: the schema comes from importing the
committed sample CSV with the real importer; the ``--rows`` evaluations of the seeded
generator (``sample_data/generate.py``, 5,000 agents at 10M) are then appended chunk by chunk
with the importer's value mapping (oui/non/N/A -> boolean, numbers, empty -> NULL), and the
default ruleset ``rules/crcd`` scores them.

    python bench/dashboard_bench.py                       # 10M rows (build: ~10 min once)
    python bench/dashboard_bench.py --rows 1000000 --repeat 10
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import duckdb

from scorecard import access
from scorecard.access import Scope, data
from scorecard.importing import import_files
from scorecard.resources import default_rules_dir, sample_data_dir
from scorecard.rules import load_ruleset
from scorecard.scoring import score
from scorecard.store import evaluation_columns, open_db

TRUE_TOKENS = ("oui", "o", "yes", "y", "true", "vrai", "x", "1")
FALSE_TOKENS = ("non", "n", "no", "false", "faux", "0")


def _generator():
    spec = importlib.util.spec_from_file_location("scorecard_sample_generate", REPO / "sample_data" / "generate.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _cast(name: str, source_type: str, target: str) -> str:
    col = f'"{name}"'
    if source_type != "VARCHAR":
        return f"CAST({col} AS {target})"
    text = f"nullif(trim({col}), '')"
    if target == "BOOLEAN":
        yes = ", ".join(f"'{t}'" for t in TRUE_TOKENS)
        no = ", ".join(f"'{t}'" for t in FALSE_TOKENS)
        return f"CASE WHEN lower({text}) IN ({yes}) THEN true WHEN lower({text}) IN ({no}) THEN false END"
    if target == "VARCHAR":
        return text
    return f"TRY_CAST(replace({text}, ',', '.') AS {target})"


def build(path: Path, rows: int, seed: int) -> None:
    """Schema from the real importer, then the generated rows appended, then scoring."""
    started = time.perf_counter()
    con = open_db(path)
    import_files(con, [sample_data_dir() / "evaluations.csv"])
    con.execute("DELETE FROM evaluations")
    con.execute("DELETE FROM imports")
    target = evaluation_columns(con)
    generator = _generator()
    done = 0
    for chunk in generator.iter_chunks(rows, seed=seed):
        con.register("chunk", chunk)
        types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE chunk)").fetchall())
        cols = [c for c in chunk.column_names if c in target]
        select = ", ".join(f'{_cast(c, types[c], target[c])} AS "{c}"' for c in cols)
        con.execute(f"INSERT INTO evaluations BY NAME SELECT {select} FROM chunk")
        con.unregister("chunk")
        done += chunk.num_rows
        print(f"\r  {done:,} rows appended ({time.perf_counter() - started:.0f} s)", end="", flush=True)
    print()
    t0 = time.perf_counter()
    report = score(con, load_ruleset(default_rules_dir(), known_columns=evaluation_columns(con)))
    print(f"  {report.render().splitlines()[0]}  ({time.perf_counter() - t0:.1f} s)")
    con.execute("CHECKPOINT")
    con.close()
    print(f"  database built in {time.perf_counter() - started:.0f} s: {path}")


def _median_member(con: duckdb.DuckDBPyConnection, column: str, team: str | None = None) -> str:
    """The member of ``column`` (agent or team) with the median number of counted evaluations."""
    rows = con.execute(
        f"""SELECT {column} FROM evaluation_scores
            WHERE NOT is_calibration AND ($team IS NULL OR team = $team)
            GROUP BY {column} ORDER BY count(*), {column}""",
        {"team": team},
    ).fetchall()
    return str(rows[len(rows) // 2][0])


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float, int]:
    """Median and 90th percentile in ms after one warm-up, and the rows returned."""
    result = fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    rows = len(result) if hasattr(result, "__len__") else 1
    return statistics.median(times), sorted(times)[max(0, int(len(times) * 0.9) - 1)], rows


def queries(db: access.DashboardDb, agent: Scope, leader: Scope, manager: Scope,
            window: data.Window) -> dict[str, list[tuple[str, Callable[[], object]]]]:
    con, rid = db.con, window.rid
    agent_id = str(agent.agent_id)
    evaluation = str(data.agent_evaluations(con, agent, window, agent_id)["evaluation_id"].iloc[0])
    return {
        "agent page (Ma progression)": [
            ("rulesets", lambda: data.rulesets(con, agent)),
            ("periods", lambda: data.periods(con, agent, rid)),
            ("agents_in_scope (name, team)", lambda: data.agents_in_scope(con, agent, window)),
            ("agent_monthly + team median", lambda: data.agent_monthly(con, agent, window, agent_id)),
            ("agent_competencies + CI + median", lambda: data.agent_competencies(con, agent, window, agent_id)),
            ("agent_evaluations", lambda: data.agent_evaluations(con, agent, window, agent_id)),
            ("evaluation_header", lambda: data.evaluation_header(con, agent, rid, evaluation)),
            ("evaluation_lines (76 rules)", lambda: data.evaluation_lines(con, agent, rid, evaluation)),
            ("evaluation_feedback", lambda: data.evaluation_feedback(con, agent, rid, evaluation)),
        ],
        "team pages (Mon équipe)": [
            ("periods / teams_in_scope", lambda: data.teams_in_scope(con, leader, rid)),
            ("centre_kpis (team cards)", lambda: data.centre_kpis(con, leader, window)),
            ("team_agents", lambda: data.team_agents(con, leader, window)),
            ("team_heatmap", lambda: data.team_heatmap(con, leader, window)),
            ("competency_medians (team + centre)", lambda: data.competency_medians(con, leader, window)),
            ("weakest_criteria", lambda: data.weakest_criteria(con, leader, window)),
            ("agent_scorecards (trends)", lambda: data.agent_scorecards(con, leader, window)),
            ("competency_trends", lambda: data.competency_trends(con, leader, window)),
            ("competency_scores (per agent)", lambda: data.competency_scores(con, leader, window)),
            ("disputes", lambda: data.disputes(con, leader, rid, open_only=False)),
            ("agent page of a team member", lambda: data.agent_monthly(con, leader, window, agent_id)),
        ],
        "centre overview (Qualité)": [
            ("centre_kpis", lambda: data.centre_kpis(con, manager, window)),
            ("centre_monthly", lambda: data.centre_monthly(con, manager, window)),
            ("centre_breakdown (team/site/channel/activity)", lambda: data.centre_breakdown(con, manager, window)),
            ("score_distribution", lambda: data.score_distribution(con, manager, window)),
            ("evaluators (volume)", lambda: data.evaluators(con, manager, window)),
            ("team_heatmap (whole centre)", lambda: data.team_heatmap(con, manager, window)),
            ("ruleset_rules", lambda: data.ruleset_rules(con, manager, rid)),
        ],
    }


def writes(db: access.DashboardDb, agent: Scope, leader: Scope, window: data.Window) -> dict[str, float]:
    """The writes that refresh derived tables: an accepted dispute (incremental: the agent's
    months and the team's month) and a full rebuild (after scoring). The dispute is removed
    afterwards so the database stays as built."""
    con, rid = db.con, window.rid
    evaluation = str(data.agent_evaluations(con, agent, window, str(agent.agent_id))["evaluation_id"].iloc[0])
    access.dispute(con, agent, rid, evaluation, "benchmark")
    fid = int(data.disputes(con, leader, rid)["feedback_id"].iloc[0])
    t0 = time.perf_counter()
    access.answer_dispute(con, leader, rid, fid, accept=True, reply=None, resolution="excluded")
    accepted = time.perf_counter() - t0
    con.execute("DELETE FROM feedback WHERE feedback_id = ?", [fid])
    t0 = time.perf_counter()
    access.refresh_derived(con, force=True)
    return {"accept a dispute (evaluation excluded, derived rows refreshed)": accepted,
            "full rebuild of the derived tables (after scoring)": time.perf_counter() - t0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=REPO / "bench" / "out")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    path = args.workdir / f"dashboard_{args.rows}_s{args.seed}.duckdb"
    if not path.exists():
        print(f"building {path.name} ...")
        partial = path.with_suffix(".building")
        partial.unlink(missing_ok=True)
        build(partial, args.rows, args.seed)
        partial.rename(path)
    con = open_db(path, read_only=True)
    team = _median_member(con, "team")
    agent_id = _median_member(con, "agent_id", team)  # a typical agent of that team
    n_eval, n_agents = con.execute("SELECT count(*), count(DISTINCT agent_id) FROM evaluations").fetchone()  # type: ignore[misc]
    con.close()

    t0 = time.perf_counter()
    db = access.open_dashboard_db(path)
    opened = (time.perf_counter() - t0) * 1000
    manager = Scope("bench-qm", "quality_manager")
    agent = Scope("bench-agent", "agent", agent_id=agent_id)
    leader = Scope("bench-tl", "team_leader", teams=(team,))
    ruleset = data.rulesets(db.con, manager)[0]
    months = data.periods(db.con, manager, ruleset.ruleset_id)
    window = data.Window(ruleset, months[-3], months[-1])
    print(f"{n_eval:,} evaluations, {n_agents:,} agents; agent {agent_id}, team {team!r}; window "
          f"{window.p_from}..{window.p_to}; {os.cpu_count()} cpus, python {platform.python_version()}, "
          f"duckdb {duckdb.__version__}; open + derived tables check {opened:.0f} ms; median of {args.repeat}")
    target = {"agent page (Ma progression)": 300, "team pages (Mon équipe)": 300, "centre overview (Qualité)": 1000}
    worst = True
    for page, items in queries(db, agent, leader, manager, window).items():
        print(f"\n{page}  (target: median < {target[page]} ms per query)")
        for name, fn in items:
            median, p90, rows = timed(fn, args.repeat)
            ok = median < target[page]
            worst &= ok
            print(f"  {'ok ' if ok else 'SLOW'} {name:<46} median {median:8.1f} ms  p90 {p90:8.1f} ms  ({rows} rows)")
    print()
    for label, seconds in writes(db, agent, leader, window).items():
        print(f"  {label}: {seconds * 1000:.0f} ms")
    db.close()
    print("all targets met" if worst else "some queries miss their target")
    return 0 if worst else 1


if __name__ == "__main__":
    sys.exit(main())
