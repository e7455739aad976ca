"""Team leader: agents x competencies heatmap with team and centre medians, weakest criteria."""

import pandas as pd
import streamlit as st
from dashlib import charts, i18n, page, ui
from dashlib.i18n import t
from dashlib.state import read

ctx = page.start()
lang = ctx.lang
teams = ctx.window.teams or ctx.scope.teams or ()
ui.header(t("team.title", lang), (", ".join(teams) + " · " if teams else "") + page.period_subtitle(ctx))


def cards(agents: pd.DataFrame) -> None:
    kpi = read("centre_kpis", ctx.window).iloc[0]
    c1, c2, c3, c4, c5 = st.columns(5)
    c1.metric(t("m.quality", lang), i18n.fmt_num(kpi["quality_score"], lang), border=True)
    c2.metric(t("m.critical", lang), i18n.fmt_num(kpi["critical_score"], lang), border=True)
    c3.metric(t("m.fatal_short", lang), i18n.fmt_pct(kpi["fatal_rate"], lang), border=True)
    c4.metric(t("m.evaluations", lang), i18n.fmt_int(kpi["n_evaluations"], lang), border=True)
    c5.metric(t("m.disputes_short", lang), i18n.fmt_int(agents["open_disputes"].sum(), lang), border=True)


def heatmap(agents: pd.DataFrame) -> None:
    st.subheader(t("team.heatmap", lang))
    cells = read("team_heatmap", ctx.window)
    if cells.empty:
        ui.empty(t("common.no_data_period", lang))
        return
    minimum = int(ctx.window.ruleset.mastery["min_evaluations"])
    st.caption(t("team.heatmap_help", lang, min=minimum))
    cells = cells.assign(row=[f"{n or a} ({a})" for n, a in zip(cells["agent_name"], cells["agent_id"])])
    competencies = sorted(cells["competency"].unique())
    options = ["name", "quality"] + competencies
    label = {"name": t("team.sort_name", lang), "quality": t("team.sort_quality", lang)}
    sort = st.selectbox(t("team.sort", lang), options, key=f"heat_sort-{lang}",
                        format_func=lambda o: label.get(o) or t("team.sort_competency", lang, code=o))
    rows = cells.drop_duplicates("agent_id")[["agent_id", "row"]]
    if sort == "name":
        order = sorted(rows["row"])
    elif sort == "quality":
        q = agents.set_index("agent_id")["quality_score"]
        order = list(rows.assign(q=rows["agent_id"].map(q)).sort_values("q", ascending=False)["row"])
    else:
        s = cells[cells["competency"] == sort].set_index("agent_id")["score"]
        order = list(rows.assign(s=rows["agent_id"].map(s)).sort_values("s", ascending=False, na_position="last")["row"])
    medians = read("competency_medians", ctx.window)
    medians = medians[medians["competency"].isin(competencies)]  # the team's own competencies only
    extra = []
    for is_centre, group in medians.groupby("is_centre"):
        for team, part in group.groupby(group["team"].fillna("")):
            if is_centre:
                name = t("m.centre_median", lang)
            elif len(teams) == 1 or not team:
                name = t("m.team_median", lang) + (f" · {team}" if team and len(teams) != 1 else "")
            else:
                name = f"{t('m.team_median', lang)} · {team}"
            extra.append(pd.DataFrame({"row": name, "competency": part["competency"], "score": part["median"],
                                       "mastery": "", "n_evaluations": part["n_agents"] * 0 + 10**6}))
    shown = pd.concat([cells[["row", "competency", "score", "mastery", "n_evaluations"]], *extra], ignore_index=True)
    order += [r for r in dict.fromkeys(shown["row"]) if r not in order]
    st.altair_chart(charts.heatmap(shown, lang, order, minimum), width="stretch")
    wide = cells.pivot_table(index=["agent_id", "agent_name", "team"], columns="competency", values="score").reset_index()
    with st.expander(t("team.heatmap", lang) + " · " + t("common.download", lang)):
        ui.table(ctx, wide, {"agent_id": ("ID", "text"), "agent_name": (t("common.agent", lang), "text"),
                             "team": (t("common.team", lang), "text"),
                             **{c: (c, "num") for c in competencies}}, key="heat-table", export="team_heatmap")
        ui.downloads(ctx, cells.drop(columns=["row"]), "team_heatmap_long", key="heat-long")


def agents_table(agents: pd.DataFrame) -> None:
    st.subheader(t("team.agents", lang))
    ui.table(ctx, agents, {
        "agent_name": (t("common.agent", lang), "text"), "agent_id": ("ID", "text"),
        "team": (t("common.team", lang), "text"), "quality_score": (t("m.quality", lang), "num"),
        "critical_score": (t("m.critical", lang), "num"), "n_fatal": (t("m.fatal", lang), "int"),
        "n_evaluations": (t("m.evaluations", lang), "int"), "open_disputes": (t("m.open_disputes", lang), "int"),
    }, key="team-agents", export="team_agents")


def weakest() -> None:
    st.subheader(t("team.weakest", lang))
    st.caption(t("team.weakest_help", lang))
    weak = read("weakest_criteria", ctx.window, 10)
    if weak.empty:
        ui.empty(t("common.no_data_period", lang))
        return
    weak = weak.assign(name=[f"{c}.{k} · {ui.short(txt, 70)}" for c, k, txt in
                             zip(weak["competency"], weak["criterion"], weak["criterion_fr"])])
    st.altair_chart(charts.hbars(weak, lang, category="name", value="pass_rate", title=t("m.pass_rate", lang),
                                 colour="#dc2626"), width="stretch")
    ui.table(ctx, weak, {
        "name": (t("eval.col_criterion", lang), "text"), "pass_rate": (t("m.pass_rate", lang), "pct"),
        "ci_low": (t("col.ci_low", lang), "pct"),
        "ci_high": (t("col.ci_high", lang), "pct"),
        "n_outcomes": (t("m.outcomes", lang), "int"), "agents_failing": (t("team.agents_failing", lang), "int"),
        "rules": (t("team.rules", lang), "text"),
    }, key="weakest", export="weakest_criteria")


def body() -> None:
    agents = read("team_agents", ctx.window)
    if agents.empty:
        ui.empty(t("common.no_data_period", lang))
        return
    cards(agents)
    heatmap(agents)
    agents_table(agents)
    weakest()


ui.guard(lang, body)
