"""Text normalisation shared by header matching, answer tokens and value maps.

Exports are typed by people: ``Date de l'appel``, ``DATE DE L APPEL`` and ``date_de_lappel``
name the same column, and ``Oui``, `` oui `` and ``OUI`` the same answer. Everything that
compares what a person typed goes through these functions so the rules stay the same
everywhere (Python side here; the SQL side in :mod:`scorecard.importing._cast` mirrors
:func:`token`).
"""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


def strip_accents(text: str) -> str:
    """``Évaluée`` -> ``Evaluee``; ligatures spelled out (``œ`` -> ``oe``)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def header_key(header: str) -> str:
    """Key for matching headers: case, accents, spaces and punctuation ignored.

    ``"Date de l'appel"`` and ``"date_de_l_appel"`` both give ``"datedelappel"``.
    """
    return _NON_ALNUM.sub("", strip_accents(header).lower())


def snake_case(header: str) -> str:
    """Column name for an unmapped header: ``"Vente proposée ?"`` -> ``"vente_proposee"``.

    A ``__comment`` suffix survives (it marks an item's comment column). Names never start
    with ``_`` (reserved for internal columns) nor with a digit.
    """
    base, sep, suffix = header.rpartition("__")
    if sep and header_key(suffix) == "comment" and base.strip():
        return f"{snake_case(base)}__comment"
    name = _NON_ALNUM.sub("_", strip_accents(header).lower()).strip("_")
    if not name:
        return ""
    if name[0].isdigit():
        name = f"c_{name}"
    return name


def token(value: str) -> str:
    """Key for answer tokens and value maps: case, accents and spaces ignored.

    Punctuation is kept (``n/a`` and ``na`` are listed separately in data.md).
    Mirrored in SQL by :func:`scorecard.importing._cast.token_sql`.
    """
    return _SPACES.sub("", strip_accents(value).lower())
