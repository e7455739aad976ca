"""Where bundled files live, in a wheel and in a source checkout.

A wheel carries ``rules/``, ``sample_data/`` and ``dashboard/`` under
``scorecard/_bundled/`` (see pyproject's force-include); an editable install or a plain
checkout reads them from the repository root. Callers never guess paths themselves.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_BUNDLED = _PACKAGE / "_bundled"
_REPO = _PACKAGE.parent


def _find(name: str) -> Path:
    for base in (_BUNDLED, _REPO):
        candidate = base / name
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"bundled resource {name!r} not found under {_BUNDLED} or {_REPO}")


def default_rules_dir() -> Path:
    """The default ruleset ``rules/crcd``."""
    return _find("rules") / "crcd"


def sample_data_dir() -> Path:
    """The committed sample exports (``sample_data/``)."""
    return _find("sample_data")


def dashboard_dir() -> Path:
    """The Streamlit app folder (``dashboard/``)."""
    return _find("dashboard")


def referential_path() -> Path:
    """The REAC referential the default rules point at (a copy ships inside the package)."""
    return _PACKAGE / "data" / "reac_crcd_2015.yaml"


def profiles_dir() -> Path:
    """Import profiles shipped with the package (canonical, fr_excel, genesys_cloud...)."""
    return _PACKAGE / "importing" / "profiles"
