"""Altair charts sized for a laptop screen, with axis numbers written the reader's way.

Vega formats numbers the English way; in French the axis labels go through a ``labelExpr``
that swaps the decimal point for a comma, and tooltips read pre-formatted text columns.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from dashlib import i18n
from dashlib.i18n import t

MASTERY_COLOURS = {
    "acquired": "#16a34a",
    "developing": "#f59e0b",
    "not_acquired": "#dc2626",
    "insufficient_evidence": "#9ca3af",
}
SERIES_COLOURS = ["#2563eb", "#7c3aed", "#0891b2", "#db2777", "#ea580c", "#65a30d", "#0d9488", "#9333ea",
                  "#ca8a04", "#be123c"]
HEIGHT = 300


def _num_axis(title: str, lang: str, *, domain: tuple[float, float] | None = (0, 100)) -> dict:
    """Axis and scale of a measure: 0-100 for scores, data-driven (not from zero) otherwise."""
    axis = alt.Axis(title=title, grid=True, tickCount=5,
                    labelExpr="replace(format(datum.value, '~r'), '.', ',')" if lang == "fr" else alt.Undefined)
    scale = alt.Scale(domain=list(domain)) if domain else alt.Scale(zero=False)
    return {"axis": axis, "scale": scale}


def _month_column(frame: pd.DataFrame, lang: str, column: str = "period") -> pd.DataFrame:
    out = frame.copy()
    out["month"] = out[column].map(lambda p: i18n.month_label(p, lang))
    return out


def _month_order(frame: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(frame.sort_values("period")["month"]))


def trend(frame: pd.DataFrame, lang: str) -> alt.Chart:
    """An agent's quality and critical scores by month, the team median dotted."""
    rows = []
    for col, key, dash in (("quality_score", "m.quality", False), ("critical_score", "m.critical", False),
                           ("team_median", "m.team_median", True)):
        if col in frame:
            part = frame[["period", col]].rename(columns={col: "value"})
            part["series"] = t(key, lang)
            part["dashed"] = dash
            rows.append(part)
    long = _month_column(pd.concat(rows, ignore_index=True).dropna(subset=["value"]), lang)
    long["label"] = long["value"].map(lambda v: i18n.fmt_num(v, lang))
    order = _month_order(long)
    base = alt.Chart(long).encode(
        x=alt.X("month:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", **_num_axis(t("common.score", lang), lang)),
        color=alt.Color("series:N", title=None,
                        scale=alt.Scale(domain=[t(k, lang) for k in ("m.quality", "m.critical", "m.team_median")],
                                        range=["#2563eb", "#7c3aed", "#6b7280"]),
                        legend=alt.Legend(orient="bottom")),
        strokeDash=alt.condition("datum.dashed", alt.value([5, 4]), alt.value([1, 0])),
        tooltip=[alt.Tooltip("series:N", title=" "), alt.Tooltip("month:N", title=t("common.month", lang)),
                 alt.Tooltip("label:N", title=t("common.score", lang))],
    )
    return (base.mark_line(strokeWidth=2.5) + base.mark_point(filled=True, size=60)).properties(height=HEIGHT)


def competency_bars(frame: pd.DataFrame, lang: str, names: dict[str, str]) -> alt.LayerChart:
    """Score per competency coloured by mastery, Wilson interval as a black rule, team median diamond."""
    data = frame.copy()
    data["name"] = data["competency"].map(lambda c: f"{c} · {names.get(c, c)}"[:60])
    data["mastery_label"] = data["mastery"].map(lambda m: i18n.mastery_label(m, lang))
    data["score_label"] = data["score"].map(lambda v: i18n.fmt_num(v, lang))
    data["ci_label"] = [f"{i18n.fmt_num(lo, lang)} – {i18n.fmt_num(hi, lang)}" for lo, hi in zip(data["ci_low"], data["ci_high"])]
    data["median_label"] = data.get("team_median", pd.Series(dtype=float)).map(lambda v: i18n.fmt_num(v, lang))
    data["n_label"] = data["n_evaluations"].map(lambda v: i18n.fmt_int(v, lang))
    order = list(data["name"])
    domain = list(MASTERY_COLOURS)
    y = alt.Y("name:N", sort=order, title=None, axis=alt.Axis(labelLimit=320))
    tooltip = [
        alt.Tooltip("name:N", title=t("common.competency", lang)),
        alt.Tooltip("score_label:N", title=t("common.score", lang)),
        alt.Tooltip("mastery_label:N", title=t("m.mastery", lang)),
        alt.Tooltip("ci_label:N", title=t("m.ci", lang)),
        alt.Tooltip("n_label:N", title=t("m.evaluations", lang)),
        alt.Tooltip("median_label:N", title=t("m.team_median", lang)),
    ]
    bars = alt.Chart(data).mark_bar(cornerRadiusEnd=4, height=18).encode(
        y=y, x=alt.X("score:Q", **_num_axis(t("common.score", lang), lang)),
        color=alt.Color("mastery:N", scale=alt.Scale(domain=domain, range=[MASTERY_COLOURS[d] for d in domain]),
                        legend=alt.Legend(title=t("m.mastery", lang), orient="bottom",
                                          labelExpr=_mastery_legend_expr(lang))),
        opacity=alt.condition("datum.mastery == 'insufficient_evidence'", alt.value(0.45), alt.value(0.9)),
        tooltip=tooltip,
    )
    ci = alt.Chart(data).mark_rule(color="#111827", strokeWidth=2).encode(y=y, x="ci_low:Q", x2="ci_high:Q")
    layers = [bars, ci]
    if "team_median" in data and data["team_median"].notna().any():
        layers.append(alt.Chart(data.dropna(subset=["team_median"])).mark_point(
            shape="diamond", size=110, filled=True, color="#111827", opacity=0.85).encode(
            y=y, x="team_median:Q", tooltip=tooltip))
    return alt.layer(*layers).properties(height=alt.Step(30))


def _mastery_legend_expr(lang: str) -> str:
    parts = " : ".join(f"datum.label == '{code}' ? {_js_text(i18n.mastery_label(code, lang))}" for code in MASTERY_COLOURS)
    return f"{parts} : datum.label"


def _js_text(text: str) -> str:
    """A Vega expression string literal ("En cours d'acquisition" has a quote)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def heatmap(frame: pd.DataFrame, lang: str, agent_order: list[str], min_evaluations: int) -> alt.LayerChart:
    """Agents x competencies: colour = score, pale with '?' where evidence is insufficient."""
    data = frame.copy()
    data["score_label"] = data["score"].map(lambda v: i18n.fmt_num(v, lang, 0))
    data["cell"] = [s + (" ?" if m == "insufficient_evidence" else "") for s, m in zip(data["score_label"], data["mastery"])]
    data["mastery_label"] = data["mastery"].map(lambda m: i18n.mastery_label(m, lang))
    data["n_label"] = data["n_evaluations"].map(lambda v: i18n.fmt_int(v, lang))
    competencies = sorted(data["competency"].unique())
    x = alt.X("competency:N", sort=competencies, title=None, axis=alt.Axis(orient="top", labelAngle=0))
    y = alt.Y("row:N", sort=agent_order, title=None, axis=alt.Axis(labelLimit=220))
    tooltip = [alt.Tooltip("row:N", title=t("common.agent", lang)),
               alt.Tooltip("competency:N", title=t("common.competency", lang)),
               alt.Tooltip("score_label:N", title=t("common.score", lang)),
               alt.Tooltip("mastery_label:N", title=t("m.mastery", lang)),
               alt.Tooltip("n_label:N", title=t("m.evaluations", lang))]
    rect = alt.Chart(data).mark_rect(stroke="white", strokeWidth=1.5).encode(
        x=x, y=y,
        color=alt.Color("score:Q", scale=alt.Scale(scheme="redyellowgreen", domain=[40, 100], clamp=True),
                        legend=alt.Legend(title=t("common.score", lang), orient="bottom")),
        opacity=alt.condition(f"datum.n_evaluations < {int(min_evaluations)}", alt.value(0.35), alt.value(1.0)),
        tooltip=tooltip,
    )
    text = alt.Chart(data).mark_text(fontSize=11).encode(x=x, y=y, text="cell:N", tooltip=tooltip)
    return alt.layer(rect, text).properties(height=alt.Step(28))


def lines(frame: pd.DataFrame, lang: str, *, value: str, series: str, y_title: str,
          highlight: str | None = None) -> alt.Chart:
    """Several series over months (agents or competencies), one highlighted if asked."""
    data = _month_column(frame.dropna(subset=[value]), lang)
    data["label"] = data[value].map(lambda v: i18n.fmt_num(v, lang))
    order = _month_order(data)
    chart = alt.Chart(data).encode(
        x=alt.X("month:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y(f"{value}:Q", **_num_axis(y_title, lang, domain=None)),
        color=alt.Color(f"{series}:N", title=None, legend=alt.Legend(orient="right", labelLimit=200)),
        tooltip=[alt.Tooltip(f"{series}:N", title=" "), alt.Tooltip("month:N", title=t("common.month", lang)),
                 alt.Tooltip("label:N", title=y_title)],
    )
    if highlight is not None:
        chart = chart.encode(
            opacity=alt.condition(f"datum['{series}'] == {_js_text(highlight)}", alt.value(1.0), alt.value(0.25)),
            strokeWidth=alt.condition(f"datum['{series}'] == {_js_text(highlight)}", alt.value(3.5), alt.value(1.5)),
        )
    return (chart.mark_line() + chart.mark_point(filled=True, size=40)).properties(height=HEIGHT)


def hbars(frame: pd.DataFrame, lang: str, *, category: str, value: str, title: str,
          colour: str = "#2563eb", domain: tuple[float, float] | None = (0, 100)) -> alt.Chart:
    """Horizontal bars with value labels (breakdowns, weakest criteria)."""
    data = frame.copy()
    data["label"] = data[value].map(lambda v: i18n.fmt_num(v, lang))
    order = list(data[category])
    y = alt.Y(f"{category}:N", sort=order, title=None, axis=alt.Axis(labelLimit=360))
    bars = alt.Chart(data).mark_bar(color=colour, cornerRadiusEnd=4, height=16).encode(
        y=y, x=alt.X(f"{value}:Q", **_num_axis(title, lang, domain=domain)),
        tooltip=[alt.Tooltip(f"{category}:N", title=" "), alt.Tooltip("label:N", title=title)])
    text = alt.Chart(data).mark_text(align="left", dx=4, fontSize=11).encode(y=y, x=f"{value}:Q", text="label:N")
    return alt.layer(bars, text).properties(height=alt.Step(26))


def histogram(frame: pd.DataFrame, lang: str, width: int = 5) -> alt.Chart:
    """Evaluations per score band, fatal ones in red."""
    data = frame.copy()
    data["band"] = [f"{i18n.fmt_int(b, lang)}–{i18n.fmt_int(b + width, lang)}" for b in data["bin_start"]]
    data["without"] = data["n_evaluations"] - data["n_fatal"]
    long = data.melt(id_vars=["bin_start", "band"], value_vars=["without", "n_fatal"], var_name="kind", value_name="n")
    names = {"without": t("m.evaluations", lang), "n_fatal": t("m.fatal", lang)}
    long["kind_label"] = long["kind"].map(names)
    long["n_label"] = long["n"].map(lambda v: i18n.fmt_int(v, lang))
    return alt.Chart(long).mark_bar().encode(
        x=alt.X("band:N", sort=list(data["band"]), title=t("common.score", lang), axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("n:Q", stack=True, **_num_axis(t("m.evaluations", lang), lang, domain=None)),
        color=alt.Color("kind_label:N", title=None, scale=alt.Scale(domain=[names["without"], names["n_fatal"]],
                                                                    range=["#2563eb", "#dc2626"]),
                        legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("band:N", title=t("common.score", lang)), alt.Tooltip("kind_label:N", title=" "),
                 alt.Tooltip("n_label:N", title=t("m.evaluations", lang))],
    ).properties(height=HEIGHT)
