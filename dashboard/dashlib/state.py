"""Session state, the shared connection and cached scoped reads.

The scope lives in ``st.session_state`` only after a successful sign-in; pages never build
one from the URL or a widget. Cached reads are keyed on the database key (path, connection,
write version), the function name, the *scope* and the arguments: two users never share a
cache entry unless they have the same scope.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from scorecard import access
from scorecard.access import DashboardDb, Scope, data
from scorecard.errors import UserError

SCOPE_KEY = "scorecard_scope"
CONTEXT_KEY = "scorecard_page_context"
LANG_KEY = "scorecard_lang"


def _release(db: DashboardDb) -> None:
    db.close()


@st.cache_resource(show_spinner=False, on_release=_release)
def _open(path: str) -> DashboardDb:
    return access.open_dashboard_db(path)


def db_path() -> Path | None:
    return access.db_path_from_argv(sys.argv[1:])


def get_db() -> DashboardDb:
    """The process-wide connection to the database given on the command line."""
    path = db_path()
    if path is None or not path.exists():
        raise FileNotFoundError(str(path))
    return _open(str(path.resolve()))


def lang() -> str:
    return st.session_state.get(LANG_KEY) or "fr"


def scope() -> Scope | None:
    value = st.session_state.get(SCOPE_KEY)
    return value if isinstance(value, Scope) else None


def sign_in(value: Scope) -> None:
    st.session_state[SCOPE_KEY] = value


def sign_out() -> None:
    for key in list(st.session_state.keys()):
        if key != LANG_KEY:
            del st.session_state[key]


@st.cache_data(ttl=600, max_entries=2000, show_spinner=False)
def _cached(db_key: str, fn_name: str, who: Scope, args: tuple, kwargs: tuple) -> Any:
    """One scoped read; ``db_key`` and ``who`` are part of the cache key on purpose."""
    db = get_db()
    return getattr(data, fn_name)(db.con, who, *args, **dict(kwargs))


def read(fn_name: str, *args: Any, **kwargs: Any) -> Any:
    """Call ``scorecard.access.data.<fn_name>(con, scope, *args)`` through the cache."""
    who = scope()
    if who is None:
        raise UserError("not signed in / non connecté")
    return _cached(get_db().key, fn_name, who, args, tuple(sorted(kwargs.items())))


def changed() -> None:
    """After a write: new cache keys for every later read (other sessions included)."""
    get_db().bump()


@dataclass(frozen=True)
class PageContext:
    """What every page needs, resolved once per run."""

    db: DashboardDb
    scope: Scope
    lang: str
    window: data.Window | None  # None: nothing scored yet, or no evaluation in scope
    periods: tuple[str, ...]
    rulesets: tuple[data.RulesetInfo, ...]

    @property
    def rid(self) -> int:
        if self.window is None:
            raise UserError("nothing scored yet / aucun score")
        return self.window.rid


def frame_or_empty(value: Any) -> pd.DataFrame:
    return value if isinstance(value, pd.DataFrame) else pd.DataFrame()
