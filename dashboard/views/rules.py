"""Quality manager: the ruleset in use, its rules, coverage of the REAC criteria, version comparison."""

import pandas as pd
import streamlit as st
from dashlib import charts, i18n, page, ui
from dashlib.i18n import t
from dashlib.state import read

from scorecard.referential import load_referential

ctx = page.start()
lang = ctx.lang
ruleset = ctx.window.ruleset
ui.header(t("rules.title", lang), page.period_subtitle(ctx))


def coverage(rules: pd.DataFrame) -> None:
    st.subheader(t("rules.coverage", lang))
    referential = load_referential(ruleset.referential)
    covered = set(zip(rules["competency"], rules["criterion"]))
    rows = [{"competency": code, "index": i, "criterion": crit.en if lang == "en" else crit.fr,
             "covered": (code, i) in covered, "n_rules": int(((rules["competency"] == code) & (rules["criterion"] == i)).sum())}
            for code, i, crit in referential.all_criteria()]
    crit = pd.DataFrame(rows)
    n_cov, total = int(crit["covered"].sum()), len(crit)
    st.metric(t("rules.coverage", lang), t("rules.coverage_value", lang, covered=n_cov, total=total),
              i18n.fmt_pct(100.0 * n_cov / total, lang, 0), delta_color="off", delta_arrow="off", border=True)
    per_comp = crit.groupby("competency", sort=False).agg(n=("covered", "size"), covered=("covered", "sum")).reset_index()
    per_comp["pct"] = 100.0 * per_comp["covered"] / per_comp["n"]
    names = ui.competency_names(ctx)
    per_comp["name"] = [f"{c} · {ui.short(names.get(c, c), 50)} ({int(k)}/{int(n)})"
                        for c, k, n in zip(per_comp["competency"], per_comp["covered"], per_comp["n"])]
    st.altair_chart(charts.hbars(per_comp, lang, category="name", value="pct", title="%", colour="#16a34a"),
                    width="stretch")
    missing = crit[~crit["covered"]]
    if missing.empty:
        st.success(t("rules.all_covered", lang), icon=":material/check_circle:")
    else:
        st.markdown(f"**{t('rules.uncovered', lang)}**")
        ui.table(ctx, missing, {"competency": (t("common.competency", lang), "text"), "index": ("#", "int"),
                                "criterion": (t("eval.col_criterion", lang), "text")}, key="uncovered", export="uncovered")


def rules_table(rules: pd.DataFrame) -> None:
    st.subheader(t("rules.table", lang))
    view = rules.assign(label=rules["label_en"] if lang == "en" else rules["label_fr"])
    ui.table(ctx, view, {
        "rule_id": ("ID", "text"), "competency": (t("common.competency", lang), "text"), "criterion": ("#", "int"),
        "label": (t("eval.col_rule", lang), "text"), "criterion_fr": (t("eval.col_criterion", lang), "text"),
        "kind": ("check/score", "text"), "weight": (t("eval.col_weight", lang), "num"),
        "pass_mark": ("pass_mark", "num2"), "critical": (t("flag.critical", lang), "bool"),
        "fatal": (t("flag.fatal", lang), "bool"), "when_sql": ("when", "text"), "value_sql": ("check / score", "text"),
    }, key="rules", export=f"rules_{ruleset.label}", height=420)


def compare() -> None:
    st.subheader(t("rules.compare", lang))
    others = [r for r in ctx.rulesets if r.ruleset_id != ruleset.ruleset_id]
    if not others:
        ui.empty(t("rules.compare_single", lang))
        return
    st.caption(t("rules.compare_help", lang))
    labels = {r.ruleset_id: f"{r.label} ({i18n.fmt_datetime(r.scored_at, lang)})" for r in others}
    other_id = st.selectbox(t("rules.compare_with", lang), list(labels), format_func=labels.get, key=f"compare_with-{lang}")
    other = next(r for r in others if r.ruleset_id == other_id)
    result = read("compare_rulesets", ctx.window, other)
    o = result["overall"].iloc[0]
    c = st.columns(4)
    c[0].metric(t("rules.mean_a", lang, label=ruleset.label), i18n.fmt_num(o["mean_a"], lang), border=True)
    c[1].metric(t("rules.mean_a", lang, label=other.label), i18n.fmt_num(o["mean_b"], lang),
                i18n.fmt_delta(o["mean_delta"], lang), border=True)
    c[2].metric(t("rules.changed", lang), i18n.fmt_int(o["n_changed"], lang),
                i18n.fmt_pct(100.0 * o["n_changed"] / o["n_evaluations"], lang) if o["n_evaluations"] else None,
                delta_color="off", delta_arrow="off", border=True)
    c[3].metric(t("m.fatal", lang), f"{i18n.fmt_int(o['fatal_a'], lang)} → {i18n.fmt_int(o['fatal_b'], lang)}", border=True)
    measure = {"n_evaluations": (t("m.evaluations", lang), "int"), "mean_a": (ruleset.label, "num"),
               "mean_b": (other.label, "num"), "mean_delta": ("Δ", "num"), "n_changed": (t("rules.changed", lang), "int")}
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('rules.by_team', lang)}**")
        ui.table(ctx, result["by_team"], {"team": (t("common.team", lang), "text"), **measure},
                 key="cmp-team", export="compare_by_team")
    with right:
        st.markdown(f"**{t('rules.by_competency', lang)}**")
        ui.table(ctx, result["by_competency"], {"competency": (t("common.competency", lang), "text"),
                                                "score_a": (ruleset.label, "num"), "score_b": (other.label, "num"),
                                                "delta": ("Δ", "num")}, key="cmp-comp", export="compare_by_competency")
    changes = result["rules"][result["rules"]["change"] != "same"]
    st.markdown(f"**{t('rules.rule_changes', lang)}** ({len(changes)})")
    if not changes.empty:
        view = changes.assign(change=changes["change"].map(lambda c: t(f"change.{c}", lang)))
        ui.table(ctx, view, {"rule_id": ("ID", "text"), "competency": (t("common.competency", lang), "text"),
                             "criterion": ("#", "int"), "change": (t("rules.change_col", lang), "text"),
                             "weight_a": (f"{t('eval.col_weight', lang)} {ruleset.label}", "num"),
                             "weight_b": (f"{t('eval.col_weight', lang)} {other.label}", "num"),
                             "value_a": (ruleset.label, "text"), "value_b": (other.label, "text")},
                 key="cmp-rules", export="compare_rules")


def body() -> None:
    rules = read("ruleset_rules", ruleset.ruleset_id)
    st.markdown(t("rules.version", lang, label=ruleset.label, hash=ruleset.content_hash, n=len(rules),
                  date=i18n.fmt_datetime(ruleset.scored_at, lang)))
    coverage(rules)
    rules_table(rules)
    compare()


ui.guard(lang, body)
