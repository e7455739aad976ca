"""The default ruleset rules/crcd: coverage of the REAC, labels, scopes, fatal/critical points.

Coverage and scopes are computed here from the YAML files themselves (pyyaml, sqlglot, DuckDB
evaluating the `when` texts over a grid of contacts), independently of scorecard.rules; the
last tests then run the project's own loader and CLI over the same folder.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import duckdb
import sqlglot
import yaml
from sqlglot import exp

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "rules" / "crcd"
REFERENTIAL = REPO / "scorecard" / "data" / "reac_crcd_2015.yaml"

ACTIVITIES = ("survey", "admin_info", "support", "advice", "prospecting", "booking", "sales",
              "retention", "collections")
CHANNELS = ("phone", "email", "chat", "sms", "letter", "social")
WRITTEN = {"email", "chat", "sms", "letter", "social"}
#: The activity each professional competency is about (the brief's mapping of the REAC).
CP_ACTIVITIES = {"CP1": {"survey"}, "CP2": {"admin_info"}, "CP3": {"support"}, "CP4": {"advice"},
                 "CP5": {"prospecting"}, "CP6": {"booking", "sales"}, "CP7": {"sales"},
                 "CP8": {"retention"}, "CP9": {"collections"}}


def _criteria() -> dict[str, list[str]]:
    ref = yaml.safe_load(REFERENTIAL.read_text(encoding="utf-8"))
    return {c["code"]: [k["fr"] for k in c["criteria"]] for c in ref["competencies"] + ref["transversal"]}


def _settings() -> dict:
    return yaml.safe_load((RULES / "scorecard.yaml").read_text(encoding="utf-8"))


def _rule_files() -> dict[str, dict]:
    return {p.name: yaml.safe_load(p.read_text(encoding="utf-8"))
            for p in sorted(RULES.glob("*.yaml")) if p.name != "scorecard.yaml"}


def _rules() -> list[dict]:
    """Every rule with its resolved competency, criterion index and combined `when`."""
    criteria = _criteria()
    out = []
    for name, doc in _rule_files().items():
        for rule in doc["rules"]:
            comp = rule.get("competency", doc.get("competency"))
            crit = rule["criterion"]
            index = crit if isinstance(crit, int) else criteria[comp].index(crit) + 1
            whens = [w for w in (doc.get("when"), rule.get("when")) if w]
            out.append({**rule, "file": name, "competency": comp, "criterion": index,
                        "file_when": doc.get("when"),
                        "when_all": " AND ".join(f"({w})" for w in whens) if whens else "TRUE"})
    return out


def _contacts() -> duckdb.DuckDBPyConnection:
    """A table of every (activity, channel, direction) with every context flag TRUE.

    Flags TRUE is the widest case: a rule applies there if it ever applies to that contact.
    """
    con = duckdb.connect()
    declared = _settings()["columns"]
    sql_type = {"boolean": "BOOLEAN", "integer": "BIGINT", "number": "DOUBLE", "text": "VARCHAR",
                "timestamp": "TIMESTAMP"}
    value = {"boolean": "TRUE", "integer": "3", "number": "300", "text": "'x'", "timestamp": "TIMESTAMP '2026-05-04'"}
    rows = ", ".join(f"('{a}', '{c}', '{d}')" for a, c, d in itertools.product(ACTIVITIES, CHANNELS, ("inbound", "outbound")))
    extra = ", ".join(f"CAST({value[t]} AS {sql_type[t]}) AS \"{name}\"" for name, t in declared.items())
    con.execute(f"CREATE TABLE contacts AS SELECT activity, channel, direction, 240.0 AS duration_s, {extra} "
                f"FROM (VALUES {rows}) v(activity, channel, direction)")
    return con


def _where(con: duckdb.DuckDBPyConnection, when: str, column: str) -> set[str]:
    return {r[0] for r in con.execute(f"SELECT DISTINCT {column} FROM contacts WHERE coalesce(({when}), FALSE)").fetchall()}


def _applies(con: duckdb.DuckDBPyConnection, when: str) -> set[tuple[str, str]]:
    """(activity, channel) pairs where the rule can apply."""
    return set(con.execute(f"SELECT DISTINCT activity, channel FROM contacts WHERE coalesce(({when}), FALSE)").fetchall())


def _read_columns(expression: str) -> set[str]:
    return {c.name for c in sqlglot.parse_one(expression, read="duckdb").find_all(exp.Column)}


def test_referential_has_65_criteria_in_13_competencies() -> None:
    criteria = _criteria()
    assert len(criteria) == 13
    assert sum(len(v) for v in criteria.values()) == 65


def test_every_criterion_of_the_referential_is_measured() -> None:
    covered = {(r["competency"], r["criterion"]) for r in _rules()}
    expected = {(code, i + 1) for code, texts in _criteria().items() for i in range(len(texts))}
    assert expected - covered == set()
    assert covered - expected == set(), "a rule points at a criterion the referential lacks"


def test_one_rule_file_per_competency_plus_everyday_behaviours() -> None:
    files = _rule_files()
    assert "comportements.yaml" in files
    by_competency = {doc.get("competency"): name for name, doc in files.items() if name != "comportements.yaml"}
    assert set(by_competency) == set(_criteria())
    everyday = {r["check"] for r in files["comportements.yaml"]["rules"]}
    for column in ("identity_verified", "introduction_done", "request_analysed", "understanding_checked",
                   "agreement_asked", "key_points_recapped", "crm_updated", "transfer_done",
                   "conclusion_done", "satisfaction_confirmed"):
        assert column in everyday


def test_rule_ids_are_unique_and_stable_looking() -> None:
    ids = [r["id"] for r in _rules()]
    assert len(ids) == len(set(ids))
    for rule in _rules():
        prefix = rule["id"].split(".")[0]
        assert prefix == "gen" if rule["file"] == "comportements.yaml" else prefix == rule["competency"].lower(), rule["id"]


def test_every_rule_has_french_and_english_labels() -> None:
    for rule in _rules():
        label = rule.get("label") or {}
        assert label.get("fr", "").strip() and label.get("en", "").strip(), rule["id"]
        assert label["fr"] != label["en"], rule["id"]


def test_identity_before_disclosure_is_fatal() -> None:
    fatal = [r for r in _rules() if r.get("fatal")]
    assert [r["id"] for r in fatal] == ["gen.identity_before_disclosure"]
    rule = fatal[0]
    assert rule["when"] == "account_data_disclosed" and rule["check"] == "identity_verified"


def test_critical_rules_cover_distance_selling_and_data_protection() -> None:
    critical = {r["id"]: r for r in _rules() if r.get("critical")}
    distance_selling = {i for i, r in critical.items() if (r["competency"], r["criterion"]) == ("CP7", 5)}
    assert {"cp7.withdrawal_right", "cp7.legal_mentions", "cp7.consent_recorded"} <= distance_selling
    assert {"ct4.gdpr_notice", "ct4.card_number_protected", "gen.identity_before_disclosure"} <= set(critical)
    # every (CP7, 5) rule is critical: the criterion is regulation
    assert all(r.get("critical") for r in _rules() if (r["competency"], r["criterion"]) == ("CP7", 5))


def test_score_rules_are_scaled_and_have_a_pass_mark() -> None:
    scored = [r for r in _rules() if "score" in r]
    assert len(scored) >= 5
    con = duckdb.connect()
    for rule in scored:
        assert 0 < rule["pass_mark"] <= 1, rule["id"]
        assert "greatest(" not in rule["score"].lower(), f"{rule['id']}: greatest() turns a blank into 0"
    # the 1..5 ratings map 1 -> 0, 5 -> 1, and 4 passes while 3 fails
    rating = con.execute("SELECT (5 - 1) / 4.0, (1 - 1) / 4.0").fetchone()
    assert rating == (1.0, 0.0)
    oral = next(r for r in scored if r["id"] == "ct1.oral_rules")
    assert (4 - 1) / 4.0 >= oral["pass_mark"] > (3 - 1) / 4.0


def test_fatal_critical_and_score_rules_show_pass_fail_and_na_examples() -> None:
    for rule in _rules():
        if rule.get("fatal") or rule.get("critical") or "score" in rule or rule.get("when"):
            expects = {e["expect"] for e in rule.get("examples", [])}
            assert expects == {"pass", "fail", "na"}, rule["id"]


def test_examples_give_raw_csv_text() -> None:
    for rule in _rules():
        for example in rule.get("examples", []):
            for column, value in example["record"].items():
                assert isinstance(value, str), f"{rule['id']}: {column} should be written as CSV text"


def test_competency_files_are_scoped_to_their_activity() -> None:
    con = _contacts()
    for name, doc in _rule_files().items():
        code = doc.get("competency")
        if code in CP_ACTIVITIES:
            assert doc.get("when"), name
            assert _where(con, doc["when"], "activity") == CP_ACTIVITIES[code], name


def test_written_quality_rules_apply_to_written_channels_only() -> None:
    con = _contacts()
    criteria = _criteria()
    written_rules = [r for r in _rules()
                     if "orthographiques" in criteria[r["competency"]][r["criterion"] - 1]
                     or "rédactionnel" in criteria[r["competency"]][r["criterion"] - 1]]
    assert len(written_rules) == 8  # CP3 7-8, CP8 6-7, CP9 6-7, CT1 2-3
    for rule in written_rules:
        assert _where(con, rule["when_all"], "channel") == WRITTEN, rule["id"]
    # every activity gets its written quality measured by exactly one spelling rule
    spelling = {r["id"]: _applies(con, r["when_all"]) for r in written_rules
                if "spelling_errors" in _read_columns(r["score"])}
    for pair in itertools.product(ACTIVITIES, sorted(WRITTEN)):
        assert len([i for i, pairs in spelling.items() if pair in pairs]) == 1, pair


def test_oral_rules_apply_to_calls_only() -> None:
    con = _contacts()
    oral = next(r for r in _rules() if r["id"] == "ct1.oral_rules")
    assert _where(con, oral["when_all"], "channel") == {"phone"}


def test_no_answer_is_scored_twice_in_one_evaluation() -> None:
    """The REAC repeats criteria across competencies; one observation feeds one rule per contact."""
    con = _contacts()
    rules = _rules()
    reads = {r["id"]: _read_columns(r.get("check") or r["score"]) - {"duration_s"} for r in rules}
    where = {r["id"]: _applies(con, r["when_all"]) for r in rules}
    for pair in itertools.product(ACTIVITIES, CHANNELS):
        seen: dict[str, str] = {}
        for rule in (r for r in rules if pair in where[r["id"]]):
            for column in reads[rule["id"]]:
                assert column not in seen, f"{pair}: {column} scored by {seen[column]} and {rule['id']}"
                seen[column] = rule["id"]


def test_every_column_a_rule_reads_is_declared_or_canonical() -> None:
    declared = set(_settings()["columns"])
    canonical = {"activity", "channel", "direction", "duration_s"}
    used: set[str] = set()
    for rule in _rules():
        for text in (rule.get("check"), rule.get("score"), rule.get("when"), rule.get("file_when")):
            if text:
                used |= _read_columns(text)
    assert used - declared - canonical == set()
    assert declared - used == set(), "declared columns no rule reads"


def test_settings_follow_the_brief() -> None:
    settings = _settings()
    assert settings["name"] == "crcd" and settings["version"] == "2026.1"
    assert settings["referential"] == "reac_crcd_2015"
    assert settings["scoring"] == {"evaluation": "points", "aggregate": "mean", "na": "exclude"}
    assert settings["mastery"] == {"acquired": 80, "developing": 60, "min_evaluations": 5}
    assert set(settings["columns"].values()) <= {"boolean", "integer", "number", "text", "timestamp"}


# ---- the project's own loader and CLI over the same folder ----------------------------------

def test_the_loader_accepts_the_ruleset_and_finds_no_uncovered_criterion() -> None:
    from scorecard.rules import load_ruleset

    ruleset = load_ruleset(RULES)
    assert len(ruleset.rules) == len(_rules())
    assert ruleset.uncovered_criteria() == []
    assert {r.id for r in ruleset.rules if r.fatal} == {"gen.identity_before_disclosure"}


def test_rules_check_cli_passes_with_65_of_65() -> None:
    done = subprocess.run([sys.executable, "-m", "scorecard", "rules", "check", str(RULES)],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout + done.stderr
    assert "65/65" in out
    n_examples = sum(len(r.get("examples", [])) for r in _rules())
    assert f"{n_examples}/{n_examples}" in out, "every example of the ruleset passes"
