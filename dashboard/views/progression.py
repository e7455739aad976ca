"""Agent: "Ma progression" (own scores only; colleagues appear only as a team median)."""

from dashlib import agent_view, page, ui
from dashlib.i18n import t
from dashlib.state import read

ctx = page.start()
me = read("agents_in_scope", ctx.window)
name = me["agent_name"].iloc[0] if not me.empty and isinstance(me["agent_name"].iloc[0], str) else ctx.scope.agent_id
team = me["team"].iloc[0] if not me.empty and isinstance(me["team"].iloc[0], str) else "–"
ui.header(t("agent.title", ctx.lang), t("agent.subtitle", ctx.lang, name=name, team=team) + " · " + page.period_subtitle(ctx))
ui.guard(ctx.lang, lambda: agent_view.render(ctx, str(ctx.scope.agent_id), own=True))
