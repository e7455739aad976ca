"""The expression checker against an attack corpus, and what it regenerates for allowed input."""

from __future__ import annotations

import duckdb
import pytest

from scorecard.rules import ExpressionError, check_expression

COLUMNS = {
    "a": "BIGINT",
    "b": "BOOLEAN",
    "s": "VARCHAR",
    "ts": "TIMESTAMP",
    "x": "DOUBLE",
    "evaluation_id": "VARCHAR",
}

ATTACKS = [
    # (expression, a word the refusal must contain)
    ("read_csv('/etc/passwd') IS NULL", "read_csv"),
    ("length(read_text('/etc/passwd')) > 0", "read_text"),
    ("glob('/*') IS NULL", "glob"),
    ("query('SELECT * FROM users') IS NULL", "query"),
    ("query_table('users') IS NULL", "query_table"),
    ("current_setting('threads') = '1'", "current_setting"),
    ("getenv('HOME') = 'x'", "getenv"),
    ("read_blob('scorecard.duckdb') IS NULL", "read_blob"),
    ("(SELECT count(*) FROM evaluations) > 0", "sub-query"),
    ("a IN (SELECT agent_id FROM evaluations)", "sub-query"),
    ("EXISTS (SELECT 1)", "not allowed"),
    ("b; DROP TABLE evaluations", "';'"),
    ("b; SELECT 1", "';'"),
    ("evaluations.a = 1", "qualified"),
    ("main.evaluations.a = 1", "qualified"),
    ("CAST(s AS BLOB) IS NULL", "BLOB"),
    ("s::BLOB IS NULL", "BLOB"),
    ("CAST(s AS INTEGER[]) IS NULL", "cast"),
    ("TRY_CAST(s AS INTEGER) = 1", "TRY"),
    ("(" * 70 + "a" + ")" * 70 + " > 1", "deeper"),
    ("(" * 2000 + "a" + ")" * 2000 + " > 1", "longer"),
    ("NOT " * 80 + "b", "deeper"),
    ("a > 1 -- AND s = 'hidden'", "comment"),
    ("a > 1 /* hidden */", "comment"),
    ("$1 = a", "parameter"),
    ("? = a", "parameter"),
    ("* = 1", "*"),
    ("list_value(1, 2) IS NULL", "function"),
    ("a IS TRUE", "IS [NOT] NULL"),
    ("no_such_column", "unknown column"),
    ("_row_hash = 'x'", "unknown column"),
    ("s = 'a' OR setseed(0.5) IS NULL", "setseed"),
    ("(SELECT 1) IS NULL", "sub-query"),
    ("a = 1 UNION SELECT 1", "not"),
    ("lower(s) IN (SELECT s FROM t)", "sub-query"),
    ("'x' || s = 'y'", "not allowed"),
    ("{'a': 1} IS NULL", "not allowed"),
    ("[1, 2] IS NULL", "not allowed"),
    ("strftime(ts, '%Y') = (SELECT '2026')", "sub-query"),
    ("", "empty"),
]


@pytest.mark.parametrize(("text", "word"), ATTACKS)
def test_attack_is_refused_with_the_piece_named(text: str, word: str) -> None:
    with pytest.raises(ExpressionError) as info:
        check_expression(text, COLUMNS, expect="boolean")
    assert word.lower() in str(info.value).lower()


@pytest.mark.parametrize(
    ("text", "expect", "sql"),
    [
        ("b", "boolean", '"b"'),
        ("a >= 2 AND NOT b", "boolean", '"a" >= 2 AND NOT "b"'),
        ("s IS NOT NULL", "boolean", 'NOT "s" IS NULL'),
        ("s NOT IN ('x', 'y')", "boolean", "NOT \"s\" IN ('x', 'y')"),
        ("a BETWEEN 1 AND 3", "boolean", '"a" BETWEEN 1 AND 3'),
        ("s ILIKE '%oui%'", "boolean", "\"s\" ILIKE '%oui%'"),
        ("coalesce(b, FALSE)", "boolean", 'COALESCE("b", FALSE)'),
        ("regexp_matches(s, '^[A-Z]')", "boolean", "REGEXP_MATCHES(\"s\", '^[A-Z]')"),
        ("hour(ts) BETWEEN 8 AND 18 AND dayofweek(ts) <> 0", "boolean", None),
        ("date_part('month', ts) = 5", "boolean", None),
        ("strftime(ts, '%H') = '09'", "boolean", None),
        ("least(greatest(x / 5.0, 0), 1)", "number", 'LEAST(GREATEST("x" / 5.0, 0), 1)'),
        ("CASE WHEN b THEN 1 ELSE 0.5 END", "number", None),
        ("round(abs(x - a) % 3, 1)", "number", None),
        ("CAST(s AS INTEGER) + length(trim(upper(s)))", "number", None),
        ("nullif(a, 0) / 2", "number", None),
        ("'--' = s", "boolean", "'--' = \"s\""),
    ],
)
def test_allowed_expressions_are_regenerated(text: str, expect: str, sql: str | None) -> None:
    checked = check_expression(text, COLUMNS, expect=expect)
    if sql is not None:
        assert checked.sql == sql
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t (a BIGINT, b BOOLEAN, s VARCHAR, ts TIMESTAMP, x DOUBLE, evaluation_id VARCHAR)"
    )
    con.execute("INSERT INTO t VALUES (2, true, 'Oui', '2026-05-04 09:30', 7.5, 'e1')")
    con.execute(f"SELECT {checked.sql} FROM t").fetchall()


def test_regenerated_sql_drops_what_the_author_wrote_around_the_tree() -> None:
    checked = check_expression("  a   >   1  AND  b ", COLUMNS, expect="boolean")
    assert checked.sql == '"a" > 1 AND "b"'
    assert checked.columns == frozenset({"a", "b"})


def test_boolean_compared_with_text_is_explained() -> None:
    with pytest.raises(ExpressionError, match="yes/no column"):
        check_expression("b IN ('oui', 'o')", COLUMNS, expect="boolean")
