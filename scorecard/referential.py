"""The competency referential the rules point at (REAC CRCD 2015 by default).

A referential names competencies (``CP1``..``CP9``, ``CT1``..``CT4``) and, for each, its
numbered performance criteria in French (with a working English translation). Rules refer to
a criterion by 1-based index or by its exact French text; coverage reports count criteria.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from scorecard.resources import referential_path


class Criterion(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    fr: str
    en: str


class Competency(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    code: str
    fr: str
    en: str
    criteria: tuple[Criterion, ...]
    transversal: bool = False


class Referential(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    name: str
    title: str
    competencies: dict[str, Competency]

    def criterion_index(self, competency: str, ref: int | str) -> int | None:
        """1-based index of a criterion given by index or exact French text; None if unknown."""
        comp = self.competencies.get(competency)
        if comp is None:
            return None
        if isinstance(ref, bool):
            return None
        if isinstance(ref, int):
            return ref if 1 <= ref <= len(comp.criteria) else None
        for i, crit in enumerate(comp.criteria, start=1):
            if crit.fr == ref:
                return i
        return None

    def all_criteria(self) -> list[tuple[str, int, Criterion]]:
        """Every (competency, index, criterion), in referential order."""
        return [
            (code, i, crit)
            for code, comp in self.competencies.items()
            for i, crit in enumerate(comp.criteria, start=1)
        ]


def load_referential(name: str = "reac_crcd_2015", search: Path | None = None) -> Referential:
    """Load a referential by name: ``<search>/<name>.yaml`` first, then the bundled one."""
    if search is not None and (search / f"{name}.yaml").exists():
        return _parse(search / f"{name}.yaml", name)
    bundled = referential_path()
    if bundled.stem == name:
        return _cached_bundled(str(bundled), name)
    raise FileNotFoundError(f"referential {name!r} not found (bundled: {bundled.stem})")


@lru_cache(maxsize=4)
def _cached_bundled(path: str, name: str) -> Referential:
    return _parse(Path(path), name)


def _parse(path: Path, name: str) -> Referential:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    comps: dict[str, Competency] = {}
    for key, transversal in (("competencies", False), ("transversal", True)):
        for c in raw.get(key, []):
            comps[c["code"]] = Competency(
                code=c["code"],
                fr=c["fr"],
                en=c["en"],
                criteria=tuple(Criterion(**k) for k in c["criteria"]),
                transversal=transversal,
            )
    return Referential(name=name, title=raw.get("title", name), competencies=comps)
