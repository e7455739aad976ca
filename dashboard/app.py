"""Scorecard dashboard: sign-in, language, filters, and one navigation per role.

Started by ``scorecard dashboard`` / ``scorecard demo`` (see scorecard.access.dashboard_command):
``streamlit run dashboard/app.py -- --db=PATH`` (or ``$SCORECARD_DB``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))
try:
    import scorecard  # noqa: F401
except ImportError:  # a source checkout run without installing the package
    sys.path.insert(0, str(_HERE.parent))

import streamlit as st
from dashlib import i18n, state, ui
from dashlib.i18n import t
from streamlit.errors import StreamlitSecretNotFoundError

from scorecard import access
from scorecard.access import Scope, data

MAX_ATTEMPTS = 5
LOCKOUT_S = 30.0
DEFAULT_MONTHS = 3

st.set_page_config(page_title="Scorecard", page_icon=":material/support_agent:", layout="wide", initial_sidebar_state="expanded")
st.markdown(ui.CSS, unsafe_allow_html=True)


def language_switch() -> str:
    st.sidebar.markdown(f"#### :material/support_agent: {t('app.title', state.lang())}")
    if st.session_state.get(state.LANG_KEY) not in i18n.LANGS:
        st.session_state[state.LANG_KEY] = "fr"
    st.sidebar.segmented_control(
        t("sidebar.language", state.lang()), options=list(i18n.LANGS), format_func=str.upper,
        key=state.LANG_KEY, selection_mode="single",
    )
    return state.lang()


def _sso_configured() -> bool:
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, StreamlitSecretNotFoundError):  # no secrets file at all
        return False


def login(db: access.DashboardDb, lang: str) -> None:
    """Username/password form (argon2 hashes); SSO button when an OIDC provider is configured."""
    _, mid, _ = st.columns([1, 1.3, 1])
    with mid:
        st.markdown(f"## :material/support_agent: {t('app.title', lang)}")
        st.caption(t("app.tagline", lang))
        if _sso_configured():
            _sso(db, lang)
        with st.form("login", border=True):
            st.markdown(f"**{t('login.title', lang)}**")
            username = st.text_input(t("login.username", lang), key="login_user")
            password = st.text_input(t("login.password", lang), type="password", key="login_password")
            submitted = st.form_submit_button(t("login.submit", lang), type="primary", width="stretch")
        if submitted:
            _check(db, lang, username.strip(), password)
        st.caption(t("login.help", lang))


def _check(db: access.DashboardDb, lang: str, username: str, password: str) -> None:
    failures = st.session_state.get("login_failures", 0)
    if failures >= MAX_ATTEMPTS and time.time() - st.session_state.get("login_last_failure", 0) < LOCKOUT_S:
        st.error(t("login.throttled", lang))
        return
    scope = access.verify_password(db.con, username, password)
    if scope is None:
        st.session_state["login_failures"] = failures + 1
        st.session_state["login_last_failure"] = time.time()
        st.error(t("login.failed", lang))
        return
    state.sign_in(scope)
    st.rerun()


def _sso(db: access.DashboardDb, lang: str) -> None:
    """OIDC through st.login: the provider authenticates, the users store gives the scope."""
    if getattr(st.user, "is_logged_in", False):
        email = str(st.user.get("email") or "")
        scope = access.scope_for_username(db.con, email)
        if scope is not None:
            state.sign_in(scope)
            st.rerun()
        st.warning(t("login.sso_unknown", lang, email=email))
        return
    if st.button(t("login.sso", lang), width="stretch", icon=":material/key:"):
        st.login()


def _window_choice(ctx_scope: Scope, lang: str, rulesets: list[data.RulesetInfo]) -> data.RulesetInfo:
    if ctx_scope.is_quality_manager and len(rulesets) > 1:
        labels = {r.ruleset_id: f"{r.label} ({i18n.fmt_datetime(r.scored_at, lang)})" for r in rulesets}
        rid = st.sidebar.selectbox(t("sidebar.ruleset", lang), list(labels), format_func=labels.get, key=f"ruleset_id-{lang}")
        return next(r for r in rulesets if r.ruleset_id == rid)
    return rulesets[0]


def _period_choice(periods: list[str], lang: str) -> tuple[str, str]:
    if len(periods) == 1:
        st.sidebar.caption(f"{t('sidebar.period', lang)} : {i18n.month_label(periods[0], lang)}")
        return periods[0], periods[0]
    current = st.session_state.get("period_range")
    if not (isinstance(current, tuple) and len(current) == 2 and all(p in periods for p in current)):
        st.session_state["period_range"] = (periods[max(0, len(periods) - DEFAULT_MONTHS)], periods[-1])
    p_from, p_to = st.sidebar.select_slider(
        t("sidebar.period", lang), options=periods, key="period_range",
        format_func=lambda p: i18n.month_label(p, lang))
    return p_from, p_to


def _team_choice(scope: Scope, lang: str, teams: list[str]) -> tuple[str, ...] | None:
    if scope.is_agent or len(teams) <= 1:
        return None
    chosen = st.sidebar.multiselect(t("sidebar.teams", lang), teams, key="teams_filter",
                                    placeholder=t("common.all", lang))
    return tuple(chosen) if chosen else None


def sidebar_user(scope: Scope, lang: str) -> None:
    with st.sidebar:
        st.markdown(t("sidebar.signed_in", lang, user=scope.username) + f"  \n{t('role.' + scope.role, lang)}"
                    + (f" · {', '.join(scope.teams)}" if scope.teams else ""))
        if st.button(t("sidebar.logout", lang), icon=":material/logout:", key="logout"):
            state.sign_out()
            st.rerun()
        st.divider()


def pages(scope: Scope, lang: str) -> dict[str, list[st.Page]] | list[st.Page]:
    def page(path: str, key: str, icon: str, default: bool = False) -> st.Page:
        return st.Page(f"views/{path}.py", title=t(key, lang), icon=icon, url_path=path, default=default)

    if scope.is_agent:
        return [page("progression", "nav.progress", ":material/trending_up:", True)]
    team = [page("team", "nav.team", ":material/groups:", scope.is_team_leader), page("agent", "nav.agent", ":material/badge:"),
            page("trends", "nav.trends", ":material/show_chart:"), page("disputes", "nav.disputes", ":material/forum:")]
    if scope.is_team_leader:
        return {t("nav.section_team", lang): team}
    quality = [page("centre", "nav.centre", ":material/domain:", True), page("import", "nav.import", ":material/upload_file:"),
               page("rules", "nav.rules", ":material/rule:"), page("evaluators", "nav.evaluators", ":material/fact_check:"),
               page("exports", "nav.exports", ":material/download:")]
    return {t("nav.section_quality", lang): quality, t("nav.section_teams", lang): team}


def main() -> None:
    lang = language_switch()
    try:
        db = state.get_db()
    except FileNotFoundError:
        st.error(t("common.no_db", lang))
        st.stop()
    scope = state.scope()
    if scope is None:
        login(db, lang)
        st.stop()
    sidebar_user(scope, lang)
    navigation = st.navigation(pages(scope, lang))
    try:
        window, periods, rulesets = filters(db, scope, lang)
    except access.QueryTimeout:
        st.error(t("timeout", lang), icon=":material/timer:")
        st.stop()
    st.session_state[state.CONTEXT_KEY] = state.PageContext(
        db=db, scope=scope, lang=lang, window=window, periods=tuple(periods), rulesets=tuple(rulesets))
    navigation.run()


def filters(db: access.DashboardDb, scope: Scope, lang: str) -> tuple[data.Window | None, list[str], list]:
    """Sidebar choices: ruleset (quality managers), months, teams; None when nothing is scored."""
    rulesets = data.rulesets(db.con, scope)
    window, periods = None, []
    if rulesets:
        ruleset = _window_choice(scope, lang, rulesets)
        periods = state.read("periods", ruleset.ruleset_id)
        if periods:
            p_from, p_to = _period_choice(periods, lang)
            teams = _team_choice(scope, lang, state.read("teams_in_scope", ruleset.ruleset_id))
            window = data.Window(ruleset, p_from, p_to, teams)
        st.sidebar.caption(t("common.ruleset_version", lang, label=ruleset.label,
                             date=i18n.fmt_datetime(ruleset.scored_at, lang)))
    return window, periods, rulesets


main()
