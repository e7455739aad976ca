"""Team leader / quality manager: one agent's scorecard (the agent's view) plus coaching notes."""

import streamlit as st
from dashlib import agent_view, i18n, page, ui
from dashlib.i18n import t
from dashlib.state import changed, read

from scorecard import access
from scorecard.errors import UserError

ctx = page.start()
lang = ctx.lang
ui.header(t("agentpage.title", lang), page.period_subtitle(ctx))
agents = read("agents_in_scope", ctx.window)
if agents.empty:
    ui.empty(t("agentpage.none", lang))
    st.stop()
labels = {r.agent_id: f"{r.agent_name or r.agent_id} · {r.team or '–'} ({r.agent_id})" for r in agents.itertuples(index=False)}
ids = list(labels)
requested = st.query_params.get("agent")
if requested and requested not in labels:
    st.warning(t("eval.not_found", lang), icon=":material/lock:")  # an id outside the scope shows nothing
    st.stop()
agent_id = st.selectbox(t("agentpage.pick", lang), ids, index=ids.index(requested) if requested in ids else 0,
                        format_func=labels.get, key="agent_pick")
st.query_params["agent"] = agent_id


def notes() -> None:
    st.subheader(t("notes.title", lang))
    st.caption(t("notes.help", lang))
    with st.form("note", clear_on_submit=True):
        text = st.text_area(t("notes.new", lang), max_chars=access.MAX_TEXT, key="note_text")
        if st.form_submit_button(t("notes.save", lang)):
            try:
                access.add_coaching_note(ctx.db.con, ctx.scope, ctx.rid, agent_id, text, ctx.window.p_to)
            except UserError as exc:
                st.error(str(exc))
            else:
                changed()
                st.toast(t("notes.saved", lang))
    existing = read("coaching_notes", ctx.rid, agent_id)
    if existing.empty:
        st.caption(t("notes.empty", lang))
    for r in existing.itertuples(index=False):
        with st.container(border=True):
            st.caption(t("notes.by", lang, when=i18n.fmt_datetime(r.created_at, lang), who=r.created_by))
            st.markdown(r.note)


ui.guard(lang, lambda: agent_view.render(ctx, agent_id, own=False))
ui.guard(lang, notes)
