"""VARCHAR -> typed values, as DuckDB SQL built from strings (pure functions).

Everything the importer stores goes through these expressions, and so do the examples of
rule files (the rules module reads ``"oui"``, ``"N/A"`` or ``"12,5"`` with a declared type
through :func:`cast_sql`). Keeping them pure functions of strings lets both run the very
same SQL: what a rule example means is what an import would store.

Two steps, so a value that *does not cast* can be told from a value that is *empty*:

- :func:`clean_sql`: trim (spaces, tabs, NBSP, narrow NBSP); empty and not-applicable tokens
  -> NULL. Applies to every type, text included (data.md).
- :func:`parse_sql`: a cleaned, non-NULL value -> the typed value, or NULL when it does not
  parse. :func:`cast_failed_sql` is the "non-empty but unreadable" test the importer turns
  into a reject with :func:`reason_sql`.

Accepted forms (data.md): booleans from the answer tokens (plus ``1``/``0`` for a declared
boolean); numbers with a decimal comma or point, spaces / NBSP / narrow NBSP as thousands
separators, ``1.234,5`` and ``1,234.5`` groupings, a trailing ``%`` (``87,5 %`` -> 87.5),
``h:mm:ss`` durations (-> seconds); timestamps ISO (``2026-03-01``, ``2026-03-01T10:00:00Z``)
or ``dd/mm/yyyy [hh:mm[:ss]]`` (``-`` and ``.`` separators too, two-digit years, order set by
``date_order``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import duckdb
from pydantic import BaseModel, ConfigDict, field_validator

from scorecard.importing._text import token

Kind = Literal["boolean", "integer", "number", "timestamp", "text"]
DateOrder = Literal["dmy", "mdy", "ymd"]

#: Storage type of each observation kind.
DUCKDB_TYPES: dict[str, str] = {
    "boolean": "BOOLEAN",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "timestamp": "TIMESTAMP",
    "text": "VARCHAR",
}

_KIND_ALIASES: dict[str, str] = {
    "bool": "boolean",
    "int": "integer",
    "bigint": "integer",
    "integer": "integer",
    "smallint": "integer",
    "tinyint": "integer",
    "hugeint": "integer",
    "ubigint": "integer",
    "uinteger": "integer",
    "double": "number",
    "float": "number",
    "real": "number",
    "decimal": "number",
    "numeric": "number",
    "date": "timestamp",
    "datetime": "timestamp",
    "timestamp with time zone": "timestamp",
    "timestamptz": "timestamp",
    "varchar": "text",
    "string": "text",
}

#: Reason of a reject per kind, French / English, shown to a quality manager.
REASONS: dict[str, str] = {
    "boolean": "réponse oui/non illisible / unreadable yes/no answer",
    "integer": "nombre entier illisible / unreadable whole number",
    "number": "nombre illisible / unreadable number",
    "timestamp": "date illisible / unreadable date",
}

_BLANKS = " \t\r\n\u00a0\u202f"


class Answers(BaseModel):
    """Answer tokens (data.md); compared case-, accent- and space-insensitively."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    affirmative: tuple[str, ...]
    negative: tuple[str, ...]
    not_applicable: tuple[str, ...]

    @field_validator("affirmative", "negative", "not_applicable", mode="before")
    @classmethod
    def _as_strings(cls, values: object) -> object:
        if isinstance(values, list | tuple):
            return tuple(str(v) for v in values)
        return values

    def tokens(self, which: str) -> list[str]:
        """Normalised tokens of one list, in order, without duplicates."""
        return list(dict.fromkeys(token(v) for v in getattr(self, which) if token(v)))


DEFAULT_ANSWERS = Answers(
    affirmative=("oui", "o", "yes", "y", "true", "vrai", "x"),
    negative=("non", "n", "no", "false", "faux"),
    not_applicable=(
        "na", "n/a", "n.a.", "so", "sans objet", "nc", "non applicable", "not applicable", "-",
    ),
)


def kind_of(target_type: str) -> str:
    """``"BIGINT"``, ``"integer"``, ``"DECIMAL(18,3)"`` -> ``"integer"`` / ``"number"``..."""
    name = target_type.strip().lower()
    if name in DUCKDB_TYPES:
        return name
    base = name.split("(")[0].strip()
    if base in _KIND_ALIASES:
        return _KIND_ALIASES[base]
    raise ValueError(
        f"unknown type {target_type!r}: use boolean, integer, number, timestamp or text"
    )


def sql_str(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _sql_list(values: Sequence[str]) -> str:
    return "(" + ", ".join(sql_str(v) for v in values) + ")"


def token_sql(expr: str) -> str:
    """SQL twin of :func:`scorecard.importing._text.token`."""
    lowered = f"replace(replace(lower(strip_accents({expr})), 'œ', 'oe'), 'æ', 'ae')"
    return f"regexp_replace({lowered}, '[\\s\\x{{00a0}}\\x{{202f}}]+', '', 'g')"


def clean_sql(expr: str, *, answers: Answers = DEFAULT_ANSWERS) -> str:
    """Trimmed text, or NULL for empty / whitespace / not-applicable cells."""
    trimmed = f"NULLIF(trim({expr}, {sql_str(_BLANKS)}), '')"
    na = answers.tokens("not_applicable")
    if not na:
        return trimmed
    # Tokens are short: measuring the length first skips normalising long values.
    longest = 3 * max(len(t) for t in na) + 2
    return (
        f"CASE WHEN length({trimmed}) <= {longest} AND {token_sql(trimmed)} IN {_sql_list(na)} "
        f"THEN NULL ELSE {trimmed} END"
    )


def _boolean_sql(v: str, answers: Answers, *, digits: bool) -> str:
    pairs = [(t, "true") for t in answers.tokens("affirmative")]
    pairs += [(t, "false") for t in answers.tokens("negative") if t not in dict(pairs)]
    if digits:
        pairs += [(d, b) for d, b in (("1", "true"), ("0", "false")) if d not in dict(pairs)]
    entries = ", ".join(f"{sql_str(t)}: {b}" for t, b in pairs)
    return f"(MAP {{{entries}}}[{token_sql(v)}])"


def _number_sql(v: str) -> str:
    """Decimal comma/point, thousands separators, trailing %, h:mm:ss -> DOUBLE or NULL."""
    s = f"regexp_replace({v}, '[\\s\\x{{00a0}}\\x{{202f}}]+|%$', '', 'g')"
    parts = f"string_split({v}, ':')"
    general = (
        f"CASE WHEN regexp_full_match({s}, '[+-]?[0-9]*[.,]?[0-9]+') "
        f"THEN TRY_CAST(replace({s}, ',', '.') AS DOUBLE) "
        f"WHEN regexp_full_match({s}, '[+-]?[0-9]{{1,3}}([.][0-9]{{3}})+(,[0-9]+)?') "
        f"THEN TRY_CAST(replace(replace({s}, '.', ''), ',', '.') AS DOUBLE) "
        f"WHEN regexp_full_match({s}, '[+-]?[0-9]{{1,3}}(,[0-9]{{3}})+([.][0-9]+)?') "
        f"THEN TRY_CAST(replace({s}, ',', '') AS DOUBLE) "
        f"WHEN regexp_full_match({v}, '[0-9]+:[0-5][0-9]:[0-5][0-9]([.,][0-9]+)?') "
        f"THEN {parts}[1]::DOUBLE * 3600 + {parts}[2]::DOUBLE * 60 "
        f"+ replace({parts}[3], ',', '.')::DOUBLE END"
    )
    return (
        f"(CASE WHEN regexp_full_match({v}, '[+-]?[0-9]+([.,][0-9]+)?') "
        f"THEN TRY_CAST(replace({v}, ',', '.') AS DOUBLE) ELSE {general} END)"
    )


def _integer_sql(v: str) -> str:
    """Whole numbers only: ``12`` and ``12,0`` read, ``12,5`` does not."""
    whole = "lambda n: CASE WHEN n = trunc(n) AND abs(n) < 9e18 THEN n::BIGINT END"
    return (
        f"(CASE WHEN regexp_full_match({v}, '[+-]?[0-9]{{1,18}}') THEN TRY_CAST({v} AS BIGINT) "
        f"ELSE list_transform([{_number_sql(v)}], {whole})[1] END)"
    )


_TIME_FORMATS = ("%H:%M:%S", "%H:%M", "")
_DATE_FORMATS: dict[str, tuple[str, ...]] = {
    # Two-digit years first: %Y would read "26" as the year 26.
    "dmy": ("%d/%m/%y", "%d-%m-%y", "%d.%m.%y", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"),
    "mdy": ("%m/%d/%y", "%m-%d-%y", "%m.%d.%y", "%m/%d/%Y", "%m-%d-%Y", "%m.%d.%Y"),
    "ymd": ("%Y/%m/%d", "%Y.%m.%d"),
}
_ISO = "[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([T ][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?)?"
_OFFSET = "(Z|[+-][0-9]{2}(:?[0-9]{2})?)"
#: A UTC offset after a time of day (``-01`` after a date is the day, not an offset).
_TIME_OFFSET = f"([0-9]:[0-9]{{2}}(:[0-9]{{2}}([.,][0-9]+)?)?)\\s*{_OFFSET}$"


def _timestamp_sql(v: str, date_order: str, timezone: str | None) -> str:
    formats = [
        f"{d} {t}".strip() for d in _DATE_FORMATS[date_order] for t in _TIME_FORMATS
    ]
    fmt_list = "[" + ", ".join(sql_str(f) for f in formats) + "]"
    naive = (
        f"(CASE WHEN regexp_full_match({v}, '{_ISO}\\s*{_OFFSET}?') "
        f"THEN TRY_CAST(regexp_replace({v}, '{_TIME_OFFSET}', '\\1') AS TIMESTAMP) "
        f"ELSE try_strptime({v}, {fmt_list}) END)"
    )
    if timezone is None:
        return naive
    zone = sql_str(timezone)
    # With a zone: a value carrying an offset is converted from it, one without is UTC.
    return (
        f"(CASE WHEN regexp_matches({v}, '{_TIME_OFFSET}') "
        f"THEN timezone({zone}, TRY_CAST({v} AS TIMESTAMPTZ)) "
        f"ELSE timezone({zone}, timezone('UTC', {naive})) END)"
    )


def parse_sql(
    clean_expr: str,
    target_type: str,
    *,
    answers: Answers = DEFAULT_ANSWERS,
    date_order: str = "dmy",
    timezone: str | None = None,
    boolean_digits: bool = True,
) -> str:
    """Typed value of an already cleaned expression (NULL if it does not parse).

    ``boolean_digits`` lets a boolean read ``1``/``0``: true for a declared or stored boolean,
    false while inferring (a 1/0 column is an integer, data.md).
    """
    kind = kind_of(target_type)
    if kind == "boolean":
        return _boolean_sql(clean_expr, answers, digits=boolean_digits)
    if kind == "integer":
        return _integer_sql(clean_expr)
    if kind == "number":
        return _number_sql(clean_expr)
    if kind == "timestamp":
        return _timestamp_sql(clean_expr, date_order, timezone)
    return clean_expr


def cast_sql(
    expr: str,
    target_type: str,
    *,
    answers: Answers = DEFAULT_ANSWERS,
    date_order: str = "dmy",
    timezone: str | None = None,
) -> str:
    """SQL turning a VARCHAR expression into ``target_type`` (NULL when blank, N/A or unreadable).

    ``expr`` is repeated inside the result: pass a column name or another cheap expression.
    """
    return _cleaned_and_typed(expr, target_type, answers, date_order, timezone)[1]


def _cleaned_and_typed(
    expr: str, target_type: str, answers: Answers, date_order: str, timezone: str | None
) -> tuple[str, str]:
    cleaned = f"({clean_sql(expr, answers=answers)})"
    typed = parse_sql(
        cleaned, target_type, answers=answers, date_order=date_order, timezone=timezone
    )
    return cleaned, typed


def cast_failed_sql(
    expr: str,
    target_type: str,
    *,
    answers: Answers = DEFAULT_ANSWERS,
    date_order: str = "dmy",
    timezone: str | None = None,
) -> str:
    """SQL boolean: the value is not empty/N/A yet does not read as ``target_type``."""
    cleaned, typed = _cleaned_and_typed(expr, target_type, answers, date_order, timezone)
    return f"({cleaned} IS NOT NULL AND {typed} IS NULL)"


def reason_sql(value_expr: str, target_type: str) -> str:
    """SQL text of a reject's reason: ``date illisible / unreadable date: '31/02/2026'``."""
    return f"{sql_str(REASONS[kind_of(target_type)] + ': ')} || '''' || {value_expr} || ''''"


def cast_values(
    values: Sequence[str | None],
    target_type: str,
    *,
    answers: Answers = DEFAULT_ANSWERS,
    date_order: str = "dmy",
    timezone: str | None = None,
) -> list[tuple[object, bool]]:
    """Cast raw strings in Python, for rule examples and tests: ``[(value, failed), ...]``.

    Runs the same SQL as the importer, in a throw-away in-memory DuckDB.
    """
    if not values:
        return []
    cleaned, typed = _cleaned_and_typed("v", target_type, answers, date_order, timezone)
    failed = f"({cleaned} IS NOT NULL AND {typed} IS NULL)"
    with duckdb.connect() as con:
        rows = con.execute(
            f"SELECT {typed}, {failed} FROM (SELECT unnest($vals) AS v, "
            "generate_subscripts($vals, 1) AS i) ORDER BY i",
            {"vals": [None if v is None else str(v) for v in values]},
        ).fetchall()
    return [(value, bool(bad)) for value, bad in rows]
