"""Scoring benchmark (issue 2, item 9): import and scoring of 1M / 10M evaluations, with peers.

For each ``--rows`` the generated CSV (``sample_data/generate.py``, the default ruleset's
observations) is written once and cached in ``--workdir``; then, in the same run, each phase
runs in its own child process (so the peak RSS printed is that phase's own):

- raw load: DuckDB's ``CREATE TABLE AS SELECT * FROM read_csv(...)`` into a fresh file;
- import: ``scorecard.importing.import_files`` of the same file into a fresh file;
- scan floor: a full scan of the stored table, ``SELECT min(COLUMNS(*)) FROM evaluations``;
- engine: ``scorecard.scoring.score`` (evaluation scores and aggregates stored);
- Polars and pandas peers (``bench/peers.py``): the same rules and aggregates computed from
  data already in memory (their results are not stored); their load from the DuckDB table
  (DuckDB -> Arrow -> frame) is timed separately.

Medians of ``--repeat`` runs, after an untimed warm-up where a run is cheap (scan, scoring,
peers; not the loads, whose file cache is warm anyway). Targets (issue): scoring 10M under
10 s median and, as the design matures, no slower than the Polars peer; import within 2x of
the raw load; peak memory under 4 GB.

    python bench/score_bench.py --rows 1000000                # quick run
    python bench/score_bench.py                                # 1M and 10M, --repeat 3
    python bench/score_bench.py --rows 1000000 --profile       # + per-statement costs of score()
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import importlib.util
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RULESET = REPO / "rules" / "crcd"
GENERATOR = REPO / "sample_data" / "generate.py"
DEFAULT_ROWS = (1_000_000, 10_000_000)
if str(REPO) not in sys.path:  # run as a script: make ``scorecard`` and ``bench.peers`` importable
    sys.path.insert(0, str(REPO))
GB = 1024**3
#: Lines of the EXPLAIN ANALYZE tree printed (its top operators hold the cost).
PLAN_LINES = 14

# ----------------------------------------------------------------------------------------------
# Child side: one phase, timed, reported as one JSON line on stdout.
# ----------------------------------------------------------------------------------------------


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _fresh(db: Path) -> None:
    for path in (db, db.with_name(db.name + ".wal")):
        path.unlink(missing_ok=True)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


#: CPU seconds (all threads of the phase's process) of each timed run, by label: a shared,
#: busy machine stretches wall-clock times, CPU time much less.
CPU: dict[str, list[float]] = {}


def _timed(run: Callable[[], Any], repeat: int, *, warm_up: bool, before: Callable[[], Any] | None = None,
           label: str = "times") -> list[float]:
    """Wall seconds of ``repeat`` runs of ``run`` (``before`` runs untimed ahead of each);
    their CPU seconds go to ``CPU[label]``."""
    times, cpus = [], []
    for i in range(repeat + (1 if warm_up else 0)):
        if before is not None:
            before()
        cpu = _cpu_seconds()
        started = time.perf_counter()
        run()
        elapsed = time.perf_counter() - started
        if i or not warm_up:
            times.append(elapsed)
            cpus.append(_cpu_seconds() - cpu)
    CPU[label] = cpus
    return times


def phase_generate(spec: dict[str, Any]) -> dict[str, Any]:
    module = _load_generator()
    target = Path(spec["csv"])
    part = target.with_name(target.name + ".part")
    started = time.perf_counter()
    module.write_csv(part, spec["rows"], spec["seed"])
    part.rename(target)
    return {"times": [time.perf_counter() - started]}


def phase_raw_load(spec: dict[str, Any]) -> dict[str, Any]:
    import duckdb

    db = Path(spec["workdir"]) / f"raw_{spec['rows']}.duckdb"

    def run() -> None:
        con = duckdb.connect(str(db))
        con.execute("CREATE TABLE evaluations AS SELECT * FROM read_csv(?)", [spec["csv"]])
        con.close()

    times = _timed(run, spec["repeat"], warm_up=False, before=lambda: _fresh(db))
    size = db.stat().st_size
    _fresh(db)
    return {"times": times, "db_bytes": size}


def phase_import(spec: dict[str, Any]) -> dict[str, Any]:
    from scorecard.importing import import_files
    from scorecard.store import open_db

    db = Path(spec["db"])
    work = db.with_name(db.stem + "_importing.duckdb")
    reports: list[Any] = []

    def run() -> None:
        con = open_db(work)
        reports.append(import_files(con, [spec["csv"]]))
        con.close()

    times = _timed(run, spec["repeat"], warm_up=False, before=lambda: _fresh(work))
    _fresh(db)
    work.rename(db)
    file = reports[-1].files[0]
    return {"times": times, "db_bytes": db.stat().st_size, "rows": file.rows, "rejected": file.rejected}


def phase_import_chunks(spec: dict[str, Any]) -> dict[str, Any]:
    """Fallback when one import of the whole file does not fit: the same rows split into files
    of ``chunk_rows`` rows (one streaming pass, every cell kept as text), imported one call
    (one transaction) after the other, timed once."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from scorecard.importing import import_files
    from scorecard.store import open_db

    db, size = Path(spec["db"]), spec["chunk_rows"]
    with open(spec["csv"], encoding="utf-8") as f:
        header = next(csv.reader([f.readline()]))
    reader = pacsv.open_csv(spec["csv"], convert_options=pacsv.ConvertOptions(
        column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False))
    parts: list[Path] = []
    writer, in_part = None, size
    for batch in reader:
        offset = 0
        while offset < batch.num_rows:
            if in_part == size:
                if writer is not None:
                    writer.close()
                parts.append(Path(spec["workdir"]) / f"chunk_{spec['rows']}_{len(parts):03d}.csv")
                writer, in_part = pacsv.CSVWriter(parts[-1], batch.schema), 0
            take = min(size - in_part, batch.num_rows - offset)
            writer.write_batch(batch.slice(offset, take))
            offset, in_part = offset + take, in_part + take
    if writer is not None:
        writer.close()
    _fresh(db)
    rows = rejected = 0

    def run() -> None:
        nonlocal rows, rejected
        con = open_db(db)
        for part in parts:
            file = import_files(con, [part]).files[0]
            rows, rejected = rows + file.rows, rejected + file.rejected
        con.close()

    times = _timed(run, 1, warm_up=False)
    for part in parts:
        part.unlink()
    return {"times": times, "db_bytes": db.stat().st_size, "rows": rows, "rejected": rejected, "files": len(parts)}


def phase_scan(spec: dict[str, Any]) -> dict[str, Any]:
    import duckdb

    from scorecard.rules import load_ruleset
    from scorecard.store import evaluation_columns

    con = duckdb.connect(spec["db"], read_only=True)
    n_columns = len(con.execute("DESCRIBE evaluations").fetchall())
    times = _timed(lambda: con.execute("SELECT min(COLUMNS(*)) FROM evaluations").fetchall(),
                   spec["repeat"], warm_up=True)
    # the columns scoring reads (keys, metadata, observations): the floor for a scoring pass
    ruleset = load_ruleset(RULESET, known_columns=evaluation_columns(con))
    read = sorted({c for r in ruleset.rules for c in r.columns} | set(META_READ))
    cols = ", ".join(f'min("{c}")' for c in read)
    used = _timed(lambda: con.execute(f"SELECT {cols} FROM evaluations").fetchall(), spec["repeat"], warm_up=True,
                  label="used")
    return {"times": times, "columns": n_columns, "used": used, "used_columns": len(read)}


#: Evaluation columns every scoring pass carries into its results.
META_READ = ("evaluation_id", "interaction_id", "agent_id", "agent_name", "team", "site", "interaction_at",
             "evaluator_id", "evaluator_kind", "channel", "activity", "is_calibration", "is_expert")


def _clear_results(con: Any) -> None:
    for table in ("evaluation_scores", "agent_period_rule", "agent_period_competency", "ruleset_rules", "rulesets"):
        con.execute(f"DELETE FROM {table}")
    con.execute("CHECKPOINT")


def phase_engine(spec: dict[str, Any]) -> dict[str, Any]:
    from scorecard.rules import load_ruleset
    from scorecard.scoring import score
    from scorecard.store import evaluation_columns, open_db

    con = open_db(Path(spec["db"]))
    ruleset = load_ruleset(RULESET, known_columns=evaluation_columns(con))
    reports: list[Any] = []
    times = _timed(lambda: reports.append(score(con, ruleset)), spec["repeat"], warm_up=True,
                   before=lambda: _clear_results(con))
    counts = con.execute(
        "SELECT (SELECT count(*) FROM evaluation_scores), (SELECT count(*) FROM agent_period_rule), "
        "(SELECT count(*) FROM agent_period_competency)"
    ).fetchone()
    con.close()
    last = reports[-1]
    return {
        "times": times, "rules": len(ruleset.rules), "competencies": len(ruleset.competencies()),
        "settings": ruleset.settings.scoring.model_dump(), "ruleset": f"{ruleset.name}@{ruleset.version}",
        "n_scored": last.n_scored, "n_fatal": last.n_fatal, "stored_rows": list(counts or ()),
    }


def phase_profile(spec: dict[str, Any]) -> dict[str, Any]:
    """Each statement score() runs, timed alone (rolled back), plus the plan's costliest operators."""
    from scorecard.rules import load_ruleset
    from scorecard.scoring import _compile as c
    from scorecard.store import evaluation_columns, open_db

    con = open_db(Path(spec["db"]))
    ruleset = load_ruleset(RULESET, known_columns=evaluation_columns(con))
    stored = evaluation_columns(con)
    source = c.source_sql(ruleset, stored)
    values = c.values_sql(ruleset, source)
    statements = {
        "evaluation_scores SELECT (no write)": f"SELECT count(*), sum(score) FROM ({c.evaluation_scores_sql(ruleset, 0, c.sums_sql(ruleset, values))})",
        "evaluation_scores INSERT": "INSERT INTO evaluation_scores " + c.evaluation_scores_sql(ruleset, 0, c.sums_sql(ruleset, values)),
        "agent x period wide aggregate": "CREATE TEMP TABLE _w AS " + c.agent_period_sql(ruleset, values),
        "unpivot to agent_period_rule": "INSERT INTO agent_period_rule " + c.unpivot_rules_sql(ruleset, 0, "_w"),
        "unpivot to agent_period_competency": "INSERT INTO agent_period_competency " + c.unpivot_competencies_sql(ruleset, 0, "_w"),
    }
    out: dict[str, float] = {}
    con.execute("BEGIN")  # ruleset_id 0 is never used by score(); all of it is rolled back
    for label, sql in statements.items():
        started = time.perf_counter()
        con.execute(sql)
        out[label] = time.perf_counter() - started
    con.execute("ROLLBACK")
    plan = con.execute("EXPLAIN ANALYZE " + statements["evaluation_scores SELECT (no write)"]).fetchall()
    con.close()
    return {"statements": out, "plan": plan[0][1], "sql_chars": {k: len(v) for k, v in statements.items()}}


def phase_variants(spec: dict[str, Any]) -> dict[str, Any]:
    """Rewrites of score()'s two heavy statements, each materialised into a temp table (CPU and
    wall seconds, best of ``repeat``): what a change to the compiled SQL would buy."""
    import re

    import duckdb

    from scorecard.rules import load_ruleset
    from scorecard.scoring import _compile as c
    from scorecard.store import evaluation_columns

    con = duckdb.connect(spec["db"], read_only=True)
    ruleset = load_ruleset(RULESET, known_columns=evaluation_columns(con))
    values = c.values_sql(ruleset, c.source_sql(ruleset, evaluation_columns(con)))
    rules = list(enumerate(ruleset.rules))

    def previous_sums(vals: str) -> str:
        """c.sums_sql as it was before 2026-11-28: coalesce() and CASE per rule term, INTEGER
        counts (points mode, as the default ruleset): the baseline of the cheaper terms."""
        def terms(idx: list[tuple[int, Any]], weight: Callable[[Any], float], fmt: str) -> str:
            return " + ".join(fmt.format(v=c.vcol(i), w=c.num(weight(r))) for i, r in idx) or "0.0"
        full = lambda r: r.weight * r.competency_weight
        own = lambda r: r.weight
        crit = [(i, r) for i, r in rules if r.critical]
        fatal = " OR ".join(f"coalesce({c.vcol(i)} < {c.num(r.pass_mark)}, false)" for i, r in rules if r.fatal) or "false"
        meta = ", ".join(c.q(m) for m in c.META_COLUMNS)
        return (
            f"SELECT {meta}, ({terms(rules, full, 'coalesce({v}, 0.0) * {w}')}) AS raw_num, "
            f"({terms(rules, full, 'CASE WHEN ({v} IS NOT NULL) THEN {w} ELSE 0.0 END')}) AS raw_den, "
            f"({terms(crit, own, 'coalesce({v}, 0.0) * {w}')}) AS critical_num, "
            f"({terms(crit, own, 'CASE WHEN ({v} IS NOT NULL) THEN {w} ELSE 0.0 END')}) AS critical_den, "
            f"({fatal}) AS fatal_failed, "
            + "(" + " + ".join(f"coalesce({c.vcol(i)} >= {c.num(r.pass_mark)}, false)::INTEGER" for i, r in rules)
            + ") AS n_pass, "
            + "(" + " + ".join(f"({c.vcol(i)} IS NOT NULL)::INTEGER" for i, _ in rules) + f") AS n_scored FROM ({vals}) AS vals"
        )

    def in_as_or(sql: str) -> str:
        """x IN ('a', 'b') -> (x = 'a' OR x = 'b'): the same three-valued result, no MARK join."""
        pattern = r"((?:COALESCE\(\"[a-z_0-9]+\", ''\))|(?:\"[a-z_0-9]+\")) IN \(([^()]*)\)"
        return re.sub(pattern, lambda m: "(" + " OR ".join(
            f"{m.group(1)} = {item.strip()}" for item in m.group(2).split(",")) + ")", sql)

    evaluation = lambda sums: c.evaluation_scores_sql(ruleset, 0, sums)
    cases: dict[str, tuple[str, str | None]] = {
        "E0 evaluation scores, as compiled": (evaluation(c.sums_sql(ruleset, values)), None),
        "E1 same, DuckDB in_clause optimizer off": (evaluation(c.sums_sql(ruleset, values)), "in_clause"),
        "E2 IN lists written as OR chains": (evaluation(c.sums_sql(ruleset, in_as_or(values))), None),
        "E3 previous sum terms (coalesce/CASE, INTEGER counts)": (evaluation(previous_sums(values)), None),
        "M0 the metadata columns alone (no rules)": (
            (f"SELECT {', '.join(c.q(m) for m in c.META_COLUMNS if m != 'period')}, "
             "strftime(interaction_at, '%Y-%m') AS period FROM evaluations"), None),
        "V0 the rule values alone (no sums)": (values, None),
        "A0 agent x month aggregate, as compiled": (c.agent_period_sql(ruleset, values), None),
        "A1 same, IN lists as OR chains": (c.agent_period_sql(ruleset, in_as_or(values)), None),
    }
    best: dict[str, list[float]] = {}
    for _ in range(spec["repeat"]):
        for label, (sql, disabled) in cases.items():
            con.execute(f"SET disabled_optimizers = '{disabled}'" if disabled else "RESET disabled_optimizers")
            cpu, started = _cpu_seconds(), time.perf_counter()
            con.execute(f"CREATE OR REPLACE TEMP TABLE _variant AS {sql}")
            wall, used = time.perf_counter() - started, _cpu_seconds() - cpu
            b = best.setdefault(label, [wall, used])
            best[label] = [min(b[0], wall), min(b[1], used)]
    con.execute("RESET disabled_optimizers")
    (differ,) = con.execute(
        f"SELECT count(*) FROM ({cases['E0 evaluation scores, as compiled'][0]}) a "
        f"FULL JOIN ({cases['E3 previous sum terms (coalesce/CASE, INTEGER counts)'][0]}) b USING (evaluation_id) "
        "WHERE a.score IS DISTINCT FROM b.score OR a.n_pass IS DISTINCT FROM b.n_pass "
        "OR a.fatal_failed IS DISTINCT FROM b.fatal_failed OR a.critical_score IS DISTINCT FROM b.critical_score"
    ).fetchone()  # type: ignore[misc]
    return {"best": best, "e3_rows_differing_from_e0": differ}


def _peer_phase(spec: dict[str, Any], library: str) -> dict[str, Any]:
    import duckdb

    from bench import peers
    from scorecard.rules import load_ruleset
    from scorecard.store import evaluation_columns

    con = duckdb.connect(spec["db"], read_only=True)
    ruleset = load_ruleset(RULESET, known_columns=evaluation_columns(con))
    to_frame, score_with = (
        (peers.polars_frame, peers.score_polars) if library == "polars" else (peers.pandas_frame, peers.score_pandas)
    )
    tables: list[Any] = []
    load = _timed(lambda: tables.append(peers.load_evaluations(con, ruleset)), spec["repeat"], warm_up=False,
                  label="load")
    table = tables.pop()
    tables.clear()
    frames: list[Any] = []
    frame_times = _timed(lambda: frames.append(to_frame(table, ruleset)), spec["repeat"], warm_up=False,
                         label="frame")
    frame = frames.pop()
    frames.clear()
    table = None  # the pandas frame is a copy: let the Arrow table go
    results: list[Any] = []
    times = _timed(lambda: results.append(score_with(frame, ruleset)), spec["repeat"], warm_up=True)
    result = results[-1]
    results.clear()
    return {"times": times, "load": load, "frame": frame_times, "check": _agreement(con, result, library)}


def _agreement(con: Any, result: Any, library: str) -> dict[str, Any]:
    """Untimed: the peer's results against the engine's stored ones (largest differences)."""
    import pandas as pd
    import pyarrow as pa

    def as_arrow(frame: Any) -> pa.Table:
        return frame.to_arrow() if library == "polars" else pa.Table.from_pandas(frame, preserve_index=False)

    con.register("peer_scores", as_arrow(result.evaluation_scores))
    con.register("peer_competency", as_arrow(result.agent_period_competency))
    scores = con.execute("""
        SELECT count(*) AS n, count(p.evaluation_id) AS matched,
               max(abs(e.score - p.score)) AS max_d_score,
               count_if((e.score IS NULL) <> (p.score IS NULL)) AS null_mismatch,
               count_if(e.fatal_failed <> p.fatal_failed OR e.n_pass <> p.n_pass OR e.n_fail <> p.n_fail
                        OR e.n_na <> p.n_na) AS count_mismatch
        FROM evaluation_scores e LEFT JOIN peer_scores p USING (evaluation_id)
    """).df()
    comps = con.execute("""
        SELECT count(*) AS n, count(p.agent_id) AS matched, max(abs(e.sum_wv - p.sum_wv)) AS max_d_sum_wv,
               count_if(e.n_outcomes <> p.n_outcomes OR e.n_passed <> p.n_passed
                        OR e.n_evaluations <> p.n_evaluations) AS count_mismatch,
               (SELECT count(*) FROM peer_competency) AS peer_rows
        FROM agent_period_competency e
        LEFT JOIN peer_competency p USING (agent_id, period, competency)
    """).df()
    row = {**{f"eval_{k}": v for k, v in scores.iloc[0].items()}, **{f"comp_{k}": v for k, v in comps.iloc[0].items()}}
    return {k: (None if pd.isna(v) else float(v)) for k, v in row.items()}


PHASES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "generate": phase_generate,
    "raw_load": phase_raw_load,
    "import": phase_import,
    "import_chunks": phase_import_chunks,
    "scan": phase_scan,
    "engine": phase_engine,
    "profile": phase_profile,
    "variants": phase_variants,
    "polars": lambda spec: _peer_phase(spec, "polars"),
    "pandas": lambda spec: _peer_phase(spec, "pandas"),
}


def child_main(phase: str, spec_json: str) -> int:
    result = PHASES[phase](json.loads(spec_json))
    result["peak_rss_mb"] = _peak_rss_mb()
    result["cpu"] = CPU
    print(json.dumps(result, default=str))
    return 0


# ----------------------------------------------------------------------------------------------
# Parent side: orchestration and report.
# ----------------------------------------------------------------------------------------------


def _load_generator() -> Any:
    spec = importlib.util.spec_from_file_location("scorecard_sample_generator", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def run_phase(phase: str, spec: dict[str, Any], *, max_rss_gb: float) -> dict[str, Any]:
    """Run one phase in a child process; its peak RSS is the child's own. A child whose
    memory passes ``max_rss_gb`` is stopped (this machine is shared) and reported as such."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--child", phase, json.dumps(spec)],
            stdout=out, stderr=err, text=True, env=env, cwd=REPO,
        )
        peak = 0
        while proc.poll() is None:
            peak = max(peak, _rss_bytes(proc.pid))
            if peak > max_rss_gb * GB:
                proc.kill()
                proc.wait()
                return {"aborted": f"stopped at {peak / GB:.1f} GB resident (limit --max-rss-gb {max_rss_gb:g})"}
            time.sleep(0.25)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"phase {phase} failed:\n{err.read()[-4000:]}")
        return json.loads(out.read().strip().splitlines()[-1])


def machine() -> dict[str, str]:
    cpu = "unknown"
    mem = 0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    return {"platform": platform.platform(), "cpu": cpu, "cores": str(os.cpu_count()), "ram": f"{mem / GB:.1f} GB"}


def versions() -> dict[str, str]:
    import duckdb
    import numpy
    import pandas
    import polars
    import pyarrow
    import sqlglot

    return {"python": platform.python_version(), "duckdb": duckdb.__version__, "pandas": pandas.__version__,
            "polars": polars.__version__, "sqlglot": sqlglot.__version__, "pyarrow": pyarrow.__version__,
            "numpy": numpy.__version__}


def csv_path(workdir: Path, rows: int, seed: int) -> Path:
    """Cache name: rows, seed and the generator's content hash (a changed generator regenerates)."""
    digest = hashlib.sha256(GENERATOR.read_bytes()).hexdigest()[:8]
    return workdir / f"evaluations_{rows}_s{seed}_{digest}.csv"


def _stats(times: list[float]) -> str:
    return f"{statistics.median(times):8.2f} s {min(times):7.2f} {max(times):7.2f}"


def _line(label: str, times: list[float] | None, cpu: list[float] | None, rss: float | None) -> str:
    timing = _stats(times) if times else f"{'-':>10} {'-':>7} {'-':>7}"
    cpu_text = f"{statistics.median(cpu):8.2f} s" if cpu else f"{'-':>10}"
    memory = f"{rss / 1024:6.2f} GB" if rss is not None else ""
    return f"  {label:<50}{timing}{cpu_text}  {memory}"


def _ratio(a: list[float] | None, b: list[float] | None) -> str:
    if not a or not b:
        return "n/a"
    return f"{statistics.median(a) / statistics.median(b):.2f}x"


def bench_rows(rows: int, args: argparse.Namespace) -> list[str]:
    workdir: Path = args.workdir
    csv = csv_path(workdir, rows, args.seed)
    out: list[str] = []
    generated = ""
    if not csv.exists():
        free = shutil.disk_usage(workdir).free
        need = rows * 520 * 4  # CSV (~450 B/row) plus three database files, with room
        if free < need:
            raise SystemExit(f"not enough disk in {workdir}: {free / GB:.1f} GB free, ~{need / GB:.1f} GB needed")
        gen = run_phase("generate", {"csv": str(csv), "rows": rows, "seed": args.seed}, max_rss_gb=args.max_rss_gb)
        generated = f"generated in {gen['times'][0]:.0f} s"
    else:
        generated = "cached"
    with csv.open("rb") as f:
        n_columns = f.readline().count(b",") + 1
    spec = {"csv": str(csv), "rows": rows, "repeat": args.repeat, "workdir": str(workdir),
            "db": str(workdir / f"bench_{rows}.duckdb"), "chunk_rows": args.chunk_rows}
    res: dict[str, dict[str, Any]] = {}
    for phase in args.phases:
        if (phase == "profile" and not args.profile) or (phase == "variants" and not args.variants):
            continue
        repeat = args.import_repeat if phase == "import" and args.import_repeat else args.repeat
        res[phase] = run_phase(phase, {**spec, "repeat": repeat}, max_rss_gb=args.max_rss_gb)
        if phase == "import" and "aborted" in res[phase]:
            res["import_chunks"] = run_phase("import_chunks", spec, max_rss_gb=args.max_rss_gb)
            for part in workdir.glob(f"chunk_{rows}_*.csv"):
                part.unlink()
            if "aborted" in res["import_chunks"]:
                break  # no complete database to score
    aborted = {phase: r["aborted"] for phase, r in res.items() if "aborted" in r}
    res = {phase: r for phase, r in res.items() if phase not in aborted}
    eng = res.get("engine", {})
    out.append(f"== {rows:,} evaluations: CSV {csv.stat().st_size / 1e6:,.0f} MB, {n_columns} columns ({generated}) ==")
    if eng:
        out.append(f"ruleset {eng['ruleset']}: {eng['rules']} rules, {eng['competencies']} competencies, "
                   f"scoring {eng['settings']}")
    out.append(f"  {'phase (wall seconds; CPU = median CPU seconds)':<50}{'median':>10} {'min':>7} {'max':>7}{'CPU':>10}  peak RSS")

    def get(phase: str, key: str = "times") -> list[float] | None:
        return res.get(phase, {}).get(key)

    def rss(phase: str) -> float | None:
        return res.get(phase, {}).get("peak_rss_mb")

    def cpu(phase: str, key: str = "times") -> list[float] | None:
        return res.get(phase, {}).get("cpu", {}).get(key)

    out.append(_line("raw DuckDB load (CTAS read_csv, fresh file)", get("raw_load"), cpu("raw_load"), rss("raw_load")))
    out.append(_line("scorecard import_files (fresh file)", get("import"), cpu("import"), rss("import")))
    if "import_chunks" in res:
        out.append(_line(f"  fallback: {res['import_chunks']['files']} files of {args.chunk_rows:,} rows, in turn",
                         get("import_chunks"), cpu("import_chunks"), rss("import_chunks")))
    out.append(_line("full scan of stored table, all columns", get("scan"), cpu("scan"), rss("scan")))
    if "scan" in res:
        out.append(_line(f"scan of the {res['scan']['used_columns']} columns scoring reads (floor)",
                         get("scan", "used"), cpu("scan", "used"), None))
    out.append(_line("engine score() (results stored)", get("engine"), cpu("engine"), rss("engine")))
    for lib in ("polars", "pandas"):
        if lib in res:
            out.append(_line(f"{lib} peer: DuckDB table -> Arrow", get(lib, "load"), cpu(lib, "load"), None))
            out.append(_line(f"{lib} peer: Arrow -> {lib} frame", get(lib, "frame"), cpu(lib, "frame"), None))
            out.append(_line(f"{lib} peer: scoring (in memory, not stored)", get(lib), cpu(lib), rss(lib)))
    out += [f"  {phase}: ABORTED, {why}" for phase, why in aborted.items()]
    out.append("  peak RSS: the whole phase's process (a peer's includes its loaded data)")
    out.append(
        f"  ratios: import/raw load {_ratio(get('import'), get('raw_load'))}; "
        f"scoring/full scan {_ratio(get('engine'), get('scan'))}; "
        f"scoring/scan of read columns {_ratio(get('engine'), get('scan', 'used'))}; "
        f"scoring/polars {_ratio(get('engine'), get('polars'))}; scoring/pandas {_ratio(get('engine'), get('pandas'))}"
    )
    for phase in ("import", "import_chunks"):
        if phase in res:
            out.append(f"  {phase}: {res[phase]['rows']:,} rows, {res[phase]['rejected']} rejected; database "
                       f"{res[phase]['db_bytes'] / 1e9:.2f} GB (raw load's {res.get('raw_load', {}).get('db_bytes', 0) / 1e9:.2f} GB)")
    if eng:
        out.append(f"  engine: {eng['n_scored']:,} scored, {eng['n_fatal']:,} fatal; stored rows "
                   f"evaluation_scores/agent_period_rule/agent_period_competency = {eng['stored_rows']}")
    for lib in ("polars", "pandas"):
        if lib in res:
            chk = {k: (v if v is not None else float("nan")) for k, v in res[lib]["check"].items()}
            out.append(
                f"  {lib} vs engine: {_int(chk['eval_matched'])}/{_int(chk['eval_n'])} evaluations matched, "
                f"max |d score| {chk['eval_max_d_score']}, {_int(chk['eval_null_mismatch'])} NULL and "
                f"{_int(chk['eval_count_mismatch'])} count/fatal mismatches; competency rows "
                f"{_int(chk['comp_matched'])}/{_int(chk['comp_n'])} (peer {_int(chk['comp_peer_rows'])}), "
                f"max |d sum_wv| {chk['comp_max_d_sum_wv']}, {_int(chk['comp_count_mismatch'])} count mismatches"
            )
    out += _targets(rows, res, aborted)
    if "profile" in res:
        out.append("  profile of score()'s statements (each alone, in a rolled-back transaction):")
        for label, secs in res["profile"]["statements"].items():
            out.append(f"    {label:<48}{secs:8.2f} s")
        out.append("  EXPLAIN ANALYZE of the evaluation_scores SELECT:")
        plan = str(res["profile"]["plan"]).splitlines()
        out += ["    " + line for line in plan[:PLAN_LINES]]
        if len(plan) > PLAN_LINES:
            out.append(f"    ... ({len(plan) - PLAN_LINES} more lines: the projections and the table scan below)")
    if "variants" in res:
        out.append(f"  variants of score()'s statements, materialised to a temp table (best of {args.repeat}):")
        out.append(f"    {'':<50}{'wall':>8}{'CPU':>10}")
        for label, (wall, used) in res["variants"]["best"].items():
            out.append(f"    {label:<50}{wall:6.2f} s{used:8.2f} s")
        out.append(f"    E3 rows whose results differ from E0: {res['variants']['e3_rows_differing_from_e0']}")
    return out


def _int(value: float) -> str:
    return "?" if math.isnan(value) else f"{int(value):,}"


def _targets(rows: int, res: dict[str, dict[str, Any]], aborted: dict[str, str]) -> list[str]:
    out = [f"  target import <= 2x raw load and < 4 GB: MISSED (import {why})" for p, why in aborted.items() if p == "import"]
    eng, imp, raw = res.get("engine"), res.get("import"), res.get("raw_load")
    if eng:
        med = statistics.median(eng["times"])
        if rows >= 10_000_000:
            out.append(f"  target scoring 10M < 10 s: {'met' if med < 10 else 'MISSED'} ({med:.2f} s)")
        if "polars" in res:
            pol = statistics.median(res["polars"]["times"])
            out.append(f"  target scoring <= polars peer: {'met' if med <= pol else 'not yet'} ({med:.2f} s vs {pol:.2f} s)")
    if imp and raw:
        ratio = statistics.median(imp["times"]) / statistics.median(raw["times"])
        out.append(f"  target import <= 2x raw load: {'met' if ratio <= 2 else 'MISSED'} ({ratio:.2f}x)")
    peaks = {p: res[p]["peak_rss_mb"] for p in ("import", "engine") if p in res}
    if peaks:
        worst = max(peaks.values())
        detail = ", ".join(f"{p} {v / 1024:.2f} GB" for p, v in peaks.items())
        out.append(f"  target peak memory < 4 GB (import, scoring): {'met' if worst < 4096 else 'MISSED'} ({detail})")
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return child_main(argv[1], argv[2])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=list(DEFAULT_ROWS), help="evaluations (default 1M and 10M)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per phase (median printed; default 3)")
    parser.add_argument("--import-repeat", type=int, default=None,
                        help="timed runs of the import (default --repeat; 1 saves time at 10M)")
    parser.add_argument("--workdir", type=Path, default=REPO / "bench" / "out", help="CSV cache and databases (default bench/out)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--max-rss-gb", type=float, default=16.0,
                        help="stop a phase whose memory passes this (default 16; the machine is shared)")
    parser.add_argument("--chunk-rows", type=int, default=1_000_000,
                        help="rows per file when the whole-file import is stopped (fallback; default 1M)")
    parser.add_argument("--phases", nargs="+", default=["raw_load", "import", "scan", "engine", "polars", "pandas", "profile", "variants"],
                        choices=[p for p in PHASES if p not in ("generate", "import_chunks")], help="phases to run, in order")
    parser.add_argument("--profile", action="store_true", help="also time score()'s statements one by one, with EXPLAIN ANALYZE")
    parser.add_argument("--variants", action="store_true",
                        help="also time rewrites of score()'s heavy statements (what a compiler change would buy)")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    m, v = machine(), versions()
    print(f"scorecard scoring benchmark, {dt.datetime.now():%Y-%m-%d %H:%M}")
    print(f"machine: {m['platform']}; {m['cpu']}; {m['cores']} cores; {m['ram']} RAM; "
          f"load average {os.getloadavg()[0]:.2f} at start")
    print("versions: " + ", ".join(f"{k} {val}" for k, val in v.items()))
    print(f"repeat {args.repeat} (median, min, max), warm-up run first for scan, scoring and peers")
    for rows in args.rows:
        for line in bench_rows(rows, args):
            print(line, flush=True)
    print(f"load average {os.getloadavg()[0]:.2f} at end (other processes share these cores)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
