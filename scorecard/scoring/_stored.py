"""Rulesets as stored with their results: find them, rebuild them, recompute outcomes.

Results carry a ``ruleset_id``; the rules that produced them are kept in ``ruleset_rules``
as regenerated SQL. Rebuilding a ruleset from the database re-checks every stored expression
(a database file is data, and data is not trusted to carry SQL), so outcome recomputation
for the dashboard and exports never needs the YAML folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

import duckdb

from scorecard.errors import UserError
from scorecard.referential import load_referential
from scorecard.rules import Rule, Ruleset, RulesetSettings, check_expression
from scorecard.scoring import _compile as c
from scorecard.store import evaluation_columns, first_row


def current_ruleset_id(con: duckdb.DuckDBPyConnection) -> int | None:
    """The ruleset scored last, or None when nothing was scored yet."""
    row = first_row(con, "SELECT ruleset_id FROM rulesets WHERE is_current ORDER BY scored_at DESC LIMIT 1")
    return None if row is None else int(row[0])


def resolve_ruleset_id(con: duckdb.DuckDBPyConnection, spec: str | None) -> int:
    """``NAME[@VERSION]`` (latest scored version of NAME without @) or the current ruleset."""
    if spec is None:
        rid = current_ruleset_id(con)
        if rid is None:
            raise UserError(
                "nothing scored yet: run 'scorecard score' first / aucun score : lancez 'scorecard score'"
            )
        return rid
    name, _, version = spec.partition("@")
    if version:
        row = first_row(
            con, "SELECT ruleset_id FROM rulesets WHERE name = ? AND version = ?", [name, version]
        )
    else:
        row = first_row(
            con, "SELECT ruleset_id FROM rulesets WHERE name = ? ORDER BY scored_at DESC LIMIT 1", [name]
        )
    if row is None:
        known = [
            f"{n}@{v}"
            for n, v in con.execute("SELECT name, version FROM rulesets ORDER BY scored_at").fetchall()
        ]
        raise UserError(f"no results for ruleset {spec!r}; scored rulesets: {', '.join(known) or 'none'}")
    return int(row[0])


def stored_ruleset(con: duckdb.DuckDBPyConnection, ruleset_id: int) -> Ruleset:
    """Rebuild the ruleset that produced ``ruleset_id``'s results, re-checking its SQL."""
    row = first_row(
        con,
        "SELECT name, version, content_hash, settings, source FROM rulesets WHERE ruleset_id = ?",
        [ruleset_id],
    )
    if row is None:
        raise UserError(f"unknown ruleset id {ruleset_id}")
    rules = con.execute(
        "SELECT rule_id, competency, criterion, criterion_fr, label_fr, label_en, kind, value_sql, when_sql, "
        "pass_mark, weight, competency_weight, critical, fatal, columns FROM ruleset_rules "
        "WHERE ruleset_id = ? ORDER BY position",
        [ruleset_id],
    ).fetchall()
    stored = evaluation_columns(con)
    return _rebuild(
        row[2],
        row[3],
        row[4],
        tuple(tuple(tuple(x) if isinstance(x, list) else x for x in r) for r in rules),
        tuple(sorted(stored.items())),
    )


@lru_cache(maxsize=16)
def _rebuild(
    content_hash: str,
    settings_json: str,
    source: str,
    rules: tuple[tuple, ...],
    stored: tuple[tuple[str, str], ...],
) -> Ruleset:
    settings = RulesetSettings.model_validate(json.loads(settings_json))
    types = dict(stored)
    types.update({k: v for k, v in _declared(settings).items()})
    built = []
    for (
        rid,
        comp,
        crit,
        crit_fr,
        lfr,
        len_,
        kind,
        value_sql,
        when_sql,
        pm,
        w,
        cw,
        critical,
        fatal,
        cols,
    ) in rules:
        value = check_expression(
            value_sql, types, expect="boolean" if kind == "check" else "number", regenerated=True
        )
        when = check_expression(when_sql, types, expect="boolean", regenerated=True).sql if when_sql else None
        built.append(
            Rule(
                id=rid,
                competency=comp,
                criterion=crit,
                criterion_fr=crit_fr,
                label_fr=lfr,
                label_en=len_,
                kind=kind,
                value_sql=value.sql,
                when_sql=when,
                pass_mark=pm,
                weight=w,
                competency_weight=cw,
                critical=critical,
                fatal=fatal,
                columns=frozenset(cols),
                examples=(),
                file="<database>",
                line=None,
            )
        )
    return Ruleset(
        settings=settings,
        rules=tuple(built),
        referential=load_referential(settings.referential),
        content_hash=content_hash,
        source=source,
        column_types=types,
    )


def _declared(settings: RulesetSettings) -> dict[str, str]:
    from scorecard.rules import DUCKDB_TYPES

    return {k: DUCKDB_TYPES[t] for k, t in settings.columns.items()}


@dataclass(frozen=True)
class RuleValues:
    """One row per evaluation with the value of every rule (scoring.md §1), as SQL.

    ``sql`` has the evaluation metadata, one column per rule (``value_columns[i]`` for the
    i-th rule: a DOUBLE in [0, 1], NULL for ``na``) and the evaluator's ``comment_columns``;
    ``comments`` maps each rule's position to the comment columns of the items it reads.
    """

    sql: str
    value_columns: tuple[str, ...]
    comment_columns: tuple[str, ...]
    comments: dict[int, tuple[str, ...]]


def rule_values_sql(
    con: duckdb.DuckDBPyConnection, ruleset: Ruleset, where_sql: str | None = None
) -> RuleValues:
    """The values of every rule for the evaluations matching ``where_sql`` (a filter over
    evaluation columns built by the caller with parameters): what a page needs to explain a
    score line by line without the long per-rule union of :func:`rule_outcomes_sql`."""
    stored = evaluation_columns(con)
    comments = c.comment_columns(ruleset, stored)
    extra = tuple(sorted({cc for ccs in comments.values() for cc in ccs}))
    return RuleValues(
        sql=c.values_sql(ruleset, c.source_sql(ruleset, stored, where_sql, with_comments=True), extra),
        value_columns=tuple(c.vcol(i) for i in range(len(ruleset.rules))),
        comment_columns=extra,
        comments={i: tuple(comments[r.id]) for i, r in enumerate(ruleset.rules)},
    )


def rule_outcomes_sql(con: duckdb.DuckDBPyConnection, ruleset: Ruleset, where_sql: str | None = None) -> str:
    """SELECT of the ``rule_outcomes`` columns (cli.md) plus label and comment, for the
    evaluations matching ``where_sql`` (a filter over evaluation columns built by the caller
    with ``?`` parameters)."""
    values = rule_values_sql(con, ruleset, where_sql)
    return c.outcomes_sql(ruleset, values.sql, values.comments)
