"""Team leader: trends per agent (quality) and per competency."""

import streamlit as st
from dashlib import charts, page, ui
from dashlib.i18n import t
from dashlib.state import read

ctx = page.start()
lang = ctx.lang
ui.header(t("trends.title", lang), page.period_subtitle(ctx))


def body() -> None:
    per_agent = read("agent_scorecards", ctx.window)
    if per_agent.empty:
        ui.empty(t("common.no_data_period", lang))
        return
    per_agent = per_agent.assign(agent=[f"{n or a}" for n, a in zip(per_agent["agent_name"], per_agent["agent_id"])])
    st.subheader(t("trends.quality", lang))
    agents = sorted(per_agent["agent"].unique())
    focus = st.selectbox(t("common.agent", lang), ["—"] + agents, key="trend_focus")
    st.altair_chart(charts.lines(per_agent, lang, value="quality_score", series="agent", y_title=t("m.quality", lang),
                                 highlight=None if focus == "—" else focus), width="stretch")
    ui.downloads(ctx, per_agent.drop(columns=["agent"]), "agent_trends", key="agent-trends")

    st.subheader(t("trends.by_competency", lang))
    comp = read("competency_trends", ctx.window)
    if comp.empty:
        ui.empty(t("common.no_data_period", lang))
        return
    names = ui.competency_names(ctx)
    comp = comp.assign(name=[f"{c} · {ui.short(names.get(c, c), 32)}" for c in comp["competency"]])
    st.altair_chart(charts.lines(comp, lang, value="score", series="name", y_title=t("common.score", lang)),
                    width="stretch")
    codes = sorted(comp["competency"].unique())
    code = st.selectbox(t("trends.competency", lang), codes, key=f"trend_comp-{lang}",
                        format_func=lambda c: f"{c} · {names.get(c, c)}")
    cells = read("competency_scores", ctx.window)
    cells = cells[cells["competency"] == code]
    directory = per_agent.drop_duplicates("agent_id").set_index("agent_id")["agent"]
    cells = cells.assign(agent=cells["agent_id"].map(directory).fillna(cells["agent_id"]))
    st.markdown(f"**{t('trends.agent_competency', lang, competency=f'{code} · {names.get(code, code)}')}**")
    st.altair_chart(charts.lines(cells, lang, value="score", series="agent", y_title=t("common.score", lang)),
                    width="stretch")
    ui.downloads(ctx, cells.drop(columns=["agent"]), f"competency_trends_{code}", key="comp-trends")


ui.guard(lang, body)
