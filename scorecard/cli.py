"""The ``scorecard`` command line (cli.md).

Exit codes: 0 done, 1 input or rules refused (the message says which file, line and why;
the database is unchanged), 2 usage error. Each command opens the database for its own
duration only, so the file is free for the dashboard or the next command.
"""

from __future__ import annotations

import argparse
import getpass
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import duckdb

from scorecard import __version__
from scorecard.errors import UserError
from scorecard.resources import default_rules_dir, sample_data_dir

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


def _lang() -> str:
    env = os.environ.get("SCORECARD_LANG") or os.environ.get("LANG") or ""
    return "fr" if env.lower().startswith("fr") else "en"


def _db_path(args: argparse.Namespace) -> Path:
    from scorecard.store import default_db_path

    return Path(args.db) if args.db else default_db_path()


def _add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="PATH", help="DuckDB file (default: $SCORECARD_DB or ./scorecard.duckdb)")


# ---------------------------------------------------------------------------------- rules
def _load_rules(con: duckdb.DuckDBPyConnection | None, rules_dir: str | None):
    """``--rules DIR``, else the database's current ruleset, else the bundled default (cli.md).

    The current ruleset is re-read from its folder when that folder still exists (so edits
    are picked up by ``scorecard score``), else rebuilt from the rules stored with its results.
    """
    from scorecard.rules import load_ruleset
    from scorecard.scoring import current_ruleset_id, stored_ruleset
    from scorecard.store import evaluation_columns

    known = evaluation_columns(con) if con is not None else None
    if rules_dir is not None:
        return load_ruleset(rules_dir, known_columns=known)
    if con is not None:
        rid = current_ruleset_id(con)
        if rid is not None:
            from scorecard.store import first_row

            (source,) = first_row(con, "SELECT source FROM rulesets WHERE ruleset_id = ?", [rid])  # type: ignore[misc]
            if source and Path(source, "scorecard.yaml").exists():
                return load_ruleset(source, known_columns=known)
            return stored_ruleset(con, rid)
    return load_ruleset(default_rules_dir(), known_columns=known)


def _score(con: duckdb.DuckDBPyConnection, rules_dir: str | None) -> str:
    from scorecard._progress import ProgressBar
    from scorecard.scoring import score

    ruleset = _load_rules(con, rules_dir)
    bar = ProgressBar("scoring")
    try:
        report = score(con, ruleset, progress=bar)
    finally:
        bar.close()
    return report.render(_lang())


def cmd_score(args: argparse.Namespace) -> int:
    from scorecard.store import open_db

    con = open_db(_db_path(args))
    try:
        print(_score(con, args.rules))
    finally:
        con.close()
    return EXIT_OK


def cmd_rules_check(args: argparse.Namespace) -> int:
    from scorecard.errors import RuleErrors
    from scorecard.rules import load_ruleset
    from scorecard.scoring._examples import run_examples
    from scorecard.store import evaluation_columns, open_db

    folder = Path(args.dir) if args.dir else default_rules_dir()
    known = None
    db = Path(args.db) if args.db else None
    if db is not None and db.exists():
        con = open_db(db, read_only=True)
        try:
            known = evaluation_columns(con)
        finally:
            con.close()
    try:
        ruleset = load_ruleset(folder, known_columns=known)
    except RuleErrors as exc:
        print(f"{folder}: ruleset refused ({len(exc.errors)} problem(s)) / règles refusées:", file=sys.stderr)
        for err in exc.errors:
            print(f"  {err}", file=sys.stderr)
        return EXIT_REFUSED
    n_files = len({r.file for r in ruleset.rules})
    print(
        f"{folder}: ruleset {ruleset.name}@{ruleset.version} (hash {ruleset.content_hash}), "
        f"{len(ruleset.rules)} rules in {n_files} files"
    )
    total = len(ruleset.referential.all_criteria())
    uncovered = ruleset.uncovered_criteria()
    print(
        f"criteria covered / critères couverts: {total - len(uncovered)}/{total} ({ruleset.referential.name})"
    )
    for code, i, text in uncovered:
        print(f"  not measured / non mesuré: {code}.{i} {text}")
    results = run_examples(ruleset)
    failed = [r for r in results if not r.passed]
    print(f"examples / exemples: {len(results) - len(failed)}/{len(results)} passing")
    for r in failed:
        print(f"  FAIL {r.describe()}", file=sys.stderr)
    return EXIT_REFUSED if failed else EXIT_OK


# --------------------------------------------------------------------------------- import
def _import(
    con: duckdb.DuckDBPyConnection, files: Sequence[str], profile: str, fmt: str, strict: bool
) -> str:
    from scorecard._progress import ProgressBar
    from scorecard.importing import import_files

    bar = ProgressBar("import")
    try:
        report = import_files(
            con, [Path(f) for f in files], profile=profile, format=fmt, strict=strict, progress=bar
        )
    finally:
        bar.close()
    return report.render(_lang())


def cmd_import(args: argparse.Namespace) -> int:
    from scorecard.store import open_db

    missing = [f for f in args.files if not Path(f).is_file()]
    if missing:
        raise UserError(f"file not found / fichier introuvable: {', '.join(missing)}")
    con = open_db(_db_path(args))
    try:
        print(_import(con, args.files, args.profile, args.format, args.strict))
        # Scoring problems never undo or fail an import (cli.md): report them and exit 0.
        try:
            print(_score(con, None))
        except UserError as exc:
            print(
                "import done, but scoring could not run / import effectué, scoring impossible:\n"
                f"{exc}\n"
                "fix the rules or the data, then run: scorecard score [--rules DIR]"
            )
    finally:
        con.close()
    return EXIT_OK


# --------------------------------------------------------------------------------- export
def cmd_export(args: argparse.Namespace) -> int:
    from scorecard.reports import Filters, table_query, write_table
    from scorecard.store import open_db

    db = _db_path(args)
    if not db.exists():
        raise UserError(f"database not found / base introuvable: {db}")
    filters = Filters(period=args.period, agent=args.agent, team=args.team, ruleset=args.ruleset)
    con = open_db(db)
    try:
        n = write_table(con, table_query(con, args.table, filters), args.out, args.format)
    finally:
        con.close()
    if args.out and args.out != "-":
        print(f"{args.table}: {n} row(s) written to {args.out}", file=sys.stderr)
    return EXIT_OK


# ------------------------------------------------------------------------ users / dashboard
def cmd_users(args: argparse.Namespace) -> int:
    from scorecard import access
    from scorecard.store import open_db

    con = open_db(_db_path(args))
    try:
        if args.users_command == "add":
            password = args.password or os.environ.get("SCORECARD_PASSWORD")
            if not password:
                if not sys.stdin.isatty():
                    raise UserError("no password: use --password, $SCORECARD_PASSWORD or a terminal prompt")
                password = getpass.getpass(f"password for {args.username}: ")
            access.add_user(
                con, args.username, password, args.role, agent_id=args.agent, teams=tuple(args.team or ())
            )
            print(f"user {args.username} added ({args.role})")
        elif args.users_command == "list":
            for row in access.list_users(con):
                print("\t".join("" if v is None else str(v) for v in row))
        elif args.users_command == "remove":
            access.remove_user(con, args.username)
            print(f"user {args.username} removed")
    finally:
        con.close()
    return EXIT_OK


def _serve(db: Path, host: str, port: int) -> int:
    from scorecard import access

    command = access.dashboard_command(db, port=port, host=host)
    print(f"dashboard: http://{host}:{port}  (Ctrl+C to stop)", flush=True)
    try:
        return subprocess.call(command)
    except KeyboardInterrupt:
        return EXIT_OK


def cmd_dashboard(args: argparse.Namespace) -> int:
    db = _db_path(args)
    if not db.exists():
        raise UserError(
            f"database not found / base introuvable: {db} (run 'scorecard demo' or 'scorecard import')"
        )
    return _serve(db, args.host, args.port)


DEMO_MARKER = "scorecard demo database"


def cmd_demo(args: argparse.Namespace) -> int:
    """Build a database from the bundled sample data, score it, create demo users, serve."""
    from scorecard import access
    from scorecard.store import open_db

    db = _db_path(args)
    if db.exists():
        _refuse_if_not_demo(db)
        db.unlink()
        Path(str(db) + ".wal").unlink(missing_ok=True)
    files = sorted(str(p) for p in sample_data_dir().glob("*.csv"))
    if not files:
        raise UserError(f"no sample data found in {sample_data_dir()}")
    con = open_db(db)
    try:
        con.execute("CREATE TABLE IF NOT EXISTS scorecard_meta (key VARCHAR, value VARCHAR)")
        con.execute("INSERT INTO scorecard_meta VALUES ('origin', ?)", [DEMO_MARKER])
        print(_import(con, files, "auto", "auto", False))
        print(_score(con, args.rules))
        logins = access.create_demo_users(con)
    finally:
        con.close()
    print("\ndemo logins / identifiants de démonstration:")
    for username, password, role, scope in logins:
        print(f"  {role:<16} {username:<14} password: {password:<14} {scope}")
    if args.no_serve:
        print(f"\ndatabase ready: {db}  (start it with: scorecard dashboard --db {db})")
        return EXIT_OK
    return _serve(db, args.host, args.port)


def _refuse_if_not_demo(db: Path) -> None:
    from scorecard.store import first_row, open_db

    con = open_db(db, read_only=True)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        marker = None
        if "scorecard_meta" in tables:
            row = first_row(con, "SELECT value FROM scorecard_meta WHERE key = 'origin'")
            marker = row[0] if row else None
        has_data = "evaluations" in tables and first_row(con, "SELECT count(*) FROM evaluations")[0] > 0  # type: ignore[index]
    finally:
        con.close()
    if marker != DEMO_MARKER and has_data:
        raise UserError(
            f"{db} holds data that is not the demo's; the demo rebuilds its database from scratch, "
            f"so pass another file: scorecard demo --db demo.duckdb / {db} contient vos données : "
            f"utilisez --db demo.duckdb"
        )


# --------------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scorecard",
        description="Contact-centre quality monitoring: rule files, DuckDB scoring, scorecards, dashboard.",
    )
    parser.add_argument("--version", action="version", version=f"scorecard {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo", help="build a database from the sample data and start the dashboard")
    _add_db(p)
    p.add_argument("--rules", metavar="DIR", help="ruleset folder (default: bundled rules/crcd)")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument(
        "--no-serve", action="store_true", help="build the database and users, do not start the dashboard"
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("import", help="import evaluation exports, then re-score")
    p.add_argument("files", nargs="+", metavar="FILE")
    _add_db(p)
    p.add_argument("--profile", default="auto", help="profile name or YAML path (default: auto)")
    p.add_argument("--format", default="auto", choices=["auto", "wide", "long"])
    p.add_argument("--strict", action="store_true", help="refuse the whole import if any row is rejected")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("score", help="score every evaluation with a ruleset")
    _add_db(p)
    p.add_argument("--rules", metavar="DIR")
    p.set_defaults(func=cmd_score)

    from scorecard.reports import TABLE_NAMES

    p = sub.add_parser("export", help="write a table (CSV on stdout by default)")
    p.add_argument("table", choices=TABLE_NAMES)
    _add_db(p)
    p.add_argument("--out", metavar="PATH")
    p.add_argument("--format", default="csv", choices=["csv", "parquet", "xlsx"])
    p.add_argument("--period", metavar="YYYY-MM")
    p.add_argument("--agent", metavar="ID")
    p.add_argument("--team", metavar="NAME")
    p.add_argument("--ruleset", metavar="NAME[@VERSION]")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("rules", help="work with rule files")
    rules_sub = p.add_subparsers(dest="rules_command", required=True, metavar="SUBCOMMAND")
    c = rules_sub.add_parser("check", help="validate a ruleset, run its examples, list criteria not measured")
    c.add_argument("dir", nargs="?", metavar="DIR")
    _add_db(c)
    c.set_defaults(func=cmd_rules_check)

    p = sub.add_parser("dashboard", help="start the dashboard on the database")
    _add_db(p)
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--host", default="127.0.0.1")
    p.set_defaults(func=cmd_dashboard)

    p = sub.add_parser("users", help="manage dashboard users")
    users_sub = p.add_subparsers(dest="users_command", required=True, metavar="SUBCOMMAND")
    a = users_sub.add_parser("add", help="add or update a user")
    a.add_argument("username")
    a.add_argument("--role", required=True, choices=["agent", "team_leader", "quality_manager"])
    a.add_argument("--agent", metavar="AGENT_ID", help="for role agent: the agent_id this user is")
    a.add_argument(
        "--team", action="append", metavar="TEAM", help="for role team_leader: a team in scope (repeat)"
    )
    a.add_argument("--password", help="password (else $SCORECARD_PASSWORD, else prompted)")
    _add_db(a)
    a.set_defaults(func=cmd_users)
    lst = users_sub.add_parser("list", help="list users")
    _add_db(lst)
    lst.set_defaults(func=cmd_users)
    r = users_sub.add_parser("remove", help="remove a user")
    r.add_argument("username")
    _add_db(r)
    r.set_defaults(func=cmd_users)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"error / erreur: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
