"""Import benchmark: French Excel export and canonical UTF-8 export vs DuckDB's raw load.

Generates (vectorised, seeded) N evaluations with 14 canonical and 20 observation columns,
writes them twice - canonical (UTF-8, ``,``, ISO dates, ``.`` decimals, true/false) and French
Excel (Windows-1252, ``;``, French headers, dd/mm/yyyy hh:mm, decimal commas, ``87,5 %``,
hh:mm:ss durations, oui/non/N/A, comments with € ’ œ « ») - then times, in the same run:

- raw: ``CREATE TABLE t AS SELECT * FROM read_csv(canonical file)`` into a fresh database file;
- canonical: ``import_files`` of the canonical file into a fresh database file;
- french: ``import_files`` of the French file into a fresh database file.

Each is run ``--runs`` times (median printed) in a child process so peak memory
(``ru_maxrss``) is per import; a child whose resident memory passes ``--rss-guard-gb``
stops itself (the machine is shared). Targets (issue): French <= 2.5x raw, canonical <=
1.5x raw, peak memory < 4 GB whatever the file's size.

    python bench/import_bench.py --rows 1000000 --runs 3
    python bench/import_bench.py --file bench/out/evaluations_10000000_s42_e56a88c1.csv --runs 1

``--file`` times an existing canonical export (raw load and import only).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

OBS_BOOL = [f"q{i:02d}_ok" for i in range(1, 15)]
OBS_INT = ["spelling_errors", "hold_count", "transfers"]
OBS_NUM = ["courtesy_rating", "satisfaction_pct", "silence_ratio"]
FR_HEADERS = {
    "evaluation_id": "Identifiant évaluation",
    "interaction_id": "Identifiant appel",
    "agent_id": "Conseiller",
    "agent_name": "Nom du conseiller",
    "team": "Équipe",
    "site": "Site",
    "evaluator_id": "Évaluateur",
    "interaction_at": "Date de l'appel",
    "evaluated_at": "Date d'évaluation",
    "channel": "Canal",
    "activity": "Activité",
    "duration_s": "Durée (hh:mm:ss)",
    "is_calibration": "Calibrage",
    "comment": "Commentaire",
}
FR_CHANNELS = np.array(["Téléphone", "Courriel", "Tchat", "Courrier"])
EN_CHANNELS = np.array(["phone", "email", "chat", "letter"])
FR_ACTIVITIES = np.array(["Vente", "Recouvrement", "Assistance", "Conseil", "Réservation"])
EN_ACTIVITIES = np.array(["sales", "collections", "support", "advice", "booking"])
COMMENTS = np.array(
    ["", "", "", "", "Très bien ; client « ravi »", "Prix 12 € annoncé, l’offre œuvre", "RAS"]
)


def _timestamps(rng: np.random.Generator, n: int) -> np.ndarray:
    base = np.datetime64("2026-05-01T08:00:00", "s")
    days = rng.integers(0, 180, n).astype("timedelta64[D]")
    secs = rng.integers(0, 10 * 3600, n).astype("timedelta64[s]")
    return base + days + secs


def generate(rows: int, seed: int = 7) -> dict[str, np.ndarray]:
    """Column -> numpy array of typed values (vectorised)."""
    rng = np.random.default_rng(seed)
    idx = np.arange(rows)
    choice = rng.integers(0, 4, rows)
    act = rng.integers(0, 5, rows)
    agent = rng.integers(0, 200, rows)
    data: dict[str, np.ndarray] = {
        "evaluation_id": np.char.add("E", idx.astype(str)),
        "interaction_id": np.char.add("C", idx.astype(str)),
        "agent_id": np.char.add("A", agent.astype(str)),
        "agent_name": np.char.add("Agent ", agent.astype(str)),
        "team": np.char.add("Équipe ", (agent % 8).astype(str)),
        "site": np.where(agent % 2 == 0, "Lille", "Nantes"),
        "evaluator_id": np.char.add("EV", rng.integers(0, 9, rows).astype(str)),
        "interaction_at": _timestamps(rng, rows),
        "evaluated_at": _timestamps(rng, rows),
        "channel": choice,
        "activity": act,
        "duration_s": rng.integers(30, 3600, rows),
        "is_calibration": rng.random(rows) < 0.05,
        "comment": COMMENTS[rng.integers(0, len(COMMENTS), rows)],
    }
    for name in OBS_BOOL:
        data[name] = rng.integers(0, 3, rows)  # 0 no, 1 yes, 2 N/A
    for name in OBS_INT:
        data[name] = rng.integers(0, 6, rows)
    for name in OBS_NUM:
        data[name] = np.round(rng.random(rows) * 100, 1)
    return data


def _fmt_ts(values: np.ndarray, french: bool) -> np.ndarray:
    fmt = "%d/%m/%Y %H:%M" if french else "%Y-%m-%d %H:%M:%S"
    return pc.strftime(pa.array(values), format=fmt).to_numpy(zero_copy_only=False)


def _two(values: np.ndarray) -> np.ndarray:
    return np.char.zfill(values.astype(str), 2)


def text_columns(data: dict[str, np.ndarray], french: bool) -> dict[str, np.ndarray]:
    """Column header -> strings as the export writes them."""
    out: dict[str, np.ndarray] = {}
    yes, no, na = ("oui", "non", "N/A") if french else ("true", "false", "")
    for name, values in data.items():
        header = FR_HEADERS.get(name, name) if french else name
        if name in ("interaction_at", "evaluated_at"):
            out[header] = _fmt_ts(values, french)
        elif name == "channel":
            out[header] = (FR_CHANNELS if french else EN_CHANNELS)[values]
        elif name == "activity":
            out[header] = (FR_ACTIVITIES if french else EN_ACTIVITIES)[values]
        elif name == "duration_s":
            if french:
                hms = [_two(values // 3600), _two(values % 3600 // 60), _two(values % 60)]
                out[header] = np.char.add(np.char.add(np.char.add(hms[0], ":"), hms[1] + ":"),
                                          hms[2])
            else:
                out[header] = values.astype(str)
        elif name == "is_calibration":
            out[header] = np.where(values, yes, no)
        elif name in OBS_BOOL:
            out[header] = np.array([no, yes, na])[values]
        elif name in OBS_NUM:
            text = np.char.mod("%.1f", values)
            if french:
                text = np.char.replace(text, ".", ",")
                if name == "satisfaction_pct":
                    text = np.char.add(text, " %")
            out[header] = text
        else:
            out[header] = values.astype(str)
    return out


def write_exports(rows: int, folder: Path) -> tuple[Path, Path]:
    """(canonical UTF-8 path, French Windows-1252 path)."""
    data = generate(rows)
    canonical = folder / "canonical.csv"
    french_utf8 = folder / "french_utf8.csv"
    french = folder / "french.csv"
    con = duckdb.connect()
    for path, is_fr in ((canonical, False), (french_utf8, True)):
        export = pa.table(text_columns(data, is_fr))  # noqa: F841 (read by DuckDB)
        delim = ";" if is_fr else ","
        con.execute(f"COPY export TO '{path}' (HEADER, DELIMITER '{delim}')")
    with french_utf8.open(encoding="utf-8", newline="") as src, french.open(
        "w", encoding="cp1252", newline=""
    ) as dst:
        while chunk := src.read(1 << 22):
            dst.write(chunk.replace("\n", "\r\n"))
    french_utf8.unlink()
    return canonical, french


# --- child processes: one measurement each -------------------------------------------------


def _guard(limit_gb: float) -> None:
    """Stop this process (exit 3) if its resident memory passes ``limit_gb``."""

    def watch() -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while True:
            with open("/proc/self/statm") as fh:
                rss = int(fh.read().split()[1]) * page
            if rss > limit_gb * 1e9:
                print(json.dumps({"guard": rss / 1e9}), flush=True)
                os._exit(3)
            time.sleep(0.2)

    threading.Thread(target=watch, daemon=True).start()


def _child(kind: str, csv_path: str, db_path: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    _guard(float(os.environ.get("IMPORT_BENCH_RSS_GUARD_GB", "8")))
    start = time.perf_counter()
    if kind == "raw":
        con = duckdb.connect(db_path)
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{csv_path}')")
        rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
        con.close()
    else:
        from scorecard.importing import import_files
        from scorecard.store import open_db

        con = open_db(db_path)
        report = import_files(con, [csv_path])
        rows = report.total("new")
        assert report.total("rejected") == 0, report.render()
        con.close()
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "rows": rows}))


def _measure(kind: str, csv_path: Path, folder: Path, guard_gb: float) -> dict[str, float]:
    db = folder / f"{kind}.duckdb"
    for leftover in (db, Path(str(db) + ".wal")):
        leftover.unlink(missing_ok=True)
    env = dict(os.environ, IMPORT_BENCH_RSS_GUARD_GB=str(guard_gb))
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(csv_path), str(db)],
        capture_output=True, text=True, env=env, check=False,
    )
    last = json.loads(out.stdout.strip().splitlines()[-1]) if out.stdout.strip() else {}
    if out.returncode != 0:
        raise SystemExit(f"{kind}: child failed ({out.returncode}) {last} {out.stderr[-2000:]}")
    return last


def _report(results: dict[str, list[dict[str, float]]]) -> dict[str, float]:
    """Print medians, ratios to the same-run raw load and peak memory; return medians."""
    med = {k: statistics.median(r["seconds"] for r in v) for k, v in results.items()}
    peak = {k: max(r["peak_mb"] for r in v) for k, v in results.items()}
    print(f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cpus; python {platform.python_version()}, duckdb "
          f"{duckdb.__version__}, numpy {np.__version__}")
    for kind, measured in results.items():
        runs = ", ".join(f"{r['seconds']:.2f}" for r in measured)
        print(f"{kind:10s} median {med[kind]:6.2f} s  ({runs})  x{med[kind] / med['raw']:.2f} raw"
              f"  peak {peak[kind]:.0f} MB")
    return med


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("KIND", "CSV", "DB"))
    parser.add_argument("--generate", metavar="FOLDER")
    parser.add_argument("--file", metavar="CSV", help="time this canonical export instead")
    parser.add_argument("--rss-guard-gb", type=float, default=8.0)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    if args.generate:
        write_exports(args.rows, Path(args.generate))
        return
    if args.file:
        with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
            given: dict[str, list[dict[str, float]]] = {"raw": [], "canonical": []}
            for _ in range(args.runs):
                for kind, measured in given.items():
                    measured.append(_measure(kind, Path(args.file), Path(tmp), args.rss_guard_gb))
        _report(given)
        return
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        # Generated in a child: Linux keeps ru_maxrss across fork+exec, so a big parent
        # would show its own peak in every measurement.
        subprocess.run(
            [sys.executable, __file__, "--generate", tmp, "--rows", str(args.rows)], check=True
        )
        canonical, french = folder / "canonical.csv", folder / "french.csv"
        print(f"generated {args.rows} rows in {time.perf_counter() - t0:.1f} s: "
              f"canonical {canonical.stat().st_size / 1e6:.0f} MB, "
              f"french {french.stat().st_size / 1e6:.0f} MB")
        results: dict[str, list[dict[str, float]]] = {"raw": [], "canonical": [], "french": []}
        for _ in range(args.runs):
            for kind, path in (("raw", canonical), ("canonical", canonical), ("french", french)):
                results[kind].append(_measure(kind, path, folder, args.rss_guard_gb))
    med = _report(results)
    print(f"targets: french <= 2.5x raw: {'OK' if med['french'] <= 2.5 * med['raw'] else 'MISSED'};"
          f" canonical <= 1.5x raw: "
          f"{'OK' if med['canonical'] <= 1.5 * med['raw'] else 'MISSED'}")


if __name__ == "__main__":
    main()
