"""The rule expression checker: an allowlist over sqlglot's tree, then SQL regenerated from it.

Rule expressions are untrusted (rules.md: "trusted no more than an uploaded CSV"). sqlglot is
a lenient transpiler, so parsing alone proves nothing: every node of the tree must be of an
allowed kind, every column unqualified and known, every function on the list, every cast to
a listed type. Only the SQL regenerated from the checked tree ever reaches DuckDB; the
author's text never does. DuckDB then binds the regenerated SQL against an empty table of
the known column types (a second opinion, and the type check: a ``check`` must be boolean, a
``score`` numeric).
"""

from __future__ import annotations

import threading

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

MAX_LENGTH = 2000
MAX_DEPTH = 64

ALLOWED_CASTS = {"BOOLEAN", "INT", "BIGINT", "DOUBLE", "VARCHAR", "DATE", "TIMESTAMP", "TEXT"}

#: sqlglot node classes that the allowed functions parse to.
_FUNCTION_NODES: dict[type[exp.Expression], str] = {
    exp.Coalesce: "coalesce",
    exp.Nullif: "nullif",
    exp.Lower: "lower",
    exp.Upper: "upper",
    exp.Trim: "trim",
    exp.Length: "length",
    exp.Abs: "abs",
    exp.Round: "round",
    exp.Least: "least",
    exp.Greatest: "greatest",
    exp.RegexpLike: "regexp_matches",
    exp.TimeToStr: "strftime",
    exp.Hour: "hour",
    exp.DayOfWeek: "dayofweek",
}
#: Functions sqlglot does not model (they parse as exp.Anonymous) that are allowed by name.
_ANONYMOUS_ALLOWED = {"date_part"}

_STRUCTURAL_NODES: tuple[type[exp.Expression], ...] = (
    exp.Column,
    exp.Identifier,
    exp.Literal,
    exp.Boolean,
    exp.Null,
    exp.Paren,
    exp.And,
    exp.Or,
    exp.Not,
    exp.EQ,
    exp.NEQ,
    exp.GT,
    exp.GTE,
    exp.LT,
    exp.LTE,
    exp.Is,
    exp.In,
    exp.Between,
    exp.Like,
    exp.ILike,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.Mod,
    exp.Neg,
    exp.Case,
    exp.If,
    exp.Cast,
    exp.DataType,
)

ALLOWED_FUNCTIONS = sorted(set(_FUNCTION_NODES.values()) | _ANONYMOUS_ALLOWED)


class ExpressionError(ValueError):
    """An expression refused by the checker; the message names the offending piece."""


class CheckedExpression:
    """A checked expression: the regenerated SQL, the columns it reads, its DuckDB type."""

    def __init__(self, sql: str, columns: frozenset[str], duckdb_type: str) -> None:
        self.sql = sql
        self.columns = columns
        self.duckdb_type = duckdb_type


def check_expression(
    text: str,
    columns: dict[str, str],
    *,
    expect: str,
    regenerated: bool = False,
) -> CheckedExpression:
    """Check ``text`` against the allowlist and the known ``columns`` (name -> DuckDB type).

    ``expect`` is ``"boolean"`` (``when`` / ``check``) or ``"number"`` (``score``).
    ``regenerated`` re-checks SQL this checker produced earlier (stored with results), which
    may hold the TRY_CAST that :func:`_lenient_casts` wrote; authors may not write it.
    """
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("empty expression")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters ({len(text)})")
    _refuse_comments_and_statements(text)
    try:
        tree = sqlglot.parse_one(text, read="duckdb")
    except RecursionError as exc:
        raise ExpressionError(f"expression nested deeper than {MAX_DEPTH} levels") from exc
    except (ParseError, TokenError) as exc:
        raise ExpressionError(f"not a valid expression: {_first_line(str(exc))}") from exc
    if tree is None:
        raise ExpressionError("empty expression")
    depth = _depth(tree)
    if depth > MAX_DEPTH:
        raise ExpressionError(f"expression nested deeper than {MAX_DEPTH} levels ({depth})")
    used = _check_nodes(tree, columns, allow_try_cast=regenerated)
    _refuse_boolean_text_comparisons(tree, columns)
    sql = _lenient_casts(tree).sql(dialect="duckdb", identify=True, comments=False)
    duckdb_type = _bind_type(sql, columns, used)
    _check_result_type(duckdb_type, expect)
    return CheckedExpression(sql, frozenset(used), duckdb_type)


def _lenient_casts(tree: exp.Expression) -> exp.Expression:
    """CAST becomes TRY_CAST in the regenerated SQL: one unreadable value in one evaluation
    makes that rule ``na`` there, instead of aborting the scoring of every evaluation."""

    def swap(node: exp.Expression) -> exp.Expression:
        if type(node) is exp.Cast:
            return exp.TryCast(this=node.this, to=node.to)
        return node

    return tree.copy().transform(swap)


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else message


def _refuse_comments_and_statements(text: str) -> None:
    try:
        tokens = sqlglot.tokenize(text, read="duckdb")
    except (TokenError, ParseError) as exc:
        raise ExpressionError(f"not a valid expression: {_first_line(str(exc))}") from exc
    for token in tokens:
        if token.comments:
            raise ExpressionError("comments are not allowed in rule expressions")
        if token.token_type == sqlglot.TokenType.SEMICOLON:
            raise ExpressionError("';' is not allowed: an expression, never several statements")


def _depth(node: exp.Expression) -> int:
    """Depth of the tree, iteratively (a recursive walk would itself overflow on attacks)."""
    deepest = 0
    stack = [(node, 1)]
    while stack:
        current, d = stack.pop()
        deepest = max(deepest, d)
        for child in current.iter_expressions():
            stack.append((child, d + 1))
    return deepest


def _check_nodes(tree: exp.Expression, columns: dict[str, str], *, allow_try_cast: bool = False) -> set[str]:
    used: set[str] = set()
    for node in tree.walk():
        if allow_try_cast and type(node) is exp.TryCast:
            continue
        if isinstance(node, exp.Column):
            if (
                node.table
                or node.args.get("db")
                or node.args.get("catalog")
                or not isinstance(node.this, exp.Identifier)
            ):
                raise ExpressionError(f"qualified names are not allowed: {node.sql(dialect='duckdb')}")
            name = node.name
            if name not in columns:
                raise ExpressionError(
                    f"unknown column '{name}' (neither stored in the data nor declared under columns:)"
                )
            used.add(name)
        elif isinstance(node, exp.Identifier):
            parent = node.parent
            if not isinstance(parent, exp.Column):
                raise ExpressionError(f"not allowed here: {node.sql(dialect='duckdb')}")
        elif isinstance(node, exp.DataType):
            if type(node.parent) not in (exp.Cast, exp.TryCast):
                raise ExpressionError(f"not allowed: {node.sql(dialect='duckdb')}")
            target = node.sql(dialect="duckdb").upper()
            if target not in ALLOWED_CASTS or node.expressions:
                raise ExpressionError(
                    f"cast to {target} is not allowed (allowed: BOOLEAN, INTEGER, BIGINT, DOUBLE, VARCHAR, DATE, TIMESTAMP)"
                )
        elif isinstance(node, exp.In):
            if node.args.get("query") or node.args.get("unnest") or node.args.get("field"):
                raise ExpressionError("IN accepts a list of values only, not a sub-query")
        elif isinstance(node, exp.Is):
            if not isinstance(node.expression, exp.Null):
                raise ExpressionError(f"only IS [NOT] NULL is allowed: {node.sql(dialect='duckdb')}")
        elif isinstance(node, exp.Anonymous):
            fname = str(node.this).lower()
            if fname not in _ANONYMOUS_ALLOWED:
                raise ExpressionError(
                    f"function {fname}() is not allowed (allowed: {', '.join(ALLOWED_FUNCTIONS)})"
                )
        elif type(node) not in _FUNCTION_NODES and type(node) not in _STRUCTURAL_NODES:
            # exact classes only: a subclass of an allowed node (TryCast, a dialect variant)
            # is not the node we allowed
            raise ExpressionError(f"not allowed: {_describe(node)}")
    return used


def _describe(node: exp.Expression) -> str:
    if isinstance(node, exp.Func):
        return f"function {node.sql_name().lower()}()"
    if isinstance(node, exp.Star):
        return "*"
    if isinstance(node, exp.Placeholder | exp.Parameter):
        return f"parameter {node.sql(dialect='duckdb')}"
    if isinstance(node, exp.Subquery | exp.Select | exp.Query):
        return "sub-query"
    text = node.sql(dialect="duckdb")
    return f"{node.key.upper()} ({text[:60]})"


def _refuse_boolean_text_comparisons(tree: exp.Expression, columns: dict[str, str]) -> None:
    """``identity_verified = 'oui'`` is a mistake: booleans are booleans after import."""
    for node in tree.walk():
        if isinstance(node, exp.EQ | exp.NEQ):
            pairs = [(node.this, node.expression), (node.expression, node.this)]
        elif isinstance(node, exp.In):
            pairs = [(node.this, e) for e in node.expressions]
        else:
            continue
        for left, right in pairs:
            if (
                isinstance(left, exp.Column)
                and columns.get(left.name, "").upper() == "BOOLEAN"
                and isinstance(right, exp.Literal)
                and right.is_string
            ):
                raise ExpressionError(
                    f"'{left.name}' is a yes/no column: compare it with TRUE/FALSE or write "
                    f"'{left.name}' / 'NOT {left.name}', not with the text '{right.this}'"
                )


_BINDER = threading.local()


def _binder() -> duckdb.DuckDBPyConnection:
    """One private in-memory DuckDB per thread: opening one per expression cost ~40 ms."""
    con = getattr(_BINDER, "con", None)
    if con is None:
        con = duckdb.connect(":memory:", config={"enable_external_access": False})
        _BINDER.con = con
    return con


def _bind_type(sql: str, columns: dict[str, str], used: set[str]) -> str:
    """Bind the regenerated SQL over typed NULL columns; return its result type."""
    cols = ", ".join(f'CAST(NULL AS {columns[c]}) AS "{c}"' for c in sorted(used)) or "NULL AS _dummy"
    try:
        row = _binder().execute(f"DESCRIBE SELECT ({sql}) AS v FROM (SELECT {cols}) AS t").fetchone()
    except duckdb.Error as exc:
        raise ExpressionError(f"DuckDB refuses the expression: {_first_line(str(exc))}") from exc
    assert row is not None
    return str(row[1])


_NUMERIC = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "FLOAT",
    "DOUBLE",
    "DECIMAL",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
)


def _check_result_type(duckdb_type: str, expect: str) -> None:
    if duckdb_type == '"NULL"' or duckdb_type == "NULL":
        return
    if expect == "boolean" and duckdb_type != "BOOLEAN":
        raise ExpressionError(f"must be a yes/no (boolean) expression, but gives {duckdb_type}")
    if expect == "number" and not duckdb_type.startswith(_NUMERIC):
        raise ExpressionError(f"must be a numeric expression, but gives {duckdb_type}")
