"""A real browser (Debian's chromium through Playwright) against ``scorecard demo`` on a free port.

Signs in as each demo role, opens every page, acknowledges and disputes an evaluation, answers
the dispute as the team leader, uploads a CSV on the import page, and saves a screenshot of
each step under ``tests/e2e/artifacts/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
playwright_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("Debian chromium is not installed", allow_module_level=True)

PAGES = {
    "team_leader": ["Vue d'équipe", "Fiche conseiller", "Tendances", "Contestations"],
    "quality_manager": ["Vue du centre", "Import", "Grille et critères", "Évaluateurs", "Exports", "Vue d'équipe",
                        "Fiche conseiller", "Tendances", "Contestations"],
}
LOGIN_LINE = re.compile(r"^\s+(agent|team_leader|quality_manager)\s+(\S+)\s+password:\s+(\S+)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, tuple[str, str]]]]:
    """``scorecard demo`` serving on a free port; yields the URL and role -> (user, password)."""
    port = _free_port()
    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("SCORECARD_DB", None)
    log = (db.parent / "demo.log").open("w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "scorecard", "demo", "--db", str(db), "--port", str(port), "--host", "127.0.0.1"],
        cwd=db.parent, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 240
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    log.seek(0)
                    pytest.fail(f"scorecard demo did not start:\n{log.read()[-3000:]}")
                time.sleep(0.5)
        log.seek(0)
        logins = {m.group(1): (m.group(2), m.group(3)) for m in map(LOGIN_LINE.match, log.read().splitlines()) if m}
        assert set(logins) == {"agent", "team_leader", "quality_manager"}, logins
        yield url, logins
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="module")
def chrome() -> Iterator[object]:
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield chromium
        chromium.close()


def settle(page: object, ms: int = 1200) -> None:
    """Let Streamlit finish the run the last action started."""
    page.wait_for_timeout(300)  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(ms)  # type: ignore[attr-defined]


def shot(page: object, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def sign_in(chrome: object, url: str, user: str, password: str) -> object:
    page = chrome.new_page(viewport={"width": 1440, "height": 2400}, locale="fr-FR")  # type: ignore[attr-defined]
    page.goto(url)
    page.get_by_label("Identifiant").fill(user)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("button", name="Se déconnecter").wait_for(timeout=60_000)
    settle(page)
    return page


def open_page(page: object, title: str) -> None:
    page.get_by_role("link", name=title).first.click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name=title).first.wait_for(timeout=60_000)  # type: ignore[attr-defined]
    settle(page, 2000)


def no_exception(page: object) -> None:
    assert page.locator("[data-testid='stException']").count() == 0  # type: ignore[attr-defined]


def test_wrong_password_shows_an_error(chrome: object, demo: tuple[str, dict]) -> None:
    url, logins = demo
    page = chrome.new_page(viewport={"width": 1440, "height": 900})  # type: ignore[attr-defined]
    page.goto(url)
    page.get_by_label("Identifiant").fill(logins["agent"][0])
    page.get_by_label("Mot de passe").fill("pas le bon")
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_text("Identifiant ou mot de passe incorrect.").wait_for(timeout=30_000)
    shot(page, "00_login_error")
    page.close()


def test_agent_acknowledges_and_disputes(chrome: object, demo: tuple[str, dict]) -> None:
    url, logins = demo
    page = sign_in(chrome, url, *logins["agent"])
    page.get_by_role("heading", name="Ma progression").wait_for()
    no_exception(page)
    shot(page, "10_agent_progression")
    page.get_by_role("button", name="J'ai pris connaissance").click()
    page.get_by_text("Vous avez pris connaissance de cette évaluation").wait_for(timeout=60_000)
    settle(page)
    page.get_by_text("Contester cette évaluation").click()
    page.get_by_label("Votre commentaire (obligatoire)").fill("La vente additionnelle a bien été proposée en fin d'appel.")
    page.get_by_role("button", name="Envoyer la contestation").click()
    page.get_by_text("En attente de réponse").wait_for(timeout=60_000)
    settle(page)
    no_exception(page)
    shot(page, "11_agent_disputed")
    page.get_by_role("radio", name="EN").or_(page.get_by_role("button", name="EN")).first.click()
    page.get_by_role("heading", name="My progress").wait_for(timeout=60_000)
    settle(page)
    shot(page, "12_agent_english")
    page.close()


def tour(chrome: object, url: str, login: tuple[str, str], role: str, prefix: str) -> object:
    """Sign in and open every page of the role, with a screenshot of each."""
    page = sign_in(chrome, url, *login)
    for i, title in enumerate(PAGES[role]):
        open_page(page, title)
        no_exception(page)
        shot(page, f"{prefix}{i}_{role}_{i}")
    return page


def test_team_leader_pages_and_answer(chrome: object, demo: tuple[str, dict]) -> None:
    """Runs after the agent's dispute (file order): the dispute is there to answer."""
    url, logins = demo
    page = tour(chrome, url, logins["team_leader"], "team_leader", "2")
    page.get_by_text("La vente additionnelle a bien été proposée en fin d'appel.").first.wait_for(timeout=30_000)
    page.get_by_text("Rejeter").first.click()
    page.get_by_label("Réponse au conseiller (obligatoire pour un rejet)").first.fill(
        "La proposition n'apparaît pas dans l'enregistrement.")
    page.get_by_role("button", name="Enregistrer la décision").first.click()
    page.get_by_text("Aucune contestation en attente.").wait_for(timeout=60_000)
    settle(page)
    shot(page, "29_team_leader_answered")
    page.close()


def test_quality_manager_pages_and_import(chrome: object, demo: tuple[str, dict], tmp_path: Path) -> None:
    url, logins = demo
    page = tour(chrome, url, logins["quality_manager"], "quality_manager", "3")
    open_page(page, "Import")
    upload = tmp_path / "corrections_novembre.csv"
    upload.write_text(
        "evaluation_id;interaction_id;agent_id;interaction_at;team;channel;activity;identity_verified;comment\n"
        "EVX1;CALLX1;A001;03/11/2026 09:15;Ventes Lille;téléphone;vente;oui;Très bon accueil\n"
        "EVX2;CALLX2;A001;31/11/2026 10:00;Ventes Lille;téléphone;vente;oui;date impossible\n",
        encoding="cp1252",
    )
    page.locator("input[type=file]").set_input_files(str(upload))
    settle(page)
    page.get_by_role("button", name="Importer").click()
    page.get_by_text("Rapport d'import").wait_for(timeout=120_000)
    settle(page, 2500)
    no_exception(page)
    assert page.get_by_text("Lignes rejetées").count() == 1
    shot(page, "39_quality_import_report")
    page.close()
