"""Loading a ruleset folder into checked, resolved rules.

The result is immutable and self-contained: every expression has been checked and
regenerated, every rule knows its competency, criterion index, weights and the columns it
reads, and the whole carries a content hash so stored results can say exactly which rules
produced them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from scorecard.errors import RuleError, RuleErrors
from scorecard.referential import Referential, load_referential
from scorecard.rules._expressions import ExpressionError, check_expression
from scorecard.rules._models import DUCKDB_TYPES, Example, RuleFileModel, RulesetSettings
from scorecard.rules._yaml import LocatedDocument, load_located
from scorecard.store import CANONICAL_COLUMNS

SETTINGS_FILE = "scorecard.yaml"


@dataclass(frozen=True)
class Rule:
    """One checked rule, resolved against its file and the referential."""

    id: str
    competency: str
    criterion: int
    criterion_fr: str
    label_fr: str
    label_en: str
    kind: str  # "check" | "score"
    value_sql: str
    when_sql: str | None
    pass_mark: float
    weight: float
    competency_weight: float
    critical: bool
    fatal: bool
    columns: frozenset[str]
    examples: tuple[Example, ...]
    file: str
    line: int | None


@dataclass(frozen=True)
class Ruleset:
    """A validated ruleset: settings, rules in file order, referential, content hash."""

    settings: RulesetSettings
    rules: tuple[Rule, ...]
    referential: Referential
    content_hash: str
    source: str
    column_types: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.settings.name

    @property
    def version(self) -> str:
        return self.settings.version

    def declared_columns(self) -> dict[str, str]:
        """Declared observation columns as DuckDB types."""
        return {c: DUCKDB_TYPES[t] for c, t in self.settings.columns.items()}

    def used_columns(self) -> set[str]:
        return {c for r in self.rules for c in r.columns}

    def competencies(self) -> list[str]:
        """Competencies measured by at least one rule, in referential order."""
        used = {r.competency for r in self.rules}
        return [c for c in self.referential.competencies if c in used]

    def uncovered_criteria(self) -> list[tuple[str, int, str]]:
        """Referential criteria that no rule measures: (competency, index, French text)."""
        covered = {(r.competency, r.criterion) for r in self.rules}
        return [
            (code, i, crit.fr)
            for code, i, crit in self.referential.all_criteria()
            if (code, i) not in covered
        ]


def load_ruleset(path: str | Path, *, known_columns: dict[str, str] | None = None) -> Ruleset:
    """Load and check a ruleset folder (rules.md). Raises :class:`RuleErrors` naming file/line/key.

    ``known_columns`` are the columns stored in the database (name -> DuckDB type); without a
    database only canonical and declared columns are known.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise RuleErrors([RuleError(str(folder), None, None, "ruleset folder not found")])
    settings_path = folder / SETTINGS_FILE
    if not settings_path.exists():
        raise RuleErrors([RuleError(str(settings_path), None, None, "missing settings file scorecard.yaml")])
    doc = load_located(settings_path)
    settings = _validate(doc, RulesetSettings)
    try:
        referential = load_referential(settings.referential, search=folder)
    except FileNotFoundError as exc:
        raise RuleErrors([doc.error(("referential",), str(exc))]) from exc

    errors: list[RuleError] = []
    for code in settings.competency_weights:
        if code not in referential.competencies:
            errors.append(doc.error(("competency_weights", code), f"unknown competency {code!r}"))
    for col in settings.columns:
        if col in CANONICAL_COLUMNS or col.startswith("_"):
            errors.append(
                doc.error(
                    ("columns", col), f"{col!r} is a canonical or internal column; it cannot be declared"
                )
            )

    column_types = _column_types(known_columns, settings)
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    files = sorted(p for p in folder.glob("*.yaml") if p.name != SETTINGS_FILE)
    if not files:
        errors.append(RuleError(str(folder), None, None, "no rule files (*.yaml) besides scorecard.yaml"))
    for file in files:
        try:
            rules.extend(_load_rule_file(file, settings, referential, column_types, seen, errors))
        except RuleError as exc:
            errors.append(exc)
    if errors:
        raise RuleErrors(errors)
    return Ruleset(
        settings=settings,
        rules=tuple(rules),
        referential=referential,
        content_hash=_content_hash(settings, rules),
        source=str(folder),
        column_types=column_types,
    )


def _column_types(known: dict[str, str] | None, settings: RulesetSettings) -> dict[str, str]:
    """Columns a rule may read, with the type it sees: declared types win over stored ones."""
    types = dict(CANONICAL_COLUMNS)
    for name, typ in (known or {}).items():
        if not name.startswith("_"):
            types.setdefault(name, typ)
    types.update({c: DUCKDB_TYPES[t] for c, t in settings.columns.items() if c not in CANONICAL_COLUMNS})
    return types


def _validate(doc: LocatedDocument, model: type[Any]) -> Any:
    if not isinstance(doc.data, dict):
        raise RuleErrors([doc.error((), "expected a mapping (key: value) at the top of the file")])
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        raise RuleErrors([_pydantic_error(doc, err) for err in exc.errors()]) from None


def _pydantic_error(doc: LocatedDocument, err: Any) -> RuleError:
    loc = tuple(err["loc"])
    if err["type"] == "extra_forbidden":
        return doc.error(loc, "unknown key")
    if err["type"] == "missing":
        return doc.error(loc, "missing required key")
    return doc.error(loc, err["msg"])


def _load_rule_file(
    file: Path,
    settings: RulesetSettings,
    referential: Referential,
    column_types: dict[str, str],
    seen: dict[str, str],
    errors: list[RuleError],
) -> list[Rule]:
    doc = load_located(file)
    model: RuleFileModel = _validate(doc, RuleFileModel)
    file_when = None
    if model.when is not None:
        try:
            file_when = check_expression(model.when, column_types, expect="boolean")
        except ExpressionError as exc:
            errors.append(doc.error(("when",), str(exc)))
    if model.competency is not None and model.competency not in referential.competencies:
        errors.append(doc.error(("competency",), f"unknown competency {model.competency!r}"))
    out: list[Rule] = []
    for i, rm in enumerate(model.rules):
        loc = ("rules", i)
        before = len(errors)
        if rm.id in seen:
            errors.append(doc.error(loc + ("id",), f"duplicate rule id {rm.id!r} (first in {seen[rm.id]})"))
        seen.setdefault(rm.id, f"{doc.file}:{doc.line_of(loc + ('id',))}")
        competency = rm.competency or model.competency
        if competency is None:
            errors.append(doc.error(loc, "no competency: set it on the rule or at the top of the file"))
            continue
        if competency not in referential.competencies:
            if rm.competency is not None:
                errors.append(doc.error(loc + ("competency",), f"unknown competency {competency!r}"))
            continue
        criterion = referential.criterion_index(competency, rm.criterion)
        if criterion is None:
            n = len(referential.competencies[competency].criteria)
            errors.append(
                doc.error(
                    loc + ("criterion",),
                    f"unknown criterion {rm.criterion!r} of {competency} (give 1..{n} or the exact French text)",
                )
            )
        if (rm.check is None) == (rm.score is None):
            errors.append(doc.error(loc, "exactly one of 'check' or 'score' is required"))
            continue
        kind = "check" if rm.check is not None else "score"
        value = None
        try:
            value = check_expression(
                rm.check if kind == "check" else rm.score,  # type: ignore[arg-type]
                column_types,
                expect="boolean" if kind == "check" else "number",
            )
        except ExpressionError as exc:
            errors.append(doc.error(loc + (kind,), str(exc)))
        rule_when = None
        if rm.when is not None:
            try:
                rule_when = check_expression(rm.when, column_types, expect="boolean")
            except ExpressionError as exc:
                errors.append(doc.error(loc + ("when",), str(exc)))
        if len(errors) > before or value is None or criterion is None:
            continue
        whens = [w.sql for w in (file_when, rule_when) if w is not None]
        crit = referential.competencies[competency].criteria[criterion - 1]
        out.append(
            Rule(
                id=rm.id,
                competency=competency,
                criterion=criterion,
                criterion_fr=crit.fr,
                label_fr=rm.label.fr if rm.label else crit.fr,
                label_en=rm.label.en if rm.label else crit.en,
                kind=kind,
                value_sql=value.sql,
                when_sql=" AND ".join(f"({w})" for w in whens) if whens else None,
                pass_mark=rm.pass_mark if rm.pass_mark is not None else 1.0,
                weight=rm.weight,
                competency_weight=settings.competency_weights.get(competency, 1.0),
                critical=rm.critical,
                fatal=rm.fatal,
                columns=value.columns
                | (file_when.columns if file_when else frozenset())
                | (rule_when.columns if rule_when else frozenset()),
                examples=tuple(rm.examples),
                file=doc.file,
                line=doc.line_of(loc + ("id",)),
            )
        )
    return out


def _content_hash(settings: RulesetSettings, rules: list[Rule]) -> str:
    """Hash of the validated content: formatting and comments do not change it, meaning does."""
    payload = {
        "settings": settings.model_dump(mode="json"),
        "rules": sorted(
            (
                {
                    "id": r.id,
                    "competency": r.competency,
                    "criterion": r.criterion,
                    "kind": r.kind,
                    "value": r.value_sql,
                    "when": r.when_sql,
                    "pass_mark": r.pass_mark,
                    "weight": r.weight,
                    "critical": r.critical,
                    "fatal": r.fatal,
                    "label": [r.label_fr, r.label_en],
                }
                for r in rules
            ),
            key=lambda d: d["id"],
        ),
    }
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()[:16]
