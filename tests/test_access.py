"""The access layer: users store, scope enforcement, scoped figures, feedback, hardening.

Expected numbers are worked out by hand from the ten evaluations of ``tiny_db`` (see
test_dashboard_data.TINY_EVALUATIONS); the Wilson interval is recomputed here from its
textbook formula.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from test_dashboard_data import sample_copy, score_second_version, tiny_copy

from scorecard import access
from scorecard.access import QueryTimeout, Scope, data
from scorecard.errors import ScopeError, UserError
from scorecard.scoring import rule_outcomes_sql, stored_ruleset
from scorecard.store import open_db

Z = 1.959964
ALICE = Scope("alice", "agent", agent_id="A1")
BRUNO = Scope("bruno", "agent", agent_id="A2")
BERNARD = Scope("bernard", "agent", agent_id="B1")
NORD = Scope("nord", "team_leader", teams=("Nord",))
SUD = Scope("sud", "team_leader", teams=("Sud",))
QM = Scope("qm", "quality_manager")


def wilson(k: int, n: int) -> tuple[float, float]:
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return 100 * (centre - half), 100 * (centre + half)


@pytest.fixture
def tiny_db(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    return tiny_copy(tmp_path_factory, tmp_path)


@pytest.fixture
def db(tiny_db: Path):
    handle = access.open_dashboard_db(tiny_db)
    yield handle
    handle.close()


def window(db: access.DashboardDb, p_from: str | None = None, p_to: str | None = None,
           teams: tuple[str, ...] | None = None) -> data.Window:
    return data.Window(data.rulesets(db.con, QM)[0], p_from, p_to, teams)


# ----------------------------------------------------------------------------- users
def test_users_store_hashes_with_argon2_and_verifies(tmp_path: Path) -> None:
    con = open_db(tmp_path / "u.duckdb")
    access.add_user(con, "marie", "correct horse", "team_leader", teams=("Nord", "Sud"))
    stored = con.execute("SELECT password_hash FROM users WHERE username = 'marie'").fetchone()[0]
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert access.verify_password(con, "marie", "correct horse") == Scope("marie", "team_leader", teams=("Nord", "Sud"))
    assert access.verify_password(con, "marie", "wrong password") is None
    assert access.verify_password(con, "nobody", "correct horse") is None
    access.add_user(con, "marie", "new password", "quality_manager")  # update replaces role and password
    assert access.verify_password(con, "marie", "correct horse") is None
    assert access.verify_password(con, "marie", "new password").role == "quality_manager"
    rows = access.list_users(con)
    assert [(r.username, r.role, r.agent_id, r.teams) for r in rows] == [("marie", "quality_manager", "", "")]
    access.remove_user(con, "marie")
    assert access.list_users(con) == []
    with pytest.raises(UserError):
        access.remove_user(con, "marie")


@pytest.mark.parametrize("args, fragment", [
    (("bad name", "password1", "agent"), "invalid username"),
    (("x", "short", "quality_manager"), "too short"),
    (("x", "password1", "admin"), "unknown role"),
    (("x", "password1", "agent"), "agent id"),
    (("x", "password1", "team_leader"), "team"),
])
def test_add_user_refuses_inconsistent_accounts(tmp_path: Path, args: tuple, fragment: str) -> None:
    con = open_db(tmp_path / "u.duckdb")
    with pytest.raises(UserError, match=fragment):
        access.add_user(con, *args)
    with pytest.raises(UserError):
        access.add_user(con, "y", "password1", "quality_manager", agent_id="A1")


def test_demo_users_pick_a_real_agent_in_a_team_of_three(tiny_db: Path) -> None:
    con = open_db(tiny_db)
    logins = access.create_demo_users(con)
    by_role = {role: (user, password, desc) for user, password, role, desc in logins}
    # Nord has three agents, Sud one: the agent is from Nord, the busiest there (A1: 4 counted)
    assert access.verify_password(con, *by_role["agent"][:2]) == Scope("conseiller", "agent", agent_id="A1")
    assert access.verify_password(con, *by_role["team_leader"][:2]).teams == ("Nord",)
    assert access.verify_password(con, *by_role["quality_manager"][:2]).role == "quality_manager"


def test_dashboard_command_serves_the_app_on_the_database(tmp_path: Path) -> None:
    cmd = access.dashboard_command(tmp_path / "x.duckdb", port=8123, host="0.0.0.0")
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4].endswith("dashboard/app.py")
    assert {"--server.headless=true", "--server.address=0.0.0.0", "--server.port=8123"} <= set(cmd)
    assert cmd[-2:] == ["--", f"--db={(tmp_path / 'x.duckdb').resolve()}"]
    assert access.db_path_from_argv(cmd[cmd.index("--") + 1:], {}) == (tmp_path / "x.duckdb").resolve()


# ----------------------------------------------------------------------------- hardening
def test_dashboard_connection_reads_only_its_upload_folder(db: access.DashboardDb, tmp_path: Path) -> None:
    outside = tmp_path / "outside.csv"
    outside.write_text("a\n1\n")
    inside = db.upload_dir / "inside.csv"
    inside.write_text("a\n2\n")
    with pytest.raises(duckdb.Error, match="(?i)permission|access"):
        db.con.execute(f"SELECT * FROM read_csv('{outside}')").fetchall()
    assert db.con.execute(f"SELECT * FROM read_csv('{inside}')").fetchall() == [(2,)]
    with pytest.raises(duckdb.Error):
        db.con.execute(f"COPY (SELECT 1) TO '{tmp_path / 'leak.csv'}'")
    with pytest.raises(duckdb.Error, match="(?i)lock|configuration"):
        db.con.execute("SET enable_external_access = true")


def test_long_queries_are_interrupted_with_a_clear_message(db: access.DashboardDb) -> None:
    tables = ", ".join(f"s_scores t{i}" for i in range(9))  # 11^9 rows: minutes of work
    heavy = f"SELECT sum(t0.score_den * t8.score_num + t4.n_pass) AS n FROM {tables}"
    with pytest.raises(QueryTimeout, match="s and was stopped"):
        data.run(db.con, QM, heavy, rid=1, timeout_s=0.2)
    assert data.run(db.con, QM, "SELECT count(*) AS n FROM s_scores", rid=1)["n"].iloc[0] == 11


# ----------------------------------------------------------------------------- scope enforcement
@pytest.mark.parametrize("sql", [
    "SELECT * FROM evaluation_scores",
    "SELECT * FROM s_scores UNION ALL SELECT * FROM evaluation_scores",
    "SELECT * FROM s_scores WHERE agent_id IN (SELECT agent_id FROM evaluations)",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM main.s_scores",
    "SELECT * FROM x_competency",
])
def test_page_queries_cannot_name_unscoped_tables(db: access.DashboardDb, sql: str) -> None:
    with pytest.raises(ScopeError):
        data.run(db.con, QM, sql, rid=1)


def test_whole_centre_relations_do_not_exist_for_agents_and_team_leaders(db: access.DashboardDb) -> None:
    for scope in (ALICE, NORD):
        for fn in (lambda s: data.imports_log(db.con, s), lambda s: data.rejects_table(db.con, s),
                   lambda s: data.evaluator_reliability(db.con, s, 1), lambda s: data.evaluators(db.con, s, window(db)),
                   lambda s: data.centre_breakdown(db.con, s, window(db)),
                   lambda s: data.score_distribution(db.con, s, window(db))):
            with pytest.raises(ScopeError):
                fn(scope)
    with pytest.raises(ScopeError, match="reserved"):
        data.run(db.con, ALICE, "SELECT * FROM s_scores WHERE agent_id = $scope_agent", {"scope_agent": "A2"}, rid=1)


def _every_read(db: access.DashboardDb, scope: Scope, agent: str, evaluation: str) -> dict[str, pd.DataFrame]:
    """Every scoped read a page can make, asked for another agent's id where it takes one."""
    w, rid = window(db), 1
    return {
        "agents_in_scope": data.agents_in_scope(db.con, scope, w),
        "agent_monthly": data.agent_monthly(db.con, scope, w, agent),
        "agent_competencies": data.agent_competencies(db.con, scope, w, agent),
        "agent_evaluations": data.agent_evaluations(db.con, scope, w, agent),
        "evaluation_header": data.evaluation_header(db.con, scope, rid, evaluation),
        "evaluation_lines": data.evaluation_lines(db.con, scope, rid, evaluation),
        "evaluation_feedback": data.evaluation_feedback(db.con, scope, rid, evaluation),
        "team_agents": data.team_agents(db.con, scope, w),
        "team_heatmap": data.team_heatmap(db.con, scope, w),
        "competency_trends": data.competency_trends(db.con, scope, w, agent),
        "weakest_criteria": data.weakest_criteria(db.con, scope, w),
        "disputes": data.disputes(db.con, scope, rid, open_only=False),
        "centre_monthly": data.centre_monthly(db.con, scope, w),
        "evaluation_scores_table": data.evaluation_scores_table(db.con, scope, w, agent),
        "evaluation_scores_all": data.evaluation_scores_table(db.con, scope, w),
        "agent_scorecards": data.agent_scorecards(db.con, scope, w),
        "competency_scores": data.competency_scores(db.con, scope, w),
        "coaching_notes": data.coaching_notes(db.con, scope, rid, agent),
    }


def _ids_in(frames: dict[str, pd.DataFrame], column: str) -> set[str]:
    return {str(v) for f in frames.values() if column in f for v in f[column].dropna()}


def test_an_agent_gets_only_their_own_rows_whatever_id_they_ask_for(db: access.DashboardDb) -> None:
    access.dispute(db.con, BRUNO, 1, "e5", "je conteste")  # a colleague's dispute exists
    frames = _every_read(db, ALICE, agent="A2", evaluation="e5")
    assert _ids_in(frames, "agent_id") <= {"A1"}
    assert all(f.empty for name, f in frames.items() if name in (
        "agent_monthly", "agent_competencies", "agent_evaluations", "evaluation_header", "evaluation_lines",
        "evaluation_feedback", "competency_trends", "evaluation_scores_table", "disputes", "coaching_notes"))
    names = {str(v) for f in frames.values() for col in ("agent_name",) if col in f for v in f[col].dropna()}
    assert names <= {"Alice Martin"}
    # the same reads for her own id: rows, all hers, calibration e11 never among them
    own = _every_read(db, ALICE, agent="A1", evaluation="e1")
    assert set(own["agent_evaluations"]["evaluation_id"]) == {"e1", "e2", "e3", "e4"}
    assert set(own["evaluation_scores_all"]["evaluation_id"]) == {"e1", "e2", "e3", "e4"}
    assert len(own["evaluation_lines"]) == 3


def test_a_team_leader_sees_only_their_teams(db: access.DashboardDb) -> None:
    frames = _every_read(db, SUD, agent="A1", evaluation="e1")
    assert _ids_in(frames, "agent_id") <= {"B1"}
    assert frames["evaluation_header"].empty and frames["evaluation_lines"].empty
    assert set(frames["team_agents"]["agent_id"]) == {"B1"}
    nord = _every_read(db, NORD, agent="B1", evaluation="e10")
    assert _ids_in(nord, "agent_id") <= {"A1", "A2", "A3"}
    assert set(nord["team_agents"]["agent_id"]) == {"A1", "A2", "A3"}
    assert set(nord["evaluation_scores_all"]["evaluation_id"]) == {f"e{i}" for i in range(1, 10)}
    # a team filter asking for a team outside the scope adds nothing
    w = window(db, teams=("Sud",))
    assert data.team_agents(db.con, NORD, w).empty


def test_team_membership_follows_the_month(db: access.DashboardDb) -> None:
    db.con.execute("UPDATE evaluation_scores SET team = 'Sud' WHERE evaluation_id = 'e9'")  # A3 moves in February
    access.refresh_derived(db.con, force=True)
    feb = window(db, "2026-02", "2026-02")
    assert set(data.team_agents(db.con, SUD, feb)["agent_id"]) == {"A3"}
    assert "A3" not in set(data.team_agents(db.con, NORD, feb)["agent_id"])
    assert "A3" in set(data.team_agents(db.con, NORD, window(db, "2026-01", "2026-01"))["agent_id"])


# ----------------------------------------------------------------------------- figures
def test_agent_monthly_figures_and_team_median(db: access.DashboardDb) -> None:
    monthly = data.agent_monthly(db.con, ALICE, window(db), "A1").set_index("period")
    # Jan: e1 100, e2 45 -> 72.5; critical (answer, weight 2): (2*1 + 2*0) / 4 = 50
    # Feb: e3 0 (fatal), e4 100 -> 50; critical (2 + 2) / 4 = 100; one fatal
    assert monthly.loc["2026-01", "quality_score"] == pytest.approx(72.5)
    assert monthly.loc["2026-02", "quality_score"] == pytest.approx(50.0)
    assert monthly.loc["2026-01", "critical_score"] == pytest.approx(50.0)
    assert monthly.loc["2026-02", "critical_score"] == pytest.approx(100.0)
    assert list(monthly["n_fatal"]) == [0, 1]
    # Nord medians: Jan {72.5, (85+50)/2 = 67.5, 95} -> 72.5; Feb {50, 100, 30} -> 50
    assert list(monthly["team_median"]) == pytest.approx([72.5, 50.0])
    # Sud has one agent: no median, it would be his own score
    assert data.agent_monthly(db.con, BERNARD, window(db), "B1")["team_median"].isna().all()


def test_agent_competencies_with_interval_and_mastery(db: access.DashboardDb) -> None:
    comps = data.agent_competencies(db.con, ALICE, window(db), "A1").set_index("competency")
    # CP4: identity (w1) 1,1,0,1 and answer (w2) 1,0,1,1 -> (3 + 2*3) / (4 + 2*4) = 75; 6/8 passed
    cp4 = comps.loc["CP4"]
    assert cp4["score"] == pytest.approx(75.0) and cp4["pass_rate"] == pytest.approx(75.0)
    assert (cp4["ci_low"], cp4["ci_high"]) == pytest.approx(wilson(6, 8))
    assert cp4["n_evaluations"] == 4 and cp4["mastery"] == "developing"
    # CT1: courtesy 1.0, 0.8, 0.6 (e4 n/a) -> 80, all passed (pass mark 0.6), 3 evaluations -> acquired
    ct1 = comps.loc["CT1"]
    assert ct1["score"] == pytest.approx(80.0) and ct1["pass_rate"] == pytest.approx(100.0)
    assert (ct1["ci_low"], ct1["ci_high"]) == pytest.approx(wilson(3, 3))
    assert ct1["mastery"] == "acquired"
    jan = data.agent_competencies(db.con, ALICE, window(db, "2026-01", "2026-01"), "A1").set_index("competency")
    # January only, CP4: identity 1,1 and answer 1,0 -> (2 + 2*1) / (2 + 4) = 66.7 -> developing (>= 60)
    assert jan.loc["CP4", "score"] == pytest.approx(400 / 6)
    assert jan.loc["CP4", "n_evaluations"] == 2 and jan.loc["CP4", "mastery"] == "developing"


def test_weakest_criteria_of_a_team(db: access.DashboardDb) -> None:
    weak = data.weakest_criteria(db.con, NORD, window(db))
    # answer 6/9, courtesy 6/8 (A2 e5 0.4 and A3 e9 0.2 fail), identity 8/9
    assert list(zip(weak["competency"], weak["criterion"])) == [("CP4", 3), ("CT1", 1), ("CP4", 1)]
    assert list(weak["pass_rate"]) == pytest.approx([100 * 6 / 9, 75.0, 100 * 8 / 9])
    assert list(weak["n_outcomes"]) == [9, 8, 9]


def test_evaluation_lines_explain_the_score(db: access.DashboardDb) -> None:
    lines = data.evaluation_lines(db.con, ALICE, 1, "e3").set_index("rule_id")
    assert lines.loc["tiny.identity", "outcome"] == "fail" and bool(lines.loc["tiny.identity", "fatal"])
    assert "identité non vérifiée" in lines.loc["tiny.identity", "comment"]
    assert lines.loc["tiny.answer", "outcome"] == "pass" and lines.loc["tiny.answer", "weight"] == 2
    assert lines.loc["tiny.courtesy", "value"] == pytest.approx(0.6)
    assert (lines.loc["tiny.identity", "competency"], lines.loc["tiny.identity", "criterion"]) == ("CP4", 1)
    head = data.evaluation_header(db.con, ALICE, 1, "e3").iloc[0]
    assert head["score"] == 0 and head["score_before_fatal"] == pytest.approx(65.0) and bool(head["fatal_failed"])


def test_evaluation_lines_match_the_engines_rule_outcomes(tmp_path_factory: pytest.TempPathFactory,
                                                           tmp_path: Path) -> None:
    """The page's unpivoted outcomes equal scorecard.scoring.rule_outcomes_sql, rule by rule,
    on the sample centre (76 rules, comments, fatal and n/a outcomes)."""
    path, _ = sample_copy(tmp_path_factory, tmp_path)
    con = open_db(path, read_only=True)
    chosen = [r[0] for r in con.execute(
        """SELECT evaluation_id FROM evaluations WHERE NOT is_calibration
           ORDER BY (identity_verified__comment IS NOT NULL) DESC, evaluation_id LIMIT 25""").fetchall()]
    chosen += [r[0] for r in con.execute(
        "SELECT evaluation_id FROM evaluation_scores WHERE fatal_failed AND NOT is_calibration LIMIT 5").fetchall()]
    chosen = list(dict.fromkeys(chosen))
    ids = ", ".join(f"'{e}'" for e in chosen)
    engine = con.execute(
        f"SELECT evaluation_id, rule_id, outcome, value, comment FROM ({rule_outcomes_sql(con, stored_ruleset(con, 1), f'evaluation_id IN ({ids})')})"
    ).df().set_index(["evaluation_id", "rule_id"]).sort_index()
    con.close()
    handle = access.open_dashboard_db(path)
    try:
        mine = pd.concat([data.evaluation_lines(handle.con, QM, 1, e).assign(evaluation_id=e) for e in chosen])
    finally:
        handle.close()
    mine = mine.set_index(["evaluation_id", "rule_id"])[["outcome", "value", "comment"]].sort_index()
    assert len(mine) == len(engine) == len(chosen) * 76
    assert (mine["outcome"] == engine["outcome"]).all()
    assert mine["value"].fillna(-1).to_numpy() == pytest.approx(engine["value"].fillna(-1).to_numpy())
    assert (mine["comment"].fillna("") == engine["comment"].fillna("")).all()
    assert mine["comment"].notna().sum() > 0 and (mine["outcome"] == "na").sum() > 0


def test_centre_overview_and_distribution(db: access.DashboardDb) -> None:
    w = window(db)
    kpi = data.centre_kpis(db.con, QM, w).iloc[0]
    # ten counted scores: (100+45+0+100+85+50+100+95+30+100) / 10 = 70.5
    assert kpi["quality_score"] == pytest.approx(70.5) and kpi["n_evaluations"] == 10 and kpi["n_agents"] == 4
    teams = data.centre_breakdown(db.con, QM, w).query("dimension == 'team'").set_index("value")
    assert teams.loc["Nord", "quality_score"] == pytest.approx(605 / 9) and teams.loc["Sud", "n_evaluations"] == 1
    dist = data.score_distribution(db.con, QM, w).set_index("bin_start")["n_evaluations"].to_dict()
    assert dist == {0: 1, 30: 1, 45: 1, 50: 1, 85: 1, 95: 5}
    # E1 scored e1, e3, e5, e6, e9, e10 (100, 0, 85, 50, 30, 100: mean 60.83, one fatal, 4 agents);
    # E2 scored e2, e4, e7, e8 (45, 100, 100, 95: mean 85); E3's e11 is calibration
    ev = data.evaluators(db.con, QM, w).set_index("evaluator_id")
    assert list(ev.index) == ["E1", "E2"]
    assert ev.loc["E1", "mean_score"] == pytest.approx(365 / 6) and ev.loc["E1", "n_agents"] == 4
    assert ev.loc["E1", "fatal_rate"] == pytest.approx(100 / 6) and ev.loc["E2", "mean_score"] == pytest.approx(85.0)
    assert (ev.loc["E2", "n_evaluations"], ev.loc["E2", "n_agents"]) == (4, 3)


def test_two_ruleset_versions_side_by_side(tiny_db: Path, tmp_path: Path) -> None:
    score_second_version(tiny_db, tmp_path / "v2")
    handle = access.open_dashboard_db(tiny_db)
    try:
        versions = {r.version: r for r in data.rulesets(handle.con, QM)}
        assert list(versions) == ["2", "1"]  # the current one first
        result = data.compare_rulesets(handle.con, QM, data.Window(versions["1"]), versions["2"])
        overall = result["overall"].iloc[0]
        # v1 mean 70.5; v2 (identity 1, answer 1): 100,50,0,100,100,50,100,100,50,100 -> 75
        assert overall["mean_a"] == pytest.approx(70.5) and overall["mean_b"] == pytest.approx(75.0)
        assert overall["mean_delta"] == pytest.approx(4.5) and overall["n_changed"] == 4  # e2, e5, e8, e9
        assert (overall["fatal_a"], overall["fatal_b"], overall["n_evaluations"]) == (1, 1, 10)
        changes = result["rules"].set_index("rule_id")["change"].to_dict()
        assert changes == {"tiny.answer": "changed", "tiny.courtesy": "removed", "tiny.identity": "same"}
        comp = result["by_competency"].set_index("competency")
        # courtesy in v1 over the ten counted evaluations (e4 n/a): 1+.8+.6+.4+1+1+.8+.2+1 = 6.8 over 9
        assert pd.isna(comp.loc["CT1", "score_b"]) and comp.loc["CT1", "score_a"] == pytest.approx(100 * 6.8 / 9)
        with pytest.raises(ScopeError):
            data.compare_rulesets(handle.con, NORD, data.Window(versions["1"]), versions["2"])
    finally:
        handle.close()


# ----------------------------------------------------------------------------- feedback
def test_acknowledge_and_dispute_are_stored_with_time_for_the_team_leader(db: access.DashboardDb) -> None:
    assert access.acknowledge(db.con, ALICE, 1, "e1") is not None
    assert access.acknowledge(db.con, ALICE, 1, "e1") is None  # once
    with pytest.raises(UserError, match="required"):
        access.dispute(db.con, ALICE, 1, "e2", "   ")
    access.dispute(db.con, ALICE, 1, "e2", "La courtoisie était bonne")
    with pytest.raises(UserError, match="already open"):
        access.dispute(db.con, ALICE, 1, "e2", "encore")
    with pytest.raises(ScopeError):
        access.acknowledge(db.con, ALICE, 1, "e5")  # Bruno's evaluation
    with pytest.raises(ScopeError):
        access.dispute(db.con, NORD, 1, "e2", "team leaders do not dispute")
    seen = data.disputes(db.con, NORD, 1)
    assert list(seen["evaluation_id"]) == ["e2"] and seen["created_at"].notna().all()
    assert data.disputes(db.con, SUD, 1).empty
    state = data.agent_evaluations(db.con, NORD, window(db), "A1").set_index("evaluation_id")
    assert pd.notna(state.loc["e1", "acknowledged_at"]) and state.loc["e2", "dispute_status"] == "open"


def test_accepted_dispute_excludes_the_evaluation_from_every_figure(db: access.DashboardDb) -> None:
    access.dispute(db.con, ALICE, 1, "e2", "contestation")
    fid = int(data.disputes(db.con, NORD, 1)["feedback_id"].iloc[0])
    with pytest.raises(ScopeError):
        access.answer_dispute(db.con, SUD, 1, fid, accept=True, reply=None, resolution="excluded")
    with pytest.raises(ScopeError):
        access.answer_dispute(db.con, ALICE, 1, fid, accept=True, reply=None, resolution="excluded")
    with pytest.raises(UserError, match="reply"):
        access.answer_dispute(db.con, NORD, 1, fid, accept=False, reply="")
    access.answer_dispute(db.con, NORD, 1, fid, accept=True, reply="Vous avez raison", resolution="excluded")
    with pytest.raises(UserError, match="already answered"):
        access.answer_dispute(db.con, NORD, 1, fid, accept=False, reply="non")
    monthly = data.agent_monthly(db.con, ALICE, window(db), "A1").set_index("period")
    assert monthly.loc["2026-01", "quality_score"] == pytest.approx(100.0)  # e1 only
    assert monthly.loc["2026-01", "critical_score"] == pytest.approx(100.0)
    comps = data.agent_competencies(db.con, ALICE, window(db), "A1").set_index("competency")
    # CP4 without e2 (identity 1, answer 0): (3-1 + 2*(3-0)) / (12-3) = 8/9; CT1 without 0.8: 1.6/2
    assert comps.loc["CP4", "score"] == pytest.approx(800 / 9) and comps.loc["CP4", "n_evaluations"] == 3
    assert comps.loc["CT1", "score"] == pytest.approx(80.0) and comps.loc["CT1", "n_outcomes"] == 2
    evals = data.agent_evaluations(db.con, ALICE, window(db), "A1").set_index("evaluation_id")
    assert bool(evals.loc["e2", "excluded"]) and evals.loc["e2", "dispute_status"] == "accepted"
    assert data.centre_kpis(db.con, QM, window(db)).iloc[0]["n_evaluations"] == 9
    teams = data.centre_breakdown(db.con, QM, window(db)).query("dimension == 'team'").set_index("value")
    assert teams.loc["Nord", "n_evaluations"] == 8 and teams.loc["Nord", "quality_score"] == pytest.approx(560 / 8)


def test_incremental_refresh_after_an_exclusion_equals_a_full_rebuild(db: access.DashboardDb) -> None:
    from scorecard.access._derived import DERIVED_TABLES

    def snapshot() -> dict[str, list[tuple]]:
        return {t: sorted(map(repr, db.con.execute(f"SELECT * EXCLUDE (refreshed_at) FROM {t}" if t == "access_state"
                                                    else f"SELECT * FROM {t}").fetchall()))
                for t in DERIVED_TABLES}

    for evaluation_id, reason in (("e2", "un"), ("e6", "deux"), ("e10", "trois")):
        agent = {"e2": ALICE, "e6": BRUNO, "e10": BERNARD}[evaluation_id]
        leader = SUD if evaluation_id == "e10" else NORD
        access.dispute(db.con, agent, 1, evaluation_id, reason)
        fid = int(data.disputes(db.con, leader, 1)["feedback_id"].iloc[0])
        access.answer_dispute(db.con, leader, 1, fid, accept=True, reply=None, resolution="excluded")
        incremental = snapshot()
        access.refresh_derived(db.con, force=True)
        assert snapshot() == incremental, evaluation_id


def test_rejected_dispute_keeps_the_figures_and_shows_the_reply(db: access.DashboardDb) -> None:
    access.dispute(db.con, ALICE, 1, "e2", "contestation")
    fid = int(data.disputes(db.con, NORD, 1)["feedback_id"].iloc[0])
    access.answer_dispute(db.con, NORD, 1, fid, accept=False, reply="La grille s'applique")
    history = data.evaluation_feedback(db.con, ALICE, 1, "e2")
    assert list(history["status"]) == ["rejected"] and history["reply"].iloc[0] == "La grille s'applique"
    assert data.agent_monthly(db.con, ALICE, window(db), "A1")["quality_score"].iloc[0] == pytest.approx(72.5)


def test_coaching_notes_stay_with_team_leaders(db: access.DashboardDb) -> None:
    access.add_coaching_note(db.con, NORD, 1, "A1", "Travailler la reformulation", "2026-02")
    with pytest.raises(ScopeError):
        access.add_coaching_note(db.con, SUD, 1, "A1", "hors périmètre")
    with pytest.raises(ScopeError):
        access.add_coaching_note(db.con, ALICE, 1, "A1", "moi-même")
    assert list(data.coaching_notes(db.con, NORD, 1, "A1")["note"]) == ["Travailler la reformulation"]
    assert data.coaching_notes(db.con, SUD, 1, "A1").empty
    assert data.coaching_notes(db.con, ALICE, 1, "A1").empty


def test_hiding_evaluator_names_from_agents(db: access.DashboardDb) -> None:
    with pytest.raises(ScopeError):
        access.set_hide_evaluators(db.con, NORD, True)
    access.set_hide_evaluators(db.con, QM, True)
    assert access.evaluators_hidden(db.con, ALICE)
    assert data.evaluation_header(db.con, ALICE, 1, "e1")["evaluator_id"].isna().all()
    assert data.agent_evaluations(db.con, ALICE, window(db), "A1")["evaluator_id"].isna().all()
    assert data.evaluation_header(db.con, NORD, 1, "e1")["evaluator_id"].iloc[0] == "E1"
    access.set_hide_evaluators(db.con, QM, False)
    assert data.evaluation_header(db.con, ALICE, 1, "e1")["evaluator_id"].iloc[0] == "E1"


# ----------------------------------------------------------------------------- exports, imports
def test_exports_neutralise_formulas(db: access.DashboardDb) -> None:
    lines = data.evaluation_lines(db.con, ALICE, 1, "e3")
    text = access.export_bytes(lines, "csv").decode("utf-8")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    back = pd.read_excel(io.BytesIO(access.export_bytes(lines, "xlsx")))
    assert back.loc[back["rule_id"] == "tiny.identity", "comment"].iloc[0].startswith("'=HYPERLINK")
    assert access.export_name("évaluations A1/..", "csv") == "scorecard_valuations_a1.csv"


def test_import_upload_through_the_hardened_connection(db: access.DashboardDb, tmp_path: Path) -> None:
    csv = ("evaluation_id;interaction_id;agent_id;interaction_at;team;identity_verified;answer_appropriate;"
           "courtesy_rating;comment\ne20;c20;A2;05/03/2026 10:00;Nord;oui;non;4;Très bien, l’accueil\n"
           "e21;c21;A2;pas une date;Nord;oui;oui;5;\n")
    with pytest.raises(ScopeError):
        access.import_uploads(db.con, NORD, db.upload_dir, [("f.csv", csv.encode())])
    outcome = access.import_uploads(db.con, QM, db.upload_dir, [("mars.csv", csv.encode("cp1252"))])
    assert outcome.report.total("new") == 1 and outcome.report.total("rejected") == 1
    assert outcome.scoring is not None and outcome.scoring_error is None
    march = data.agent_monthly(db.con, QM, window(db), "A2").set_index("period")
    assert march.loc["2026-03", "quality_score"] == pytest.approx((1 + 0 + 0.8) / 4 * 100)
    assert data.rejects_table(db.con, QM)["line"].tolist() == [3]
    assert list(db.upload_dir.iterdir()) == []  # uploads are removed after the import
    with pytest.raises(UserError, match="CSV or XLSX"):
        access.import_uploads(db.con, QM, db.upload_dir, [("evil.sh", b"x")])
