"""Quality manager: centre overview (teams, sites, channels, activities) and score distribution."""

import streamlit as st
from dashlib import charts, i18n, page, ui
from dashlib.i18n import t
from dashlib.state import read

ctx = page.start()
lang = ctx.lang
ui.header(t("centre.title", lang), page.period_subtitle(ctx))


def body() -> None:
    kpis = read("centre_kpis", ctx.window)
    if kpis.empty or not kpis["n_evaluations"].iloc[0]:
        ui.empty(t("common.no_data_period", lang))
        return
    k = kpis.iloc[0]
    c = st.columns(5)
    c[0].metric(t("m.quality", lang), i18n.fmt_num(k["quality_score"], lang), border=True)
    c[1].metric(t("m.critical", lang), i18n.fmt_num(k["critical_score"], lang), border=True)
    c[2].metric(t("m.fatal_short", lang), i18n.fmt_pct(k["fatal_rate"], lang), border=True)
    c[3].metric(t("m.evaluations", lang), i18n.fmt_int(k["n_evaluations"], lang), border=True)
    c[4].metric(t("m.agents", lang), i18n.fmt_int(k["n_agents"], lang),
                t("centre.teams_sites", lang, teams=int(k["n_teams"]), sites=int(k["n_sites"])), delta_color="off",
                delta_arrow="off", border=True)

    st.subheader(t("centre.monthly", lang))
    monthly = read("centre_monthly", ctx.window)
    monthly = monthly.assign(team=monthly["team"].fillna("–"))
    st.altair_chart(charts.lines(monthly, lang, value="quality_score", series="team", y_title=t("m.quality", lang)),
                    width="stretch")
    ui.downloads(ctx, monthly, "teams_monthly", key="centre-monthly")

    st.subheader(t("centre.breakdown", lang))
    breakdown = read("centre_breakdown", ctx.window)
    dims = ["team", "site", "channel", "activity"]
    tabs = st.tabs([t("centre.by", lang, dim=t(f"dim.{d}", lang)).capitalize() for d in dims])
    for dim, tab in zip(dims, tabs):
        part = breakdown[breakdown["dimension"] == dim].copy()
        if dim == "channel":
            part["value"] = part["value"].map(lambda v: i18n.channel_label(v, lang))
        elif dim == "activity":
            part["value"] = part["value"].map(lambda v: i18n.activity_label(v, lang))
        part = part.sort_values("quality_score", ascending=False)
        with tab:
            left, right = st.columns([3, 2])
            with left:
                st.altair_chart(charts.hbars(part, lang, category="value", value="quality_score",
                                             title=t("m.quality", lang)), width="stretch")
            with right:
                ui.table(ctx, part, {
                    "value": (t(f"dim.{dim}", lang).capitalize(), "text"),
                    "n_evaluations": (t("m.evaluations", lang), "int"), "quality_score": (t("m.quality", lang), "num"),
                    "critical_score": (t("m.critical", lang), "num"), "fatal_rate": (t("m.fatal_rate", lang), "pct"),
                }, key=f"breakdown-{dim}", export=f"centre_by_{dim}")

    st.subheader(t("centre.distribution", lang))
    st.caption(t("centre.distribution_help", lang))
    dist = read("score_distribution", ctx.window)
    if dist.empty:
        ui.empty(t("common.no_data_period", lang))
        return
    st.altair_chart(charts.histogram(dist, lang), width="stretch")
    ui.downloads(ctx, dist, "score_distribution", key="dist")


ui.guard(lang, body)
