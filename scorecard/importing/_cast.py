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
from scorecard.store import quote_text as sql_str

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


def _sql_list(values: Sequence[str]) -> str:
    return "(" + ", ".join(sql_str(v) for v in values) + ")"


def token_sql(expr: str) -> str:
    """SQL twin of :func:`scorecard.importing._text.token`."""
    lowered = f"replace(replace(lower(strip_accents({expr})), 'œ', 'oe'), 'æ', 'ae')"
    return f"regexp_replace({lowered}, '[\\s\\x{{00a0}}\\x{{202f}}]+', '', 'g')"


_BLANK_CLASS = "[\\s\\x{00a0}\\x{202f}]"


def trim_sql(expr: str) -> str:
    """Trim spaces, tabs, newlines, NBSP and narrow NBSP (only values that need it: a
    character-set ``trim`` on every cell costs ~1 s per million)."""
    return (
        f"CASE WHEN regexp_matches({expr}, '^{_BLANK_CLASS}|{_BLANK_CLASS}$') "
        f"THEN trim({expr}, {sql_str(_BLANKS)}) ELSE {expr} END"
    )


def _plain_sql(v: str) -> str:
    """SQL: ``v`` is ASCII without spaces, so ``lower`` alone already gives its token."""
    return f"(strlen({v}) = length({v}) AND NOT contains({v}, ' '))"


def _first_codes(tokens: list[str]) -> list[int]:
    """Code points a value may start with when its token starts with one of these letters:
    both cases, accented forms (``É`` for ``e``) and ligatures (``œ`` for ``o``)."""
    firsts = {t[0] for t in tokens}
    codes = {-1}  # ord('') in DuckDB
    for cp in range(0x20, 0x250):
        ch = chr(cp)
        if token(ch)[:1] in firsts:
            codes.add(cp)
    return sorted(codes)


def _may_start_sql(v: str, codes: list[int]) -> str:
    """SQL: ``v`` is empty, starts with one of these ASCII code points, or is not ASCII.

    Byte-wise string comparisons against one-character bounds (UTF-8 keeps code point
    order) cost next to nothing, where ``ord`` costs ~0.2 µs a cell: most cells leave the
    N/A test here, and ``ord`` only settles the non-ASCII ones.
    """
    runs: list[list[int]] = []
    for code in (c for c in codes if 0 <= c < 128):
        if runs and runs[-1][1] == code - 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    bounds = [f"({v} >= {sql_str(chr(a))} AND {v} < chr({b + 1}))" for a, b in runs]
    return "(" + " OR ".join([f"{v} = ''", f"{v} >= chr(128)", *bounds]) + ")"


def na_null_sql(trimmed: str, *, answers: Answers = DEFAULT_ANSWERS) -> str:
    """NULL for an empty or not-applicable trimmed value, else the value.

    Cheap tests first: a value whose first character cannot start a token (one integer
    comparison, most cells) is kept as is; then length and plain lower case; the
    accent/space normalisation runs only on the few values that could still be a token.
    """
    na = answers.tokens("not_applicable")
    if not na:
        return f"NULLIF({trimmed}, '')"
    longest = max(len(t) for t in na) + 8
    first_codes = _first_codes(na)
    codes = ", ".join(str(c) for c in first_codes)
    return (
        f"CASE WHEN NOT {_may_start_sql(trimmed, first_codes)} THEN {trimmed} "
        f"WHEN ord({trimmed}) NOT IN ({codes}) THEN {trimmed} "
        f"WHEN {trimmed} = '' THEN NULL WHEN length({trimmed}) > {longest} THEN {trimmed} "
        f"WHEN lower({trimmed}) IN {_sql_list(na)} THEN NULL "
        f"WHEN {_plain_sql(trimmed)} THEN {trimmed} "
        f"WHEN {token_sql(trimmed)} IN {_sql_list(na)} THEN NULL ELSE {trimmed} END"
    )


def clean_sql(expr: str, *, answers: Answers = DEFAULT_ANSWERS) -> str:
    """Trimmed text, or NULL for empty / whitespace / not-applicable cells."""
    return na_null_sql(f"({trim_sql(expr)})", answers=answers)


def _boolean_sql(v: str, answers: Answers, *, digits: bool) -> str:
    pairs = [(t, "true") for t in answers.tokens("affirmative")]
    pairs += [(t, "false") for t in answers.tokens("negative") if t not in dict(pairs)]
    if digits:
        pairs += [(d, b) for d, b in (("1", "true"), ("0", "false")) if d not in dict(pairs)]
    yes = [t for t, b in pairs if b == "true"]
    no = [t for t, b in pairs if b == "false"]
    entries = ", ".join(f"{sql_str(t)}: {b}" for t, b in pairs)
    # lower() catches the usual spellings; the full token normalisation the rest.
    return (
        f"(CASE WHEN lower({v}) IN {_sql_list(yes)} THEN true "
        f"WHEN lower({v}) IN {_sql_list(no)} THEN false "
        f"WHEN {_plain_sql(v)} THEN NULL "
        f"ELSE MAP {{{entries}}}[{token_sql(v)}] END)"
    )


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


_TIME = "(?:[ T]+([0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:[.][0-9]+)?)?))?"
_D, _Y4, _Y2 = "([0-9]{1,2})", "([0-9]{4})", "([0-9]{2})"
_SEP = "[/.-]"
#: Per date order: (pattern, ISO replacement) tried in turn; two-digit years are 20yy.
_DATE_PATTERNS: dict[str, tuple[tuple[str, str], ...]] = {
    "dmy": (
        (f"^{_D}{_SEP}{_D}{_SEP}{_Y4}{_TIME}$", "\\3-\\2-\\1 \\4"),
        (f"^{_D}{_SEP}{_D}{_SEP}{_Y2}{_TIME}$", "20\\3-\\2-\\1 \\4"),
    ),
    "mdy": (
        (f"^{_D}{_SEP}{_D}{_SEP}{_Y4}{_TIME}$", "\\3-\\1-\\2 \\4"),
        (f"^{_D}{_SEP}{_D}{_SEP}{_Y2}{_TIME}$", "20\\3-\\1-\\2 \\4"),
    ),
    "ymd": ((f"^{_Y4}[/.]{_D}[/.]{_D}{_TIME}$", "\\1-\\2-\\3 \\4"),),
}
_OFFSET = "(Z|[+-][0-9]{2}(:?[0-9]{2})?)"
#: A UTC offset after a time of day (``-01`` after a date is the day, not an offset).
_TIME_OFFSET = f"[0-9]:[0-9]{{2}}(:[0-9]{{2}}([.,][0-9]+)?)?\\s*{_OFFSET}$"


_FAST_FORMATS: dict[str, str] = {"dmy": "%d/%m/%Y", "mdy": "%m/%d/%Y"}


def _timestamp_sql(v: str, date_order: str, timezone: str | None) -> str:
    """ISO (DuckDB's own cast, offsets dropped), else day/month/year rewritten to ISO.

    Cheap shape tests choose the branch: a failing TRY_CAST costs ~1.3 s per million values
    and ``try_strptime`` with a list of formats ~13 s, so neither runs on values that
    cannot match. Zero-padded ``dd/mm/yyyy [hh:mm[:ss]]`` (what Excel writes) takes one
    ``try_strptime`` with the format its length implies.
    """
    rewritten = v
    for pattern, replacement in _DATE_PATTERNS[date_order]:
        rewritten = f"regexp_replace({rewritten}, '{pattern}', '{replacement}')"
    branches = [f"WHEN substr({v}, 5, 1) = '-' THEN TRY_CAST({v} AS TIMESTAMP)"]
    fast = _FAST_FORMATS.get(date_order)
    if fast:
        by_length = " ".join(
            f"WHEN {n} THEN try_strptime({v}, {sql_str(fmt)})"
            for n, fmt in ((10, fast), (16, fast + " %H:%M"), (19, fast + " %H:%M:%S"))
        )
        branches.append(
            f"WHEN substr({v}, 3, 1) = '/' AND substr({v}, 6, 1) = '/' "
            f"AND length({v}) IN (10, 16, 19) THEN CASE length({v}) {by_length} END"
        )
    branches.append(
        f"WHEN regexp_matches({v}, '^[0-9]{{1,4}}[/.-][0-9]{{1,2}}[/.-][0-9]{{1,4}}') "
        f"THEN TRY_CAST(rtrim({rewritten}) AS TIMESTAMP)"
    )
    naive = f"(CASE {' '.join(branches)} END)"
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
