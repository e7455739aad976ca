"""Rule files: what loads, and every way a ruleset is refused (file, line and key named)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scorecard.errors import RuleErrors
from scorecard.rules import load_ruleset
from tests.conftest import run_cli, write_ruleset

SETTINGS = """
    name: t
    version: "1"
    columns: {identity_verified: boolean, upsell_offered: boolean, rating: integer, notes: text}
"""


def _refusal(tmp_path: Path, rules: str, settings: str = SETTINGS) -> RuleErrors:
    folder = write_ruleset(tmp_path / "rs", settings, {"r.yaml": rules})
    with pytest.raises(RuleErrors) as info:
        load_ruleset(folder)
    return info.value


def test_valid_ruleset_resolves_competency_criterion_and_scope(tmp_path: Path) -> None:
    folder = write_ruleset(
        tmp_path / "rs",
        SETTINGS,
        {
            "cp6.yaml": """
        competency: CP6
        when: activity IN ('booking', 'sales')
        rules:
          - id: cp6.upsell
            criterion: La vente additionnelle est proposée de façon systématique
            label: {fr: Vente additionnelle proposée, en: Additional sale proposed}
            check: upsell_offered
            weight: 2
          - id: ct1.courtesy
            competency: CT1
            criterion: 1
            when: channel = 'phone'
            score: rating / 5.0
            pass_mark: 0.6
    """
        },
    )
    rs = load_ruleset(folder)
    upsell, courtesy = rs.rules
    assert (upsell.competency, upsell.criterion, upsell.weight) == ("CP6", 3, 2.0)
    assert upsell.when_sql == "(\"activity\" IN ('booking', 'sales'))"
    assert courtesy.competency == "CT1" and courtesy.kind == "score" and courtesy.pass_mark == 0.6
    assert courtesy.when_sql == "(\"activity\" IN ('booking', 'sales')) AND (\"channel\" = 'phone')"
    assert upsell.pass_mark == 1.0
    assert len(rs.uncovered_criteria()) == 65 - 2


@pytest.mark.parametrize(
    ("rules", "line", "key", "words"),
    [
        (
            "rules:\n  - id: a\n    competency: CP1\n    criterion: 1\n    check: upsell_offered\n    colour: red\n",
            6,
            "rules[0].colour",
            "unknown key",
        ),
        (
            "rules:\n  - id: a\n    competency: CP1\n    criterion: 1\n    check: upsell_offered\n"
            "  - id: a\n    competency: CP1\n    criterion: 2\n    check: upsell_offered\n",
            6,
            "rules[1].id",
            "duplicate rule id",
        ),
        (
            "rules:\n  - id: a\n    competency: CP99\n    criterion: 1\n    check: upsell_offered\n",
            3,
            "rules[0].competency",
            "unknown competency",
        ),
        (
            "rules:\n  - id: a\n    competency: CP1\n    criterion: 6\n    check: upsell_offered\n",
            4,
            "rules[0].criterion",
            "unknown criterion",
        ),
        (
            "rules:\n  - id: a\n    competency: CP1\n    criterion: Le client est content\n    check: upsell_offered\n",
            4,
            "rules[0].criterion",
            "unknown criterion",
        ),
        (
            "rules:\n  - id: a\n    competency: CP1\n    criterion: 1\n    check: upsell_offered\n    weight: 0\n",
            6,
            "rules[0].weight",
            "greater than 0",
        ),
        (
            "rules:\n  - id: a\n    competency: CP1\n    criterion: 1\n    score: rating / 5.0\n    pass_mark: 1.5\n",
            6,
            "rules[0].pass_mark",
            "less than or equal to 1",
        ),
        (
            "rules:\n  - id: a\n    competency: CP1\n    criterion: 1\n    check: upsell_offered\n    score: rating / 5.0\n",
            2,
            "rules[0]",
            "exactly one of 'check' or 'score'",
        ),
        (
            "rules:\n  - id: a\n    competency: CP1\n    criterion: 1\n",
            2,
            "rules[0]",
            "exactly one of 'check' or 'score'",
        ),
        (
            "rules:\n  - id: a\n    competency: CP1\n    criterion: 1\n    check: upsel_offered\n",
            5,
            "rules[0].check",
            "unknown column 'upsel_offered'",
        ),
        (
            "rules:\n  - id: a\n    competency: CP1\n    criterion: 1\n    check: identity_verified = 'oui'\n",
            5,
            "rules[0].check",
            "yes/no column",
        ),
        (
            "rules:\n  - id: a\n    competency: CP1\n    criterion: 1\n    check: rating\n",
            5,
            "rules[0].check",
            "boolean",
        ),
        (
            "rules:\n  - id: a\n    competency: CP1\n    criterion: 1\n    score: notes\n",
            5,
            "rules[0].score",
            "numeric",
        ),
        (
            "when: read_csv('/etc/passwd') IS NULL\nrules:\n  - id: a\n    competency: CP1\n    criterion: 1\n    check: upsell_offered\n",
            1,
            "when",
            "read_csv",
        ),
        ("rules:\n  - id: a\n    criterion: 1\n    check: upsell_offered\n", 2, "rules[0]", "no competency"),
        (
            "rules:\n  - id: a\n    competency: CP1\n    criterion: 1\n    check: upsell_offered\n    check: identity_verified\n",
            6,
            "rules[0].check",
            "duplicate key",
        ),
        ("rules:\n  - id: a\n    competency: CP1\n    criterion: [1\n", 5, None, "YAML syntax error"),
    ],
)
def test_refusals_name_file_line_and_key(
    tmp_path: Path, rules: str, line: int, key: str | None, words: str
) -> None:
    err = _refusal(tmp_path, rules)
    first = err.errors[0]
    assert first.file.endswith("r.yaml")
    assert first.line == line, str(err)
    assert first.key == key, str(err)
    assert words in first.message, str(err)


def test_settings_refusals(tmp_path: Path) -> None:
    rules = "rules:\n  - {id: a, competency: CP1, criterion: 1, check: upsell_offered}\n"
    err = _refusal(tmp_path, rules, 'name: "Bad Name"\nversion: "1"\ncolumns: {upsell_offered: boolean}\n')
    assert err.errors[0].key == "name" and err.errors[0].line == 1
    err = _refusal(tmp_path, rules, 'name: t\nversion: "1"\ncolumns: {upsell_offered: bool}\n')
    assert err.errors[0].key == "columns.upsell_offered" and err.errors[0].line == 3
    err = _refusal(
        tmp_path,
        rules,
        'name: t\nversion: "1"\ncompetency_weights: {CP1: -1}\ncolumns: {upsell_offered: boolean}\n',
    )
    assert err.errors[0].key == "competency_weights" and ">= 0" in err.errors[0].message
    err = _refusal(
        tmp_path, rules, 'name: t\nversion: "1"\nscoring: {na: skip}\ncolumns: {upsell_offered: boolean}\n'
    )
    assert err.errors[0].key == "scoring.na"


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    err = _refusal(
        tmp_path,
        (
            "rules:\n"
            "  - {id: a, competency: CP1, criterion: 9, check: upsell_offered}\n"
            "  - {id: b, competency: CP1, criterion: 1, check: nope}\n"
        ),
    )
    assert [e.line for e in err.errors] == [2, 3]


def test_stored_columns_are_known_and_declared_types_win(tmp_path: Path) -> None:
    folder = write_ruleset(
        tmp_path / "rs",
        'name: t\nversion: "1"\ncolumns: {rating: number}\n',
        {
            "r.yaml": """
        rules:
          - {id: a, competency: CP1, criterion: 1, check: from_the_data AND rating > 2}
    """
        },
    )
    with pytest.raises(RuleErrors):
        load_ruleset(folder)
    rs = load_ruleset(folder, known_columns={"from_the_data": "BOOLEAN", "rating": "VARCHAR"})
    assert rs.column_types["rating"] == "DOUBLE"


def test_content_hash_follows_meaning_not_formatting(tmp_path: Path) -> None:
    a = write_ruleset(
        tmp_path / "a",
        SETTINGS,
        {"r.yaml": "rules:\n  - {id: a, competency: CP1, criterion: 1, check: upsell_offered}\n"},
    )
    b = write_ruleset(
        tmp_path / "b",
        SETTINGS,
        {
            "x.yaml": "# a comment\nrules:\n  - id: a\n    competency: CP1\n    criterion: 1\n    check:   upsell_offered\n"
        },
    )
    c = write_ruleset(
        tmp_path / "c",
        SETTINGS,
        {"r.yaml": "rules:\n  - {id: a, competency: CP1, criterion: 1, check: upsell_offered, weight: 2}\n"},
    )
    ha, hb, hc = (load_ruleset(p).content_hash for p in (a, b, c))
    assert ha == hb  # comments, layout and file names do not change the meaning
    assert ha != hc  # a weight does


def test_cli_rules_check_reports_refusal_with_location(tmp_path: Path) -> None:
    folder = write_ruleset(
        tmp_path / "rs",
        SETTINGS,
        {
            "cp1.yaml": """
        competency: CP1
        rules:
          - id: cp1.a
            criterion: 1
            check: upsell_offered
            wieght: 2
    """
        },
    )
    r = run_cli("rules", "check", str(folder))
    assert r.returncode == 1
    assert "cp1.yaml:6: rules[0].wieght: unknown key" in r.stderr


def test_cli_rules_check_runs_examples_and_lists_uncovered_criteria(tmp_path: Path) -> None:
    folder = write_ruleset(
        tmp_path / "rs",
        SETTINGS,
        {
            "cp4.yaml": """
        competency: CP4
        when: activity = 'advice'
        rules:
          - id: gen.identity
            criterion: 1
            check: identity_verified
            fatal: true
            examples:
              - {record: {activity: advice, identity_verified: "oui"}, expect: pass}
              - {record: {activity: advice, identity_verified: "Non"}, expect: fail}
              - {record: {activity: advice, identity_verified: "N/A"}, expect: na}
              - {record: {activity: sales, identity_verified: "non"}, expect: na}
              - {record: {activity: advice, identity_verified: "non"}, expect: pass}
    """
        },
    )
    r = run_cli("rules", "check", str(folder))
    assert r.returncode == 1
    assert "examples / exemples: 4/5 passing" in r.stdout
    assert "example 5: expected pass, got fail" in r.stderr
    assert "criteria covered / critères couverts: 1/65" in r.stdout
    assert "CP1.1 La mise en relation avec la cible est réussie" in r.stdout


def test_examples_follow_na_fail_setting(tmp_path: Path) -> None:
    settings = 'name: t\nversion: "1"\nscoring: {na: fail}\ncolumns: {identity_verified: boolean}\n'
    folder = write_ruleset(
        tmp_path / "rs",
        settings,
        {
            "r.yaml": """
        rules:
          - id: a
            competency: CP4
            criterion: 1
            check: identity_verified
            examples:
              - {record: {identity_verified: ""}, expect: fail}
              - {record: {identity_verified: "1"}, expect: pass}
    """
        },
    )
    r = run_cli("rules", "check", str(folder))
    assert "examples / exemples: 2/2 passing" in r.stdout, r.stdout + r.stderr
