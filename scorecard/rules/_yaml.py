"""YAML loading that remembers where every value came from.

PyYAML's composed node tree carries line numbers; we convert it to plain Python values and
keep a map ``path -> line`` so that a pydantic error location such as
``('rules', 3, 'weight')`` becomes "rules/cp6.yaml:41: rules[3].weight". Duplicate keys,
which PyYAML would silently collapse, are refused here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from scorecard.errors import RuleError

Location = tuple[str | int, ...]

#: libyaml's parser when available (10x faster); both give the same nodes and marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LocatedDocument:
    """A YAML document as Python data plus the line of each value, keyed by its path."""

    def __init__(self, file: str, data: Any, lines: dict[Location, int]) -> None:
        self.file = file
        self.data = data
        self.lines = lines

    def line_of(self, loc: Location) -> int | None:
        """Line of the deepest known ancestor of ``loc`` (pydantic may point inside a value)."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), 1)

    def error(self, loc: Location, message: str) -> RuleError:
        return RuleError(self.file, self.line_of(loc), format_location(loc), message)


def format_location(loc: Location) -> str:
    """``('rules', 3, 'weight')`` -> ``rules[3].weight``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def load_located(path: Path, display: str | None = None) -> LocatedDocument:
    """Parse one YAML file; syntax errors and duplicate keys become :class:`RuleError`."""
    file = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RuleError(file, None, None, f"not UTF-8 text ({exc.reason})") from exc
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise RuleError(file, line, None, f"YAML syntax error: {problem}") from exc
    lines: dict[Location, int] = {}
    data = _convert(node, (), lines, file) if node is not None else None
    return LocatedDocument(file, data, lines)


def _convert(node: yaml.Node, loc: Location, lines: dict[Location, int], file: str) -> Any:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            if key in out:
                raise RuleError(
                    file, key_node.start_mark.line + 1, format_location(loc + (key,)), "duplicate key"
                )
            lines[loc + (key,)] = key_node.start_mark.line + 1
            out[key] = _convert(value_node, loc + (key,), lines, file)
            lines[loc + (key,)] = key_node.start_mark.line + 1  # the key's line, not its value's
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, loc + (i,), lines, file) for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise RuleError("<yaml>", node.start_mark.line + 1, None, "a key must be a plain value")
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()
