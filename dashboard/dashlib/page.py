"""Start of every page script: the context app.py resolved, or a clear empty state."""

from __future__ import annotations

import streamlit as st

from dashlib import ui
from dashlib.i18n import t
from dashlib.state import CONTEXT_KEY, PageContext


def start(*, needs_scores: bool = True) -> PageContext:
    """The page context; stops the page with an explanation when there is nothing to show."""
    ctx = st.session_state.get(CONTEXT_KEY)
    if not isinstance(ctx, PageContext):
        st.stop()
    if needs_scores and ctx.window is None:
        if not ctx.rulesets:
            ui.empty(t("common.not_scored", ctx.lang))
        else:
            ui.empty(t("agent.no_agent" if ctx.scope.is_agent else "common.no_data", ctx.lang))
        st.stop()
    return ctx


def period_subtitle(ctx: PageContext) -> str:
    from dashlib import i18n

    assert ctx.window is not None
    return i18n.range_label(ctx.window.p_from, ctx.window.p_to, ctx.lang)
