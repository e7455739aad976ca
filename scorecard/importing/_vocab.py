"""Built-in words for the coded canonical columns (data.md): French and English variants.

Keys are compared with :func:`scorecard.importing._text.token` (case, accents and spaces
ignored), so ``Téléphone``, ``telephone`` and ``TÉLÉPHONE`` all read ``phone``. A profile's
``values`` take precedence over these.
"""

from __future__ import annotations

from scorecard.importing._text import token

_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "channel": {
        "phone": ("phone", "téléphone", "tel", "tél", "appel", "call", "voice", "voix",
                  "telephone call"),
        "email": ("email", "e-mail", "mail", "courriel", "mél", "mel"),
        "letter": ("letter", "courrier", "lettre", "postal", "courrier postal"),
        "chat": ("chat", "tchat", "webchat", "messagerie instantanée", "live chat"),
        "sms": ("sms", "texto", "text message"),
        "social": ("social", "réseaux sociaux", "réseau social", "social media"),
    },
    "direction": {
        "inbound": ("inbound", "entrant", "entrante", "réception", "appel entrant", "in"),
        "outbound": ("outbound", "sortant", "sortante", "émission", "appel sortant", "out"),
    },
    "activity": {
        "survey": ("survey", "enquête", "enquêtes", "sondage"),
        "admin_info": ("admin_info", "information administrative",
                       "informations administratives", "info admin", "administratif"),
        "support": ("support", "assistance", "assistance technique", "support technique",
                    "hotline"),
        "advice": ("advice", "conseil", "conseil client"),
        "prospecting": ("prospecting", "prospection"),
        "booking": ("booking", "réservation", "prise de rendez-vous", "rendez-vous"),
        "sales": ("sales", "vente", "ventes"),
        "retention": ("retention", "fidélisation", "rétention"),
        "collections": ("collections", "collection", "recouvrement"),
    },
    "evaluator_kind": {
        "human": ("human", "humain", "humaine", "manuel", "manuelle", "manual"),
        "auto": ("auto", "automatique", "automatic", "speech analytics", "ia", "ai"),
        "self": ("self", "auto-évaluation", "autoévaluation", "self-assessment"),
    },
}


def builtin_values() -> dict[str, dict[str, str]]:
    """Per canonical column: token of a word -> stored value."""
    return {
        column: {token(word): value for value, words in groups.items() for word in words}
        for column, groups in _WORDS.items()
    }
