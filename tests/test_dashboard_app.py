"""The Streamlit app through AppTest: sign-in, every page of every role, scope through the UI.

The app runs in this process on a real DuckDB file; its connection is a cached resource, so
each test clears Streamlit's caches (which closes the connection) before reopening the
file to check what the app wrote.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest
from test_dashboard_data import PASSWORDS, REPO, sample_copy, score_second_version, tiny_copy

from scorecard import access
from scorecard.store import open_db

APP = str(REPO / "dashboard" / "app.py")
PAGES = {
    "agent": ["views/progression.py"],
    "team_leader": ["views/team.py", "views/agent.py", "views/trends.py", "views/disputes.py"],
    "quality_manager": ["views/centre.py", "views/import.py", "views/rules.py", "views/evaluators.py",
                        "views/exports.py", "views/team.py", "views/agent.py", "views/trends.py", "views/disputes.py"],
}
TITLES = {
    "views/progression.py": ("Ma progression", "My progress"), "views/team.py": ("Vue d'équipe", "Team overview"),
    "views/agent.py": ("Fiche conseiller", "Agent scorecard"), "views/trends.py": ("Tendances", "Trends"),
    "views/disputes.py": ("Contestations", "Disputes"), "views/centre.py": ("Vue du centre", "Centre overview"),
    "views/import.py": ("Import d'évaluations", "Import evaluations"),
    "views/rules.py": ("Grille et critères", "Rules and criteria"), "views/evaluators.py": ("Évaluateurs", "Evaluators"),
    "views/exports.py": ("Exports", "Exports"),
}


@pytest.fixture
def tiny_db(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    return tiny_copy(tmp_path_factory, tmp_path)


@pytest.fixture
def sample_db(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> tuple[Path, list]:
    return sample_copy(tmp_path_factory, tmp_path)


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()  # closes the app's connection (on_release)


def signed_in(db: Path, monkeypatch: pytest.MonkeyPatch, user: str, password: str, lang: str = "fr") -> AppTest:
    monkeypatch.setenv("SCORECARD_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["scorecard_lang"] = lang
    at.run()
    at.text_input(key="login_user").input(user)
    at.text_input(key="login_password").input(password)
    next(b for b in at.button if b.label in ("Se connecter", "Sign in")).click().run()
    assert not at.exception, at.exception
    return at


def page_text(at: AppTest) -> str:
    """Everything a person can read on the page, tables and picker options included."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    for frame in at.dataframe:
        value = frame.value
        parts.append(value.to_string() if isinstance(value, pd.DataFrame) else str(value))
    for box in at.selectbox:
        parts += [str(o) for o in box.options]
    return "\n".join(parts)


def leaked(text: str, names: tuple[str, ...]) -> list[str]:
    """The names (whole words) that appear in the text."""
    return [n for n in names if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text)]


def page_errors(at: AppTest) -> list[str]:
    """Error boxes other than the (expected) explanation of a fatal error."""
    return [e.value for e in at.error if not e.value.startswith(("Erreur fatale", "Fatal error"))]


def open_page(at: AppTest, path: str) -> AppTest:
    at.switch_page(path).run()
    assert not at.exception, f"{path}: {at.exception}"
    return at


# ----------------------------------------------------------------------------- sign-in
def test_wrong_password_is_refused(tiny_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCORECARD_DB", str(tiny_db))
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.text_input(key="login_user").input("alice")
    at.text_input(key="login_password").input("not her password")
    next(b for b in at.button if b.label == "Se connecter").click().run()
    assert [e.value for e in at.error] == ["Identifiant ou mot de passe incorrect."]
    assert "scorecard_scope" not in at.session_state
    assert not at.title  # no page content before sign-in


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("user, role", [("alice", "agent"), ("nord", "team_leader"), ("qm", "quality_manager")])
def test_every_page_of_every_role_renders(tiny_db: Path, monkeypatch: pytest.MonkeyPatch, user: str, role: str,
                                          lang: str) -> None:
    at = signed_in(tiny_db, monkeypatch, user, PASSWORDS[user], lang)
    for path in PAGES[role]:
        open_page(at, path)
        assert at.title[0].value == TITLES[path][lang == "en"]
        assert not page_errors(at), f"{path}: {page_errors(at)}"


def test_pages_render_on_the_sample_centre(sample_db: tuple[Path, list], monkeypatch: pytest.MonkeyPatch) -> None:
    db, logins = sample_db
    for username, password, role, _ in logins:
        at = signed_in(db, monkeypatch, username, password)
        for path in PAGES[role]:
            open_page(at, path)
            assert not page_errors(at), f"{role} {path}: {page_errors(at)}"
        st.cache_data.clear()


# ----------------------------------------------------------------------------- scope through the UI
OTHERS_OF_ALICE = ("Bruno", "Chloé", "Bernard", "A2", "A3", "B1", "e5", "e6", "e10")


def test_agent_page_shows_own_data_and_only_a_team_median(tiny_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = signed_in(tiny_db, monkeypatch, "alice", PASSWORDS["alice"])
    text = page_text(at)
    assert "Alice Martin" in text and "e4" in text
    assert not leaked(text, OTHERS_OF_ALICE)
    labels = {m.label: m.value for m in at.metric}
    # February: quality (0 + 100) / 2 = 50; Nord median of {50, 100, 30} = 50; one fatal error
    assert labels["Score qualité"] == "50,0" and labels["Médiane de l'équipe"] == "50,0"
    assert labels["Erreurs fatales"] == "1"


@pytest.mark.parametrize("param, value", [("evaluation", "e5"), ("evaluation", "e10"), ("agent", "A2")])
def test_agent_editing_the_url_sees_nothing_of_others(tiny_db: Path, monkeypatch: pytest.MonkeyPatch,
                                                     param: str, value: str) -> None:
    at = signed_in(tiny_db, monkeypatch, "alice", PASSWORDS["alice"])
    at.query_params[param] = value
    at.run()
    text = page_text(at)
    assert not leaked(text, OTHERS_OF_ALICE)
    if param == "evaluation":
        assert "n'est pas dans votre périmètre" in text


def test_agent_cannot_open_team_or_quality_pages(tiny_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = signed_in(tiny_db, monkeypatch, "alice", PASSWORDS["alice"])
    for path in ("views/team.py", "views/exports.py", "views/import.py"):
        with pytest.raises(ValueError):
            at.switch_page(path)


def test_team_leader_sees_only_their_team(tiny_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = signed_in(tiny_db, monkeypatch, "sud", PASSWORDS["sud"])
    for path in PAGES["team_leader"]:
        text = page_text(open_page(at, path))
        assert not leaked(text, ("Alice", "Bruno", "Chloé", "A1", "A2", "A3")), path
    assert "Bernard Sud" in page_text(open_page(at, "views/agent.py"))
    at.query_params["agent"] = "A1"
    at.run()
    assert "n'est pas dans votre périmètre" in page_text(at) and "Alice" not in page_text(at)
    with pytest.raises(ValueError):
        at.switch_page("views/exports.py")


# ----------------------------------------------------------------------------- writes
def _feedback(db: Path) -> list[tuple]:
    st.cache_resource.clear()  # the app's connection must let go of the file first
    con = open_db(db, read_only=True)
    try:
        return con.execute(
            "SELECT evaluation_id, kind, comment, status, resolution, reply, created_by, replied_by "
            "FROM feedback ORDER BY feedback_id").fetchall()
    finally:
        con.close()


def test_acknowledge_dispute_and_answer_through_the_pages(tiny_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = signed_in(tiny_db, monkeypatch, "alice", PASSWORDS["alice"])
    assert at.selectbox(key="pick-A1-fr").value == "e4"  # newest first
    next(b for b in at.button if b.label == "J'ai pris connaissance").click().run()
    assert not at.exception
    assert any("Vous avez pris connaissance" in s.value for s in at.success)
    at.selectbox(key="pick-A1-fr").select("e3").run()
    at.text_area(key="dispute-text-e3").input("L'identité a été vérifiée en début d'appel.")
    next(b for b in at.button if b.label == "Envoyer la contestation").click().run()
    assert not at.exception
    assert "En attente de réponse" in page_text(at)
    assert _feedback(tiny_db) == [
        ("e4", "acknowledge", None, None, None, None, "alice", None),
        ("e3", "dispute", "L'identité a été vérifiée en début d'appel.", "open", None, None, "alice", None),
    ]

    leader = signed_in(tiny_db, monkeypatch, "nord", PASSWORDS["nord"])
    open_page(leader, "views/disputes.py")
    assert "L'identité a été vérifiée en début d'appel." in page_text(leader)
    decision = next(r for r in leader.radio if str(r.key).startswith("decision-"))
    decision.set_value("excluded")
    feedback_id = str(decision.key).split("-")[1]
    leader.text_area(key=f"reply-{feedback_id}").input("Accepté, enregistrement vérifié.")
    next(b for b in leader.button if b.label == "Enregistrer la décision").click().run()
    assert not leader.exception
    assert "Aucune contestation en attente." in page_text(leader)
    assert _feedback(tiny_db)[1][3:] == ("accepted", "excluded", "Accepté, enregistrement vérifié.", "alice", "nord")

    again = signed_in(tiny_db, monkeypatch, "alice", PASSWORDS["alice"])
    # February without the excluded fatal evaluation e3: quality 100 (e4 only), no fatal error
    labels = {m.label: m.value for m in again.metric}
    assert labels["Score qualité"] == "100,0" and labels["Erreurs fatales"] == "0"


def test_coaching_note_from_the_agent_page(tiny_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = signed_in(tiny_db, monkeypatch, "nord", PASSWORDS["nord"])
    open_page(at, "views/agent.py")
    at.selectbox(key="agent_pick").select("A2").run()
    at.text_area(key="note_text").input("Reformuler avant de conclure.")
    next(b for b in at.button if b.label == "Enregistrer la note").click().run()
    assert "Reformuler avant de conclure." in page_text(at)
    st.cache_resource.clear()
    con = open_db(tiny_db, read_only=True)
    assert con.execute("SELECT agent_id, note, created_by FROM coaching_notes").fetchall() == [
        ("A2", "Reformuler avant de conclure.", "nord")]
    con.close()


def test_import_page_uploads_a_csv_and_shows_rejects(tiny_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = signed_in(tiny_db, monkeypatch, "qm", PASSWORDS["qm"])
    open_page(at, "views/import.py")
    csv = ("evaluation_id,interaction_id,agent_id,interaction_at,team,identity_verified,answer_appropriate,"
           "courtesy_rating\ne30,c30,A3,2026-03-02 09:00,Nord,oui,oui,5\ne31,c31,A3,32/13/2026,Nord,oui,oui,5\n")
    at.file_uploader(key="import_files").upload("mars.csv", csv.encode(), "text/csv")
    next(b for b in at.button if b.label == "Importer").click().run()
    assert not at.exception and not page_errors(at), page_errors(at)
    text = page_text(at)
    assert "Lignes rejetées" in text and "32/13/2026" in text
    st.cache_resource.clear()
    con = open_db(tiny_db, read_only=True)
    assert con.execute("SELECT count(*) FROM evaluation_scores WHERE evaluation_id = 'e30'").fetchone() == (1,)
    con.close()


def test_language_switch(tiny_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = signed_in(tiny_db, monkeypatch, "alice", PASSWORDS["alice"])
    at.selectbox(key="pick-A1-fr").select("e3").run()
    at.segmented_control(key="scorecard_lang").set_value("en").run()
    assert at.title[0].value == "My progress"
    labels = {m.label: m.value for m in at.metric}
    assert labels["Quality score"] == "50.0" and labels["Team median"] == "50.0"
    picker = at.selectbox(key="pick-A1-en")
    assert picker.value == "e4" and picker.format_func("e4").startswith("2026-02-17 14:00 · Phone · Advice")
    assert "Evaluation of 2026-02-17 14:00" in page_text(at)


def test_rules_page_compares_two_versions(tiny_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    score_second_version(tiny_db, tmp_path / "v2")
    at = signed_in(tiny_db, monkeypatch, "qm", PASSWORDS["qm"])
    at.selectbox(key="ruleset_id-fr").select(1).run()  # version 1 as A, compared with version 2
    open_page(at, "views/rules.py")
    labels = {m.label: m.value for m in at.metric}
    assert labels["Moyenne tiny@1"] == "70,5" and labels["Moyenne tiny@2"] == "75,0"
    assert labels["Évaluations dont le score change"] == "4"
    text = page_text(at)
    assert "Règles modifiées, ajoutées ou retirées** (2)" in text and "retirée" in text


SSO_SECRETS = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                        "client_id": "id", "client_secret": "secret",
                        "server_metadata_url": "https://idp.example/.well-known/openid-configuration"}}


@pytest.mark.parametrize("email, expected", [("Nord.Leader@Centre.fr", "Vue d'équipe"), ("stranger@centre.fr", None)])
def test_single_sign_on_maps_the_provider_identity_to_a_scope(tiny_db: Path, monkeypatch: pytest.MonkeyPatch,
                                                              email: str, expected: str | None) -> None:
    con = open_db(tiny_db)
    access.add_user(con, "nord.leader@centre.fr", "unused-random-password", "team_leader", teams=("Nord",))
    con.close()
    monkeypatch.setenv("SCORECARD_DB", str(tiny_db))
    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets.update(SSO_SECRETS)
    at.user = {"is_logged_in": True, "email": email}
    at.run()
    assert not at.exception, at.exception
    if expected is None:
        assert "n'a pas encore accès" in page_text(at) and "scorecard_scope" not in at.session_state
    else:
        at.run()
        assert at.title[0].value == expected
        assert at.session_state["scorecard_scope"].teams == ("Nord",)


def test_sign_in_page_offers_single_sign_on_only_when_configured(tiny_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCORECARD_DB", str(tiny_db))
    plain = AppTest.from_file(APP, default_timeout=120).run()
    assert not [b for b in plain.button if "SSO" in str(b.label)]
    sso = AppTest.from_file(APP, default_timeout=120)
    sso.secrets.update(SSO_SECRETS)
    sso.user = {"is_logged_in": False}
    sso.run()
    assert [b.label for b in sso.button if "SSO" in str(b.label)] == [
        "Se connecter avec l'authentification unique (SSO)"]
