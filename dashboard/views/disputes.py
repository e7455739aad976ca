"""Team leader / quality manager: answer agents' disputes (accept -> excluded or corrected; reject with a reply)."""

import pandas as pd
import streamlit as st
from dashlib import agent_view, i18n, page, ui
from dashlib.i18n import t
from dashlib.state import read

from scorecard import access

ctx = page.start()
lang = ctx.lang
ui.header(t("disputes.title", lang))


def decide(row: pd.Series) -> None:
    fid = int(row["feedback_id"])
    choices = {"excluded": t("disputes.accept_exclude", lang), "corrected": t("disputes.accept_correct", lang),
               "reject": t("disputes.reject", lang)}
    with st.form(f"decision-{fid}"):
        decision = st.radio(t("disputes.decision", lang), list(choices), format_func=choices.get, key=f"decision-{fid}-{lang}")
        reply = st.text_area(t("disputes.reply", lang), max_chars=access.MAX_TEXT, key=f"reply-{fid}")
        if st.form_submit_button(t("disputes.submit", lang), type="primary"):
            ui.write_action(lang, lambda: access.answer_dispute(
                ctx.db.con, ctx.scope, ctx.rid, fid, accept=decision != "reject", reply=reply,
                resolution=None if decision == "reject" else decision), t("disputes.saved", lang))


def item_title(row: pd.Series) -> str:
    return t("disputes.item", lang, agent=row["agent_name"] or row["agent_id"],
             date=i18n.fmt_datetime(row["interaction_at"], lang), score=i18n.fmt_num(row["score"], lang))


def body() -> None:
    all_disputes = read("disputes", ctx.rid, open_only=False)
    open_ = all_disputes[all_disputes["status"] == "open"] if not all_disputes.empty else all_disputes
    closed = all_disputes[all_disputes["status"] != "open"] if not all_disputes.empty else all_disputes
    tab_open, tab_closed = st.tabs([f"{t('disputes.open', lang)} ({len(open_)})", f"{t('disputes.closed', lang)} ({len(closed)})"])
    with tab_open:
        if open_.empty:
            ui.empty(t("disputes.none", lang))
        for _, row in open_.iterrows():
            with st.container(border=True):
                st.markdown(f"**{item_title(row)}**")
                st.caption(f"{i18n.channel_label(row['channel'], lang)} · {i18n.activity_label(row['activity'], lang)} · "
                           f"{row['team'] or '–'} · {row['evaluation_id']}")
                st.markdown(f"**{t('disputes.agent_comment', lang)}** ({i18n.fmt_datetime(row['created_at'], lang)}) : "
                            f"« {row['comment']} »")
                with st.expander(t("disputes.open_eval", lang)):
                    agent_view.render_evaluation(ctx, row["evaluation_id"], own=False)
                decide(row)
    with tab_closed:
        if closed.empty:
            ui.empty(t("disputes.none_closed", lang))
            return
        view = closed.assign(decision=[t(f"decision.{r if s == 'accepted' else 'rejected'}", lang)
                                       for s, r in zip(closed["status"], closed["resolution"])])
        ui.table(ctx, view, {
            "agent_name": (t("common.agent", lang), "text"), "interaction_at": (t("col.date", lang), "datetime"),
            "score": (t("common.score", lang), "num"), "comment": (t("disputes.agent_comment", lang), "text"),
            "decision": (t("disputes.decision", lang), "text"), "reply": (t("decision.reply", lang), "text"),
            "replied_at": (t("decision.when", lang), "datetime"), "replied_by": (t("decision.by", lang), "text"),
        }, key="closed-disputes", export="disputes")


ui.guard(lang, body)
