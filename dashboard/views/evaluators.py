"""Quality manager: evaluators' volume, mean score, leniency versus peers, calibration agreement."""

import streamlit as st
from dashlib import i18n, page, ui
from dashlib.i18n import t
from dashlib.state import changed, read

from scorecard import access

ctx = page.start()
lang = ctx.lang
ui.header(t("evaluators.title", lang), page.period_subtitle(ctx))


def hide_setting() -> None:
    hidden = access.evaluators_hidden(ctx.db.con, ctx.scope)
    wanted = st.toggle(t("evaluators.hide", lang), value=hidden, key="hide_evaluators")
    if wanted != hidden:
        access.set_hide_evaluators(ctx.db.con, ctx.scope, wanted)
        changed()
        st.toast(t("evaluators.hide_saved", lang))


def body() -> None:
    hide_setting()
    st.subheader(t("evaluators.volume", lang))
    volume = read("evaluators", ctx.window)
    if volume.empty:
        ui.empty(t("common.no_data_period", lang))
    else:
        ui.table(ctx, volume, {
            "evaluator_id": (t("col.evaluator", lang), "text"), "evaluator_kind": (t("ev.kind", lang), "evaluator_kind"),
            "n_evaluations": (t("m.evaluations", lang), "int"), "n_agents": (t("m.agents", lang), "int"),
            "mean_score": (t("m.quality", lang), "num"), "fatal_rate": (t("m.fatal_rate", lang), "pct"),
        }, key="evaluators-volume", export="evaluators_volume")

    st.subheader(t("evaluators.reliability", lang))
    st.caption(t("evaluators.reliability_help", lang))
    month = st.selectbox(t("common.month", lang), [None, *reversed(ctx.periods)], key=f"reliability_month-{lang}",
                         format_func=lambda p: t("common.all", lang) if p is None else i18n.month_label(p, lang))
    try:
        reliability = read("evaluator_reliability", ctx.rid, month)
        agreement = read("calibration_agreement", ctx.rid, month)
    except (ImportError, AttributeError) as exc:
        ui.empty(t("evaluators.unavailable", lang, msg=exc))
        return
    ui.table(ctx, reliability, {
        "evaluator_id": (t("col.evaluator", lang), "text"), "evaluator_kind": (t("ev.kind", lang), "evaluator_kind"),
        "n_evaluations": (t("m.evaluations", lang), "int"), "mean_score": (t("m.quality", lang), "num"),
        "leniency": (t("ev.leniency", lang), "num"),
        "leniency_ci_low": (t("col.ci_low", lang), "num"), "leniency_ci_high": (t("col.ci_high", lang), "num"),
        "n_calibration": (t("ev.calibrations", lang), "int"),
        "mad_expert": (t("ev.mad_expert", lang), "num"),
        "divergent_rules": (t("ev.divergent", lang), "text"),
    }, key="evaluators-reliability", export="evaluators")
    st.markdown(f"**{t('evaluators.agreement', lang)}**")
    if agreement.empty:
        ui.empty(t("evaluators.no_calibration", lang))
        return
    per_rule = (agreement.groupby("rule_id", as_index=False)
                .agg(sessions=("interaction_id", "nunique"), agreement=("agreement", "mean"), alpha=("alpha", "first"))
                .sort_values("agreement"))
    ui.table(ctx, per_rule, {"rule_id": (t("eval.col_rule", lang), "text"),
                             "sessions": (t("ev.sessions", lang), "int"),
                             "agreement": (t("ev.agreement", lang), "num2"),
                             "alpha": (t("ev.alpha", lang), "num2")},
             key="agreement", export="calibration_agreement")


ui.guard(lang, body)
