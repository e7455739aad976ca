"""Pydantic models of the ruleset files, exactly as rules.md writes them.

``extra="forbid"`` everywhere: an unknown key is a typo until proven otherwise, and a typo in
a quality grid silently changes agents' scores.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ColumnType = Literal["boolean", "integer", "number", "text", "timestamp"]

#: DuckDB type a declared column type is read as.
DUCKDB_TYPES: dict[str, str] = {
    "boolean": "BOOLEAN",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "text": "VARCHAR",
    "timestamp": "TIMESTAMP",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScoringSettings(_Strict):
    evaluation: Literal["points", "sections"] = "points"
    aggregate: Literal["mean", "pooled"] = "mean"
    na: Literal["exclude", "fail"] = "exclude"


class MasterySettings(_Strict):
    acquired: float = Field(80, ge=0, le=100)
    developing: float = Field(60, ge=0, le=100)
    min_evaluations: int = Field(5, ge=0)


class RulesetSettings(_Strict):
    """``scorecard.yaml``."""

    name: str = Field(pattern=r"^[a-z0-9_-]+$")
    version: str = Field(min_length=1)
    referential: str = "reac_crcd_2015"
    scoring: ScoringSettings = ScoringSettings()
    competency_weights: dict[str, float] = {}
    mastery: MasterySettings = MasterySettings()
    columns: dict[str, ColumnType] = {}

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int | float) else v

    @field_validator("competency_weights")
    @classmethod
    def _weights_non_negative(cls, v: dict[str, float]) -> dict[str, float]:
        for code, w in v.items():
            if w < 0:
                raise ValueError(f"competency weight of {code} must be >= 0, got {w}")
        return v


class Label(_Strict):
    fr: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Example(_Strict):
    record: dict[str, Any]
    expect: Literal["pass", "fail", "na"]


class RuleModel(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    competency: str | None = None
    criterion: int | str
    label: Label | None = None
    check: str | None = None
    score: str | None = None
    pass_mark: float | None = Field(None, gt=0, le=1)
    weight: float = Field(1, gt=0)
    when: str | None = None
    critical: bool = False
    fatal: bool = False
    examples: list[Example] = []


class RuleFileModel(_Strict):
    competency: str | None = None
    when: str | None = None
    rules: list[RuleModel] = Field(min_length=1)
