"""Who is signed in and which rows they may see.

A :class:`Scope` is resolved once at sign-in from the users store and then passed, as an
argument, to every data function (and to every cached function: a cache keyed without the
scope would serve one person's rows to another). It never comes from the URL, a widget or
a query parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from scorecard.errors import ScopeError

Role = Literal["agent", "team_leader", "quality_manager"]
ROLES: tuple[str, ...] = get_args(Role)


@dataclass(frozen=True)
class Scope:
    """The signed-in user's role and the slice of the centre it opens.

    * ``agent``: the rows of ``agent_id`` only (plus anonymous team medians);
    * ``team_leader``: agents while they belong to one of ``teams`` (plus centre medians);
    * ``quality_manager``: the whole centre.
    """

    username: str
    role: Role
    agent_id: str | None = None
    teams: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ScopeError(f"unknown role {self.role!r}; roles: {', '.join(ROLES)} / rôle inconnu")
        if self.role == "agent" and not self.agent_id:
            raise ScopeError("an agent user needs an agent id / un conseiller doit avoir un identifiant")
        if self.role == "team_leader" and not self.teams:
            raise ScopeError("a team leader needs at least one team / un responsable d'équipe doit avoir une équipe")
        object.__setattr__(self, "teams", tuple(sorted(set(self.teams))))

    @property
    def is_agent(self) -> bool:
        return self.role == "agent"

    @property
    def is_team_leader(self) -> bool:
        return self.role == "team_leader"

    @property
    def is_quality_manager(self) -> bool:
        return self.role == "quality_manager"

    def describe(self) -> str:
        """One line for logs and the CLI: ``agent A001``, ``teams Nord, Sud``, ``whole centre``."""
        if self.is_agent:
            return f"agent {self.agent_id}"
        if self.is_team_leader:
            return f"team{'s' if len(self.teams) > 1 else ''} {', '.join(self.teams)}"
        return "whole centre"
