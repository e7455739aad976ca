"""Import profiles: how to read one kind of export (data.md, "Import profiles").

A profile is a YAML file checked strictly (pydantic, unknown keys refused); a mistake is
reported with the file, the line and the key, like a rule file. Shipped profiles live in
``scorecard/importing/profiles/``; ``--profile`` takes one of their names or a path.
"""

from __future__ import annotations

import re
import zoneinfo
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from scorecard.errors import ImportRefused
from scorecard.importing._cast import Answers, Kind
from scorecard.importing._text import header_key, snake_case, token
from scorecard.importing._vocab import builtin_values
from scorecard.resources import profiles_dir
from scorecard.store import CANONICAL_COLUMNS

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_CANONICAL_KEYS = {header_key(c): c for c in CANONICAL_COLUMNS}


class ProfileError(ImportRefused):
    """A profile file is refused; names the file, line and key."""

    def __init__(self, file: str, line: int | None, key: str | None, message: str) -> None:
        self.file, self.line, self.key, self.message = file, line, key, message
        where = file + (f":{line}" if line is not None else "") + (f": {key}" if key else "")
        super().__init__(f"{where}: {message}")


def _check_name(name: str) -> str:
    if not _NAME.match(name) or name.startswith("_"):
        raise ValueError(
            f"{name!r} is not a column name (lower case letters, digits and _, "
            "starting with a letter)"
        )
    return name


class LongSpec(BaseModel):
    """Columns of a long (one row per item) export."""

    model_config = ConfigDict(extra="forbid")

    item: str
    answer: str
    comment: str | None = None
    #: optional column flagging the item not applicable (Genesys "Marked N/A")
    not_applicable: str | None = None


class Profile(BaseModel):
    """One import profile (data.md's example, keys exactly as documented)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    format: Literal["wide", "long"] | None = None
    columns: dict[str, str | None] = {}
    values: dict[str, dict[str, str | int | float | bool]] = {}
    date_order: Literal["dmy", "mdy", "ymd"] = "dmy"
    timezone: str | None = None
    answers: Answers | None = None
    types: dict[str, Kind] = {}
    long: LongSpec | None = None

    @field_validator("columns")
    @classmethod
    def _targets(cls, columns: dict[str, str | None]) -> dict[str, str | None]:
        for target in columns.values():
            if target is not None:
                base = target.removesuffix("__comment")
                _check_name(base)
        return columns

    @field_validator("values", "types")
    @classmethod
    def _keys(cls, mapping: dict[str, object]) -> dict[str, object]:
        for name in mapping:
            _check_name(name)
        return mapping

    @field_validator("timezone")
    @classmethod
    def _zone(cls, zone: str | None) -> str | None:
        if zone is not None and zone not in zoneinfo.available_timezones():
            raise ValueError(f"unknown time zone {zone!r} (example: Europe/Paris)")
        return zone

    # -- reading headers -------------------------------------------------------------

    def column_map(self) -> dict[str, str | None]:
        """header_key -> target column (None: ignore the column)."""
        return {header_key(header): target for header, target in self.columns.items()}

    def target_of(self, header: str) -> str | None:
        """Column a header lands in; ``None`` for a column the profile ignores.

        Explicit mapping first, then canonical names in any spelling, then snake_case.
        """
        key = header_key(header)
        mapped = self.column_map()
        if key in mapped:
            return mapped[key]
        if key in _CANONICAL_KEYS:
            return _CANONICAL_KEYS[key]
        return snake_case(header) or None

    def value_map(self, column: str) -> dict[str, str]:
        """token of a value in the file -> stored value, built-in words then the profile's."""
        merged = dict(builtin_values().get(column, {}))
        for raw, stored in self.values.get(column, {}).items():
            text = str(stored).lower() if isinstance(stored, bool) else str(stored)
            merged[token(str(raw))] = text
        return merged

    def long_roles(self) -> dict[str, str]:
        """header_key -> role (item, answer, comment, not_applicable) for long exports."""
        if self.long is None:
            return {}
        roles = {
            "item": self.long.item,
            "answer": self.long.answer,
            "comment": self.long.comment,
            "not_applicable": self.long.not_applicable,
        }
        return {header_key(h): role for role, h in roles.items() if h}

    def match_score(self, headers: list[str]) -> int:
        """How many headers this profile names explicitly (for ``--profile auto``)."""
        keys = set(self.column_map()) | set(self.long_roles())
        return sum(1 for h in headers if header_key(h) in keys)


def _line_of(node: yaml.Node | None, loc: tuple[object, ...]) -> int | None:
    """Line (1-based) of the YAML key a pydantic error location points at."""
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == str(part):
                    line, node = key_node.start_mark.line + 1, value_node
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
        else:
            return line
    return line


def load_profile(path: str | Path) -> Profile:
    """Read and check a profile file; :class:`ProfileError` names file, line and key."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(str(path), None, None, f"profil illisible / unreadable profile: {exc}")
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ProfileError(str(path), line, None, f"YAML invalide / invalid YAML: {exc}")
    if not isinstance(data, dict):
        raise ProfileError(str(path), 1, None, "un profil est un dictionnaire / a profile is a mapping")
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        key = ".".join(str(p) for p in loc) or None
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "clé inconnue / unknown key"
        raise ProfileError(str(path), _line_of(node, loc), key, message) from None


@cache
def _shipped() -> dict[str, Path]:
    return {p.stem: p for p in sorted(profiles_dir().glob("*.yaml"))}


def shipped_profiles() -> list[str]:
    """Names of the profiles shipped with scorecard."""
    return list(_shipped())


def resolve_profile(profile: str | Path) -> Profile:
    """A shipped profile by name, or a profile file by path."""
    if isinstance(profile, str) and profile in _shipped():
        return load_profile(_shipped()[profile])
    path = Path(profile)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return load_profile(path)
    raise ImportRefused(
        f"profil inconnu / unknown profile: {profile!r} (profils livrés / shipped: "
        f"{', '.join(shipped_profiles())}, ou le chemin d'un fichier .yaml / or a .yaml path)"
    )


def best_profile(headers: list[str]) -> str:
    """The shipped profile naming most of these headers; ``canonical`` on a tie."""
    scores = {name: resolve_profile(name).match_score(headers) for name in shipped_profiles()}
    order = sorted(scores, key=lambda n: (-scores[n], n != "canonical", n))
    return order[0]
