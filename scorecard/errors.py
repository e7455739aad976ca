"""Errors a user can act on.

Every refusal the CLI turns into exit code 1 derives from :class:`UserError`; its message is
written for a quality manager (what, where, how to fix), in French and English where it is
shown in the dashboard.
"""

from __future__ import annotations


class UserError(Exception):
    """Input, rules or state refused with a message meant for the person who ran the command."""


class RuleError(UserError):
    """A rule file or ruleset is refused. Names the file, the line and the key."""

    def __init__(self, file: str, line: int | None, key: str | None, message: str) -> None:
        self.file = file
        self.line = line
        self.key = key
        self.message = message
        where = file
        if line is not None:
            where += f":{line}"
        if key:
            where += f": {key}"
        super().__init__(f"{where}: {message}")


class ImportRefused(UserError):
    """An import was refused as a whole; the database is unchanged."""


class DatabaseBusy(UserError):
    """Another process holds the DuckDB file (DuckDB allows one writer or many readers)."""


class ScopeError(UserError):
    """A request asked for data outside the signed-in user's scope."""


class RuleErrors(UserError):
    """Every problem found in a ruleset at once, so an author fixes them in one pass."""

    def __init__(self, errors: list[RuleError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))
