"""Rule files: models, loading with file/line/key errors, the expression checker, examples.

Public API::

    ruleset = load_ruleset("rules/crcd", known_columns=evaluation_columns(con))
    failures = run_examples(ruleset)
"""

from scorecard.rules._expressions import (
    ALLOWED_FUNCTIONS,
    CheckedExpression,
    ExpressionError,
    check_expression,
)
from scorecard.rules._models import DUCKDB_TYPES, RulesetSettings
from scorecard.rules._ruleset import Rule, Ruleset, load_ruleset

__all__ = [
    "ALLOWED_FUNCTIONS",
    "DUCKDB_TYPES",
    "CheckedExpression",
    "ExpressionError",
    "Rule",
    "Ruleset",
    "RulesetSettings",
    "check_expression",
    "load_ruleset",
]
