"""Page furniture shared by every page: header, metric cards, tables with downloads, states."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from dashlib import i18n
from dashlib.i18n import t
from dashlib.state import PageContext
from scorecard.access import MIME, QueryTimeout, export_bytes, export_name
from scorecard.errors import UserError

CSS = """
<style>
  [data-testid="stMetric"] {
    background: var(--secondary-background-color); border-radius: 12px;
    padding: 14px 18px 10px 18px; border: 1px solid rgba(49, 51, 63, 0.08);
  }
  [data-testid="stMetricLabel"] p { font-size: 0.85rem; opacity: 0.8; }
  [data-testid="stMetricValue"] { font-size: 1.7rem; }
  .sc-subtitle { color: rgba(49, 51, 63, 0.65); margin-top: -0.6rem; margin-bottom: 1rem; }
  .sc-pill { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: 0.8rem;
             font-weight: 600; margin-right: 6px; }
  .sc-acquired { background: #dcfce7; color: #166534; }
  .sc-developing { background: #fef3c7; color: #92400e; }
  .sc-not_acquired { background: #fee2e2; color: #991b1b; }
  .sc-insufficient_evidence { background: #e5e7eb; color: #374151; }
  .sc-brand { font-weight: 700; font-size: 1.15rem; }
  .sc-muted { color: rgba(49, 51, 63, 0.6); font-size: 0.85rem; }
</style>
"""

#: Column kinds understood by :func:`table`.
Kind = str  # "text" | "num" | "num0" | "pct" | "int" | "date" | "datetime" | "month" | "bool" | "mastery" | ...


#: Pickers whose option labels depend on the language carry it in their key: Streamlit keeps
#: a picker's value as its *label*, which would not match the options after a switch.


def header(title: str, subtitle: str | None = None) -> None:
    st.title(title)
    if subtitle:
        st.markdown(f"<div class='sc-subtitle'>{subtitle}</div>", unsafe_allow_html=True)


def empty(message: str) -> None:
    st.info(message, icon=":material/info:")


def mastery_pill(code: str, lang: str) -> str:
    return f"<span class='sc-pill sc-{code}'>{i18n.mastery_label(code, lang)}</span>"


def metric(col: Any, label: str, value: str, delta: str | None = None, *, inverse: bool = False,
           help_text: str | None = None) -> None:
    col.metric(label, value, delta=delta, delta_color="inverse" if inverse else "normal", help=help_text)


def _formatter(kind: Kind, lang: str) -> Callable[[Any], str] | None:
    return {
        "num": lambda v: i18n.fmt_num(v, lang, 1),
        "num0": lambda v: i18n.fmt_num(v, lang, 0),
        "num2": lambda v: i18n.fmt_num(v, lang, 2),
        "pct": lambda v: i18n.fmt_pct(v, lang, 1),
        "int": lambda v: i18n.fmt_int(v, lang),
        "date": lambda v: i18n.fmt_date(v, lang),
        "datetime": lambda v: i18n.fmt_datetime(v, lang),
        "month": lambda v: i18n.month_label(v, lang),
        "bool": lambda v: "–" if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v))
        else t("common.yes" if bool(v) else "common.no", lang),
        "mastery": lambda v: i18n.mastery_label(v, lang),
        "channel": lambda v: i18n.channel_label(v, lang),
        "activity": lambda v: i18n.activity_label(v, lang),
        "evaluator_kind": lambda v: i18n.evaluator_kind_label(v, lang),
    }.get(kind)


def table(ctx: PageContext, frame: pd.DataFrame, columns: dict[str, tuple[str, Kind]], *, key: str,
          export: str | None = None, height: int | None = None, hide_index: bool = True,
          colours: dict[str, Callable[[Any], str]] | None = None) -> None:
    """A sortable table showing ``columns`` (name -> (label, kind)) formatted for the reader's
    language, with CSV/Excel downloads of the same rows (raw values) when ``export`` names it.
    ``colours`` maps a column to a function giving each cell's CSS."""
    shown = [c for c in columns if c in frame.columns]
    labels = _unique_labels([columns[c][0] for c in shown])
    view = frame[shown].reset_index(drop=True)
    for col in shown:  # st.dataframe draws booleans as checkboxes and ignores their format
        if columns[col][1] == "bool":
            view[col] = view[col].map(_formatter("bool", ctx.lang))
    view.columns = labels
    styler = view.style
    for col, css in (colours or {}).items():
        if col in shown:
            styler = styler.map(css, subset=[labels[shown.index(col)]])
    formats = {label: f for col, label in zip(shown, labels)
               if columns[col][1] != "bool" and (f := _formatter(columns[col][1], ctx.lang)) is not None}
    if formats:
        styler = styler.format(formats, na_rep="–")
    kwargs: dict[str, Any] = {"hide_index": hide_index, "width": "stretch", "placeholder": "–"}
    if height is not None:
        kwargs["height"] = height
    st.dataframe(styler, key=key, **kwargs)
    if export:
        downloads(ctx, frame[shown], export, key=key)


def _unique_labels(labels: list[str]) -> list[str]:
    """Column headers must be unique for st.dataframe: repeat labels get a counter."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def downloads(ctx: PageContext, frame: pd.DataFrame, stem: str, *, key: str) -> None:
    """CSV and Excel buttons for rows already read through the scoped layer."""
    with st.container(horizontal=True):
        for fmt, label in (("csv", "common.download_csv"), ("xlsx", "common.download_xlsx")):
            st.download_button(
                t(label, ctx.lang), data=export_bytes(frame, fmt), file_name=export_name(stem, fmt),
                mime=MIME[fmt], key=f"{key}-{fmt}", icon=":material/download:", width="content",
            )


def guard(lang: str, body: Callable[[], None]) -> None:
    """Run a page body; a user-facing error or a time-out becomes a clear message."""
    try:
        body()
    except QueryTimeout:
        st.error(t("timeout", lang), icon=":material/timer:")
    except UserError as exc:
        st.error(str(exc), icon=":material/warning:")


def write_action(lang: str, work: Callable[[], object], success: str) -> None:
    """Run a write (acknowledge, dispute, decision...): refused -> error message; done ->
    fresh caches, a toast and a rerun so every table shows the new state."""
    from dashlib.state import changed

    try:
        work()
    except UserError as exc:
        st.error(str(exc))
        return
    changed()
    st.toast(success)
    st.rerun()


def competency_names(ctx: PageContext) -> dict[str, str]:
    """Competency code -> name in the reader's language, from the ruleset's referential."""
    from scorecard.referential import load_referential

    ref = load_referential()
    return {code: (c.en if ctx.lang == "en" else c.fr) for code, c in ref.competencies.items()}


def short(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
