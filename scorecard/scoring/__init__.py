"""Scoring (scoring.md §1-5): a checked ruleset compiled to one set-based DuckDB pass.

Public API::

    report = score(con, ruleset)                       # stores results for ruleset name@version
    rid = resolve_ruleset_id(con, "crcd@2026.1")       # or None -> the current ruleset
    rs = stored_ruleset(con, rid)                      # the rules behind stored results
    sql = rule_outcomes_sql(con, rs, where_sql)        # recompute outcomes for a selection
    vals = rule_values_sql(con, rs, where_sql)         # one row per evaluation, a value per rule
"""

from scorecard.scoring._engine import ScoringReport, score
from scorecard.scoring._stored import (
    RuleValues,
    current_ruleset_id,
    resolve_ruleset_id,
    rule_outcomes_sql,
    rule_values_sql,
    stored_ruleset,
)

__all__ = [
    "RuleValues",
    "ScoringReport",
    "current_ruleset_id",
    "resolve_ruleset_id",
    "rule_outcomes_sql",
    "rule_values_sql",
    "score",
    "stored_ruleset",
]
