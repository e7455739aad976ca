"""Quality manager: every table, filtered (period and teams from the sidebar, optional agent), as CSV or Excel."""

import streamlit as st
from dashlib import i18n, page, ui
from dashlib.i18n import t
from dashlib.state import read

ctx = page.start()
lang = ctx.lang
ui.header(t("exports.title", lang), page.period_subtitle(ctx))
st.caption(t("exports.help", lang))

TABLES = ("evaluation_scores", "agent_scorecards", "competency_scores", "team_monthly", "evaluators", "imports", "rejects")


def body() -> None:
    name = st.selectbox(t("exports.table", lang), TABLES, key=f"export_table-{lang}", format_func=lambda n: t(f"table.{n}", lang))
    agent = None
    if name == "evaluation_scores":
        agents = read("agents_in_scope", ctx.window)
        labels = {None: t("common.all_agents", lang),
                  **{r.agent_id: f"{r.agent_name or r.agent_id} ({r.agent_id})" for r in agents.itertuples(index=False)}}
        agent = st.selectbox(t("exports.agent", lang), list(labels), format_func=labels.get, key=f"export_agent-{lang}")
    frame = {
        "evaluation_scores": lambda: read("evaluation_scores_table", ctx.window, agent),
        "agent_scorecards": lambda: read("agent_scorecards", ctx.window),
        "competency_scores": lambda: read("competency_scores", ctx.window),
        "team_monthly": lambda: read("centre_monthly", ctx.window),
        "evaluators": lambda: read("evaluators", ctx.window),
        "imports": lambda: read("imports_log"),
        "rejects": lambda: read("rejects_table"),
    }[name]()
    st.caption(t("exports.rows", lang, n=i18n.fmt_int(len(frame), lang)))
    if frame.empty:
        ui.empty(t("common.no_data", lang))
        return
    ui.downloads(ctx, frame, name, key=f"export-{name}")
    st.dataframe(frame.head(500), hide_index=True, width="stretch", key=f"preview-{name}")


ui.guard(lang, body)
