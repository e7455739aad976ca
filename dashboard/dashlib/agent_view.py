"""One agent's scorecard: the agent's own page and, read-only, the team leader's agent page.

The agent id passed in is a *request*: every read is scoped, so an agent asking for a
colleague's id (or an evaluation id from a URL) gets empty frames and the "not in your
scope" message, never a row.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashlib import charts, i18n, ui
from dashlib.i18n import t
from dashlib.state import PageContext, read
from scorecard import access

WIDE_INTERVAL = 30.0
OUTCOME_CSS = {"pass": "color: #166534; font-weight: 600", "fail": "color: #b91c1c; font-weight: 600",
               "na": "color: #6b7280"}  # points: wider than this, say the sample is small in plain words


def render(ctx: PageContext, agent_id: str, *, own: bool) -> None:
    """Trend, competencies, evaluations and the evaluation detail for ``agent_id``."""
    monthly = read("agent_monthly", ctx.window, agent_id)
    if monthly.empty:
        ui.empty(t("agent.no_agent" if own else "common.no_data_period", ctx.lang))
        return
    _cards(ctx, monthly)
    st.subheader(t("agent.trend", ctx.lang))
    st.caption(t("agent.trend_help", ctx.lang))
    st.altair_chart(charts.trend(monthly, ctx.lang), width="stretch")
    if monthly["team_median"].isna().all():
        st.caption(t("agent.no_peers", ctx.lang, n=access.data.MIN_PEERS))
    _competencies(ctx, agent_id, own=own)
    _evaluations(ctx, agent_id, own=own)


def _cards(ctx: PageContext, monthly: pd.DataFrame) -> None:
    lang = ctx.lang
    last = monthly.iloc[-1]
    prev = monthly.iloc[-2] if len(monthly) > 1 else None
    st.caption(t("agent.latest_month", lang, month=i18n.month_label(last["period"], lang)))
    c1, c2, c3, c4 = st.columns(4)

    def delta(col: str) -> str | None:
        if prev is None:
            return None
        return i18n.fmt_delta(last[col] - prev[col], lang) if pd.notna(last[col]) and pd.notna(prev[col]) else None

    c1.metric(t("m.quality", lang), i18n.fmt_num(last["quality_score"], lang), delta("quality_score"),
              help=t("m.vs_previous", lang), border=True)
    c2.metric(t("m.critical", lang), i18n.fmt_num(last["critical_score"], lang), delta("critical_score"), border=True)
    fatal_change = 0 if prev is None else int(last["n_fatal"] - prev["n_fatal"])
    fatal_delta = i18n.fmt_delta(fatal_change, lang, 0) if fatal_change else None
    c3.metric(t("m.fatal", lang), i18n.fmt_int(last["n_fatal"], lang), fatal_delta, delta_color="inverse", border=True)
    c4.metric(t("m.team_median", lang), i18n.fmt_num(last["team_median"], lang), border=True)


def _competencies(ctx: PageContext, agent_id: str, *, own: bool) -> None:
    lang = ctx.lang
    mastery = ctx.window.ruleset.mastery
    comps = read("agent_competencies", ctx.window, agent_id)
    st.subheader(t("agent.competencies" if own else "agent.competencies_other", lang))
    if comps.empty:
        ui.empty(t("common.no_data_period", lang))
        return
    st.caption(t("agent.competencies_help", lang) + " " + t(
        "mastery.help", lang, acq=i18n.fmt_num(mastery["acquired"], lang, 0),
        dev=i18n.fmt_num(mastery["developing"], lang, 0), min=mastery["min_evaluations"]))
    names = ui.competency_names(ctx)
    st.altair_chart(charts.competency_bars(comps, lang, names), width="stretch")
    notes = []
    for row in comps.itertuples(index=False):
        label = f"**{row.competency}** · {ui.short(names.get(row.competency, row.competency), 60)}"
        if row.mastery == "insufficient_evidence":
            notes.append(f"- {label} : " + t("evidence.too_few", lang, n=int(row.n_evaluations),
                                             min=mastery["min_evaluations"]))
        elif pd.notna(row.ci_low) and row.ci_high - row.ci_low > WIDE_INTERVAL:
            notes.append(f"- {label} : " + t("evidence.wide", lang, low=i18n.fmt_pct(row.ci_low, lang, 0),
                                             high=i18n.fmt_pct(row.ci_high, lang, 0)))
    if notes:
        st.markdown("\n".join(notes))
    view = comps.assign(name=comps["competency"].map(lambda c: f"{c} · {names.get(c, c)}"))
    with st.expander(t("common.competency", lang) + " · " + t("m.evidence", lang)):
        ui.table(ctx, view, {
            "name": (t("common.competency", lang), "text"), "score": (t("common.score", lang), "num"),
            "mastery": (t("m.mastery", lang), "mastery"), "pass_rate": (t("m.pass_rate", lang), "pct"),
            "ci_low": (t("col.ci_low", lang), "pct"),
            "ci_high": (t("col.ci_high", lang), "pct"),
            "n_evaluations": (t("m.evaluations", lang), "int"), "n_outcomes": (t("m.outcomes", lang), "int"),
            "team_median": (t("m.team_median", lang), "num"),
        }, key=f"comp-{agent_id}", export=f"competencies_{agent_id}")


def _status(row: pd.Series, lang: str) -> str:
    if bool(row.get("excluded")):
        return t("status.excluded", lang)
    status = row.get("dispute_status")
    if isinstance(status, str):
        return t(f"status.{status}", lang)
    if pd.notna(row.get("acknowledged_at")):
        return t("status.acknowledged", lang)
    return t("status.new", lang)


def _evaluations(ctx: PageContext, agent_id: str, *, own: bool) -> None:
    lang = ctx.lang
    st.subheader(t("agent.evaluations" if own else "agent.evaluations_other", lang))
    evals = read("agent_evaluations", ctx.window, agent_id)
    requested = st.query_params.get("evaluation")
    if evals.empty and not requested:
        ui.empty(t("common.no_data_period", lang))
        return
    if not evals.empty:
        evals = evals.assign(status=[_status(r, lang) for _, r in evals.iterrows()],
                             evaluator=evals["evaluator_id"].fillna(t("common.hidden", lang)))
        ui.table(ctx, evals, {
            "interaction_at": (t("col.date", lang), "datetime"), "channel": (t("col.channel", lang), "channel"),
            "activity": (t("col.activity", lang), "activity"), "evaluator": (t("col.evaluator", lang), "text"),
            "score": (t("common.score", lang), "num"), "critical_score": (t("m.critical", lang), "num"),
            "fatal_failed": (t("col.fatal", lang), "bool"), "status": (t("col.status", lang), "text"),
            "evaluation_id": ("ID", "text"),
        }, key=f"evals-{agent_id}", export=f"evaluations_{agent_id}", height=min(400, 38 + 35 * len(evals)))
    ids = list(evals["evaluation_id"]) if not evals.empty else []
    labels = {
        r.evaluation_id: f"{i18n.fmt_datetime(r.interaction_at, lang)} · {i18n.channel_label(r.channel, lang)} · "
                         f"{i18n.activity_label(r.activity, lang)} · {i18n.fmt_num(r.score, lang)}"
        for r in evals.itertuples(index=False)
    } if ids else {}
    if requested and requested not in labels:
        render_evaluation(ctx, str(requested), own=own)  # scoped read: shows "not in your scope"
        return
    choice = st.selectbox(t("agent.pick_evaluation", lang), ids, index=ids.index(requested) if requested in ids else 0,
                          format_func=lambda e: labels.get(e, e), key=f"pick-{agent_id}-{lang}")
    if choice:
        render_evaluation(ctx, choice, own=own)


def render_evaluation(ctx: PageContext, evaluation_id: str, *, own: bool) -> None:
    """The line-by-line explanation of one evaluation, its history, and (own) the actions."""
    lang = ctx.lang
    header = read("evaluation_header", ctx.rid, evaluation_id)
    if header.empty:
        st.warning(t("eval.not_found", lang), icon=":material/lock:")
        return
    ev = header.iloc[0]
    with st.container(border=True):
        st.markdown(f"#### {t('eval.title', lang, date=i18n.fmt_datetime(ev['interaction_at'], lang))}")
        evaluator = ev["evaluator_id"] if isinstance(ev["evaluator_id"], str) else t("common.hidden", lang)
        st.caption(t("eval.facts", lang, channel=i18n.channel_label(ev["channel"], lang),
                     activity=i18n.activity_label(ev["activity"], lang), evaluator=evaluator)
                   + f" · {ev['evaluation_id']}")
        lines = read("evaluation_lines", ctx.rid, evaluation_id)
        _score_explanation(ctx, ev, lines)
        if isinstance(ev["comment"], str) and ev["comment"].strip():
            st.markdown(f"**{t('eval.comment', lang)}** : {ev['comment']}" if lang == "fr"
                        else f"**{t('eval.comment', lang)}**: {ev['comment']}")
        _lines_table(ctx, lines, evaluation_id)
        feedback = read("evaluation_feedback", ctx.rid, evaluation_id)
        _history(ctx, feedback)
        if own and ctx.scope.is_agent:
            _actions(ctx, evaluation_id, feedback)


def _rule_label(row: pd.Series, lang: str) -> str:
    return str(row["label_en"] if lang == "en" else row["label_fr"])


def _score_explanation(ctx: PageContext, ev: pd.Series, lines: pd.DataFrame) -> None:
    lang = ctx.lang
    if bool(ev["excluded"]):
        st.info(t("eval.excluded", lang), icon=":material/block:")
    if pd.isna(ev["score"]):
        st.markdown(t("eval.not_scored", lang))
        return
    st.markdown(t("eval.score_line", lang, score=i18n.fmt_num(ev["score"], lang)))
    if bool(ev["fatal_failed"]):
        fatal = lines[(lines["fatal"]) & (lines["outcome"] == "fail")]
        names = ", ".join(f"« {_rule_label(r, lang)} »" if lang == "fr" else f"“{_rule_label(r, lang)}”"
                          for _, r in fatal.iterrows())
        st.error(t("eval.fatal", lang, rules=names, before=i18n.fmt_num(ev["score_before_fatal"], lang)), icon=":material/block:")
    if pd.notna(ev["critical_score"]):
        st.markdown(t("eval.critical", lang, score=i18n.fmt_num(ev["critical_score"], lang)))
        failed = lines[(lines["critical"]) & (lines["outcome"] == "fail")]
        if not failed.empty:
            st.warning(t("eval.critical_failed", lang, rules=", ".join(_rule_label(r, lang) for _, r in failed.iterrows())),
                       icon=":material/warning:")


def _lines_table(ctx: PageContext, lines: pd.DataFrame, evaluation_id: str) -> None:
    lang = ctx.lang
    st.markdown(f"**{t('eval.lines', lang)}**")
    n_na = int((lines["outcome"] == "na").sum())
    show_na = st.toggle(t("eval.show_na", lang, n=n_na), value=False, key=f"na-{evaluation_id}") if n_na else False
    view = lines if show_na else lines[lines["outcome"] != "na"]
    flags = []
    for _, r in view.iterrows():
        kinds = [t("flag.fatal", lang)] if r["fatal"] else []
        kinds += [t("flag.critical", lang)] if r["critical"] else []
        flags.append(", ".join(kinds))
    css = {t(f"outcome.{o}", lang): style for o, style in OUTCOME_CSS.items()}
    table = view.assign(
        rule=[_rule_label(r, lang) for _, r in view.iterrows()],
        criterion_text=[f"{r.competency}.{r.criterion} · {ui.short(r.criterion_fr, 70)}" for r in view.itertuples(index=False)],
        outcome_text=view["outcome"].map(lambda o: t(f"outcome.{o}", lang)),
        flags=flags,
        comment=view["comment"].fillna(""),
    )
    ui.table(ctx, table, {
        "outcome_text": (t("eval.col_outcome", lang), "text"), "rule": (t("eval.col_rule", lang), "text"),
        "comment": (t("eval.col_comment", lang), "text"), "weight": (t("eval.col_weight", lang), "num0"),
        "flags": (t("eval.col_flags", lang), "text"), "criterion_text": (t("eval.col_criterion", lang), "text"),
    }, key=f"lines-{evaluation_id}", export=f"evaluation_{evaluation_id}",
        colours={"outcome_text": lambda v: css.get(v, "")})


def _history(ctx: PageContext, feedback: pd.DataFrame) -> None:
    lang = ctx.lang
    if feedback.empty:
        return
    st.markdown(f"**{t('eval.feedback', lang)}**")
    for r in feedback.itertuples(index=False):
        when = i18n.fmt_datetime(r.created_at, lang)
        if r.kind == "acknowledge":
            st.markdown("- " + t("fb.acknowledge", lang, when=when, who=r.created_by))
            continue
        st.markdown("- " + t("fb.dispute", lang, when=when, who=r.created_by, comment=r.comment))
        replied = i18n.fmt_datetime(r.replied_at, lang)
        if r.status == "open":
            st.markdown("  - " + t("fb.open", lang))
        elif r.status == "accepted":
            st.markdown("  - " + t(f"fb.accepted_{r.resolution}", lang, when=replied, who=r.replied_by))
        else:
            st.markdown("  - " + t("fb.rejected", lang, when=replied, who=r.replied_by))
        if isinstance(r.reply, str) and r.reply:
            st.markdown("  - " + t("fb.reply", lang, reply=r.reply))


def _actions(ctx: PageContext, evaluation_id: str, feedback: pd.DataFrame) -> None:
    lang = ctx.lang
    acks = feedback[feedback["kind"] == "acknowledge"] if not feedback.empty else feedback
    left, right = st.columns([1, 2])
    with left:
        if acks.empty:
            if st.button(t("eval.ack", lang), key=f"ack-{evaluation_id}", type="primary", icon=":material/check_circle:"):
                ui.write_action(lang, lambda: access.acknowledge(ctx.db.con, ctx.scope, ctx.rid, evaluation_id),
                                t("eval.ack_saved", lang))
        else:
            st.success(t("eval.ack_done", lang, when=i18n.fmt_datetime(acks["created_at"].iloc[-1], lang)), icon=":material/check_circle:")
    open_dispute = (not feedback.empty) and bool(((feedback["kind"] == "dispute") & (feedback["status"] == "open")).any())
    with right:
        if open_dispute:
            return
        with (st.expander(t("eval.dispute", lang), icon=":material/forum:"),
              st.form(key=f"dispute-{evaluation_id}", clear_on_submit=True)):
            comment = st.text_area(t("eval.dispute_comment", lang), max_chars=access.MAX_TEXT,
                                   key=f"dispute-text-{evaluation_id}")
            if st.form_submit_button(t("eval.dispute_submit", lang)):
                ui.write_action(lang, lambda: access.dispute(ctx.db.con, ctx.scope, ctx.rid, evaluation_id, comment),
                                t("eval.dispute_saved", lang))
