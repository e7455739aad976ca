"""Running the ``examples`` of rule files (rules.md) through the scoring SQL itself.

An example gives raw text values the way a CSV would ("oui", "N/A", "12,5"). They are read
with the importer's own casting SQL and the column's type, then scored by the very SQL that
scores real evaluations, under the ruleset's settings: an example proves what production
will do, not what a second implementation thinks.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import duckdb

from scorecard.importing import cast_sql
from scorecard.rules import Rule, Ruleset
from scorecard.scoring import _compile as c
from scorecard.store import CANONICAL_COLUMNS, first_row


@dataclass(frozen=True)
class ExampleResult:
    rule_id: str
    index: int
    expected: str
    actual: str | None
    error: str | None
    file: str
    line: int | None

    @property
    def passed(self) -> bool:
        return self.error is None and self.actual == self.expected

    def describe(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        if self.error:
            return f"{where}: rule {self.rule_id} example {self.index + 1}: {self.error}"
        return (
            f"{where}: rule {self.rule_id} example {self.index + 1}: expected {self.expected}, "
            f"got {self.actual}"
        )


def run_examples(ruleset: Ruleset) -> list[ExampleResult]:
    """Every example of every rule, in file order."""
    results: list[ExampleResult] = []
    con = duckdb.connect(":memory:", config={"enable_external_access": False})
    try:
        for rule in ruleset.rules:
            single = dataclasses.replace(ruleset, rules=(rule,))
            for i, example in enumerate(rule.examples):
                results.append(_run_one(con, single, rule, i, example.record, example.expect))
    finally:
        con.close()
    return results


def _run_one(
    con: duckdb.DuckDBPyConnection, single: Ruleset, rule: Rule, index: int, record: dict, expected: str
) -> ExampleResult:
    def result(actual: str | None = None, error: str | None = None) -> ExampleResult:
        return ExampleResult(rule.id, index, expected, actual, error, rule.file, rule.line)

    unknown = sorted(set(record) - set(single.column_types))
    if unknown:
        return result(error=f"record names unknown column(s): {', '.join(unknown)}")
    columns = set(CANONICAL_COLUMNS) | set(rule.columns)
    parts = []
    for name in sorted(columns):
        typ = single.column_types[name]
        raw = record.get(name)
        if raw is None:
            parts.append(f"CAST(NULL AS {typ}) AS {c.q(name)}")
        else:
            parts.append(f"{cast_sql(c.lit(_as_text(raw)), typ)} AS {c.q(name)}")
    parts.append("NULL::VARCHAR AS period")
    source = f"SELECT {', '.join(parts)}"
    sql = f"SELECT {c.vcol(0)} FROM ({c.values_sql(single, source)})"
    try:
        (value,) = first_row(con, sql)  # type: ignore[misc]
    except duckdb.Error as exc:
        return result(error=f"could not evaluate: {str(exc).splitlines()[0]}")
    for name, raw in record.items():
        if raw is not None and _as_text(raw).strip():
            typ = single.column_types[name]
            (typed,) = first_row(con, f"SELECT {cast_sql(c.lit(_as_text(raw)), typ)}")  # type: ignore[misc]
            if typed is None and not _is_na_token(con, raw):
                return result(error=f"value {raw!r} of {name} does not read as {typ}")
    if value is None:
        return result("na")
    return result("pass" if value >= rule.pass_mark else "fail")


def _as_text(raw: object) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)


def _is_na_token(con: duckdb.DuckDBPyConnection, raw: object) -> bool:
    (as_text,) = first_row(con, f"SELECT {cast_sql(c.lit(_as_text(raw)), 'VARCHAR')}")  # type: ignore[misc]
    return as_text is None
