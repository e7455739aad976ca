"""What an import did, for the CLI (text, French or English) and the dashboard (pandas)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd


@dataclass(frozen=True)
class Reject:
    """One refused value: where (file, physical line, column), what, and why."""

    file: str
    line: int
    column: str
    value: str | None
    reason: str


@dataclass
class FileReport:
    """Counts and details for one file of an import."""

    path: str
    profile: str
    profile_auto: bool
    format: str
    encoding: str
    delimiter: str
    size_bytes: int = 0
    sha256: str = ""
    rows: int = 0  # data rows read (blank rows and notes excluded)
    new: int = 0
    replaced: int = 0
    unchanged: int = 0
    rejected: int = 0  # rows refused (one row may have several rejects)
    blank_lines: list[int] = field(default_factory=list)
    note_lines: list[int] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    columns_added: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    import_id: int | None = None
    already_imported: tuple[int, datetime] | None = None  # (import_id, when) of same sha-256

    @property
    def skipped(self) -> int:
        """Blank rows plus notes-block rows: read, neither stored nor rejected."""
        return len(self.blank_lines) + len(self.note_lines)

    @property
    def changed(self) -> bool:
        return bool(self.new or self.replaced)


def _lines_text(lines: list[int], limit: int = 12) -> str:
    shown = ", ".join(str(n) for n in lines[:limit])
    return shown + (f", … (+{len(lines) - limit})" if len(lines) > limit else "")


_TEXT = {
    "en": {
        "file": "File {path}",
        "read": "  profile {profile}{auto}, {format} format, {encoding}, delimiter {delim}",
        "auto": " (picked automatically)",
        "counts": "  {rows} rows read: {new} new, {replaced} replaced, {unchanged} unchanged, "
        "{rejected} rejected, {skipped} skipped",
        "blank": "  blank rows skipped at lines {lines}",
        "notes": "  notes block after the data skipped at lines {lines}",
        "added": "  new columns: {cols}",
        "more_cols": " and {n} more",
        "comments": "; {n} comment column(s) (<item>__comment)",
        "again": "  this file was already imported (import #{id}, {when}): nothing changed",
        "rejects": "  rejects:",
        "more": "  … and {n} more rejects (see the rejects table)",
        "reject": "    line {line}, {column}: {reason}",
        "noop": "Nothing changed.",
        "total": "Total: {new} new, {replaced} replaced, {unchanged} unchanged, {rejected} rejected.",
    },
    "fr": {
        "file": "Fichier {path}",
        "read": "  profil {profile}{auto}, format {format}, {encoding}, séparateur {delim}",
        "auto": " (choisi automatiquement)",
        "counts": "  {rows} lignes lues : {new} nouvelles, {replaced} remplacées, "
        "{unchanged} inchangées, {rejected} rejetées, {skipped} ignorées",
        "blank": "  lignes vides ignorées : {lines}",
        "notes": "  bloc de notes après les données ignoré : lignes {lines}",
        "added": "  nouvelles colonnes : {cols}",
        "more_cols": " et {n} autres",
        "comments": " ; {n} colonne(s) de commentaires (<item>__comment)",
        "again": "  ce fichier a déjà été importé (import n°{id}, {when}) : rien n'a changé",
        "rejects": "  rejets :",
        "more": "  … et {n} autres rejets (voir la table rejects)",
        "reject": "    ligne {line}, {column} : {reason}",
        "noop": "Rien n'a changé.",
        "total": "Total : {new} nouvelles, {replaced} remplacées, {unchanged} inchangées, "
        "{rejected} rejetées.",
    },
}

def _added_text(added: dict[str, str], t: dict[str, str], max_columns: int) -> str:
    observations = [(c, typ) for c, typ in added.items() if not c.endswith("__comment")]
    n_comments = len(added) - len(observations)
    text = ", ".join(f"{c} ({typ.lower()})" for c, typ in observations[:max_columns])
    if len(observations) > max_columns:
        text += t["more_cols"].format(n=len(observations) - max_columns)
    if n_comments:
        text = (text + t["comments"].format(n=n_comments)) if text else t["comments"].format(n=n_comments)[2:]
    return text


_DELIMS = {";": "';'", ",": "','", "\t": "tab", "|": "'|'", "": "-"}


@dataclass
class ImportReport:
    """The outcome of one ``import_files`` call (all files landed together)."""

    files: list[FileReport] = field(default_factory=list)

    @property
    def is_noop(self) -> bool:
        """True when no evaluation was added or replaced ("same file twice = no change")."""
        return not any(f.changed for f in self.files)

    def total(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    @property
    def rejects(self) -> list[Reject]:
        return [r for f in self.files for r in f.rejects]

    def render(self, lang: str = "en", *, max_rejects: int = 20, max_columns: int = 12) -> str:
        """Human-readable report (``lang`` "en" or "fr"). A first import of a wide export
        adds a hundred columns: the first ``max_columns`` observations are named with their
        type, the rest and the comment siblings are counted (the full list is the schema)."""
        t = _TEXT["fr" if lang == "fr" else "en"]
        out: list[str] = []
        for f in self.files:
            out.append(t["file"].format(path=f.path))
            out.append(
                t["read"].format(
                    profile=f.profile,
                    auto=t["auto"] if f.profile_auto else "",
                    format=f.format,
                    encoding=f.encoding,
                    delim=_DELIMS.get(f.delimiter, repr(f.delimiter)),
                )
            )
            out.append(
                t["counts"].format(
                    rows=f.rows, new=f.new, replaced=f.replaced, unchanged=f.unchanged,
                    rejected=f.rejected, skipped=f.skipped,
                )
            )
            if f.already_imported is not None and not f.changed:
                import_id, when = f.already_imported
                out.append(t["again"].format(id=import_id, when=f"{when:%Y-%m-%d %H:%M}"))
            if f.blank_lines:
                out.append(t["blank"].format(lines=_lines_text(f.blank_lines)))
            if f.note_lines:
                out.append(t["notes"].format(lines=_lines_text(f.note_lines)))
            if f.columns_added:
                out.append(t["added"].format(cols=_added_text(f.columns_added, t, max_columns)))
            out.extend(f"  ! {w}" for w in f.warnings)
            if f.rejects:
                out.append(t["rejects"])
                for r in f.rejects[:max_rejects]:
                    out.append(t["reject"].format(line=r.line, column=r.column, reason=r.reason))
                if len(f.rejects) > max_rejects:
                    out.append(t["more"].format(n=len(f.rejects) - max_rejects))
        if len(self.files) > 1:
            out.append(
                t["total"].format(
                    new=self.total("new"), replaced=self.total("replaced"),
                    unchanged=self.total("unchanged"), rejected=self.total("rejected"),
                )
            )
        if self.is_noop:
            out.append(t["noop"])
        return "\n".join(out)

    def rejects_frame(self) -> pd.DataFrame:
        """Rejects as a DataFrame (file, line, column, value, reason) for the dashboard."""
        return pd.DataFrame(
            [(r.file, r.line, r.column, r.value, r.reason) for r in self.rejects],
            columns=["file", "line", "column", "value", "reason"],
        )
