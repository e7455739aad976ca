"""Quality manager: upload CSV/XLSX exports, choose or detect the profile, see the report and rejects."""

import streamlit as st
from dashlib import page, ui
from dashlib.i18n import t
from dashlib.state import changed, read

from scorecard import access
from scorecard.errors import ImportRefused, UserError

ctx = page.start(needs_scores=False)
lang = ctx.lang
ui.header(t("import.title", lang))
st.caption(t("import.help", lang))
try:
    from scorecard.importing import shipped_profiles
except ImportError:
    ui.empty(t("import.unavailable", lang))
    st.stop()

REJECT_COLUMNS = {key: (t(f"col.{key}", lang), "int" if key == "line" else "text")
                  for key in ("file", "line", "column", "value", "reason")}
profiles = ["auto"] + sorted(shipped_profiles())
formats = {"auto": t("import.format_auto", lang), "wide": t("import.format_wide", lang), "long": t("import.format_long", lang)}

with st.form("import", border=True):
    files = st.file_uploader(t("import.files", lang), type=["csv", "txt", "tsv", "xlsx", "xlsm"],
                             accept_multiple_files=True, key="import_files")
    c1, c2 = st.columns(2)
    profile = c1.selectbox(t("import.profile", lang), profiles, key=f"import_profile-{lang}",
                           format_func=lambda p: t("import.profile_auto", lang) if p == "auto" else p)
    fmt = c2.selectbox(t("import.format", lang), list(formats), format_func=formats.get, key=f"import_format-{lang}")
    strict = st.checkbox(t("import.strict", lang), key="import_strict")
    submitted = st.form_submit_button(t("import.submit", lang), type="primary", icon=":material/upload_file:")

if submitted:
    if not files:
        st.warning(t("import.choose", lang))
    else:
        try:
            with st.spinner(t("import.submit", lang) + "…"):
                outcome = access.import_uploads(ctx.db.con, ctx.scope, ctx.db.upload_dir,
                                                [(f.name, f.getvalue()) for f in files],
                                                profile=profile, format=fmt, strict=strict, lang=lang)
        except ImportRefused as exc:
            st.error(t("import.refused", lang, msg=exc), icon=":material/block:")
        except UserError as exc:
            st.error(str(exc), icon=":material/warning:")
        else:
            changed()
            st.session_state["import_outcome"] = outcome

outcome = st.session_state.get("import_outcome")
if outcome is not None:
    st.subheader(t("import.report", lang))
    for f in outcome.report.files:
        if f.profile_auto:
            st.markdown(t("import.detected", lang, file=f.path.rsplit("/", 1)[-1], profile=f.profile or "canonical"))
    st.code(outcome.report.render(lang), language=None)
    if outcome.scoring:
        st.success(t("import.rescored", lang, msg=outcome.scoring), icon=":material/check_circle:")
    if outcome.scoring_error:
        st.warning(t("import.score_failed", lang, msg=outcome.scoring_error), icon=":material/warning:")
    st.markdown(f"**{t('import.rejects', lang)}**")
    rejects = outcome.report.rejects_frame()
    if rejects.empty:
        st.caption(t("import.no_rejects", lang))
    else:
        rejects = rejects.assign(file=rejects["file"].map(lambda p: str(p).rsplit("/", 1)[-1]))
        ui.table(ctx, rejects, REJECT_COLUMNS,
                 key="last-rejects", export="import_rejects")


def history() -> None:
    st.subheader(t("import.log", lang))
    log = read("imports_log")
    if log.empty:
        ui.empty(t("common.no_data", lang))
        return
    log = log.assign(file=log["file"].map(lambda p: str(p).rsplit("/", 1)[-1]))
    ui.table(ctx, log, {
        "imported_at": (t("col.date", lang), "datetime"), "file": (t("col.file", lang), "text"),
        "profile": (t("import.profile", lang), "text"), "rows": (t("col.rows", lang), "int"),
        "new": (t("col.new", lang), "int"), "replaced": (t("col.replaced", lang), "int"),
        "unchanged": (t("col.unchanged", lang), "int"),
        "rejected": (t("col.rejected", lang), "int"),
        "skipped": (t("col.skipped", lang), "int"), "sha256": ("SHA-256", "text"),
    }, key="imports-log", export="imports")
    with st.expander(t("import.all_rejects", lang)):
        rejects = read("rejects_table")
        if rejects.empty:
            st.caption(t("import.no_rejects", lang))
        else:
            rejects = rejects.assign(file=rejects["file"].map(lambda p: str(p).rsplit("/", 1)[-1]))
            ui.table(ctx, rejects, {"imported_at": (t("col.date", lang), "datetime"), **REJECT_COLUMNS},
                     key="all-rejects", export="rejects")


ui.guard(lang, history)
