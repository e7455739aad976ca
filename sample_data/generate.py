"""Seeded generator of realistic contact-centre evaluation exports (canonical wide CSV).

Why a generator and not only a file: the committed sample (``evaluations.csv``) must be
reproducible to the byte, and the benchmarks need the same shape of data at 1M and 10M rows.
Everything is vectorised with numpy, chunk by chunk, and streamed to CSV by Arrow's writer,
so 10M rows fit in memory and in minutes.

The data looks like a French contact centre evaluated with the default ruleset
``rules/crcd``: 60 agents in 6 teams on 2 sites (Lille, Nantes), six months (2026-05 to
2026-10), the 9 REAC activities, phone-dominant multichannel traffic, 9 human evaluators
with their own leniency, automatic evaluations (speech analytics) on a share of calls,
monthly calibration sessions with one expert, agents who improve or slip, competency
weaknesses, sparse French comments and N/A where an item does not apply.

Model, in one paragraph: each agent has an ability, a monthly trend and weak domains; each
interaction draws the truth of every grid item from the agent's pass probability
(``logit p = logit base + ability + trend * month - weakness + call difficulty``); each
evaluation sees that truth through its evaluator (harsh ones turn passes into fails, soft
ones the reverse, noisy ones both), so calibration and double scoring disagree the way
people do.

Usage::

    python sample_data/generate.py                       # rewrites sample_data/evaluations.csv
    python sample_data/generate.py --out big.csv --rows 1000000 --seed 42

As a module (the benchmarks load it by path)::

    generate(rows=None, seed=42) -> pyarrow.Table       # rows=None: the committed sample
    write_csv(path, rows=None, seed=42) -> int            # rows written
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

DEFAULT_SEED = 42
#: Size of the committed sample: about 11 evaluations per agent and month.
DEFAULT_ROWS = 4000
DEFAULT_OUT = Path(__file__).resolve().parent / "evaluations.csv"
#: Production rows generated (and held in memory) at a time.
CHUNK_ROWS = 200_000

ACTIVITIES = ("survey", "admin_info", "support", "advice", "prospecting", "booking", "sales",
              "retention", "collections")
CHANNELS = ("phone", "email", "chat", "sms", "letter", "social")
WRITTEN = ("email", "chat", "sms", "letter", "social")
MONTHS = 6
FIRST_DAY = np.datetime64("2026-05-01")
LAST_DAY = np.datetime64("2026-10-31")
#: French public holidays in the period (the centre is closed, as on Sundays).
HOLIDAYS = np.array(["2026-05-01", "2026-05-08", "2026-05-14", "2026-05-25", "2026-07-14",
                     "2026-08-15"], dtype="datetime64[D]")

CANONICAL = ("evaluation_id", "interaction_id", "agent_id", "interaction_at", "agent_name", "team",
             "site", "evaluator_id", "evaluator_kind", "evaluated_at", "channel", "direction",
             "activity", "duration_s", "is_calibration", "is_expert", "comment")

# --------------------------------------------------------------------------------------------
# The grid: context flags and evaluated items, in the order of rules/crcd/scorecard.yaml.
# --------------------------------------------------------------------------------------------

DOMAINS = ("accueil", "decouverte", "procedures", "argumentation", "ecrit", "outils", "conformite")


@dataclass(frozen=True)
class Flag:
    """A context observation (did the call disclose account data, was a sale concluded...).

    ``rates`` gives the probability of TRUE per activity; activities not listed leave the
    column empty (the item is not in that activity's grid).
    """

    column: str
    rates: dict[str, float]
    channels: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Item:
    """An evaluated grid item and how a median agent does on it.

    ``kind``: ``check`` (oui = good), ``inverted`` (oui = the fault, e.g. a card number read
    back), ``rating`` (1..5), ``count`` (spelling mistakes). ``requires`` names a flag that
    must be TRUE, else the answer is N/A. ``na_when`` gives further N/A situations: an
    activity name, ``outbound``, or a probability of "nothing to assess here".
    """

    column: str
    base: float
    domain: str
    comments: tuple[str, str]
    activities: tuple[str, ...] | None = None
    channels: tuple[str, ...] | None = None
    requires: str | None = None
    na_activities: tuple[str, ...] = ()
    na_outbound: bool = False
    na_rate: float = 0.0
    auto: bool = False
    kind: str = "check"


_ALL = {a: 0.0 for a in ACTIVITIES}

FLAGS: dict[str, Flag] = {f.column: f for f in (
    Flag("account_data_disclosed", {**_ALL, "admin_info": 0.45, "support": 0.5, "advice": 0.45,
                                    "booking": 0.3, "sales": 0.25, "retention": 0.55,
                                    "collections": 0.8}),
    Flag("transfer_needed", {**_ALL, "survey": 0.01, "prospecting": 0.03, "admin_info": 0.15,
                             "support": 0.18, "advice": 0.08, "booking": 0.05, "sales": 0.05,
                             "retention": 0.08, "collections": 0.06}),
    Flag("gatekeeper_encountered", {"prospecting": 0.45}),
    Flag("objection_raised", {"prospecting": 0.6}),
    Flag("appointment_set", {"prospecting": 0.3}),
    Flag("requested_item_unavailable", {"booking": 0.15, "sales": 0.1}),
    Flag("payment_taken", {"booking": 0.45, "sales": 0.75, "collections": 0.3}),
    Flag("sale_concluded", {"sales": 0.45}),
    Flag("personal_data_collected", {"survey": 0.25, "admin_info": 0.2, "support": 0.15,
                                     "advice": 0.2, "prospecting": 0.5, "booking": 0.6,
                                     "sales": 0.55, "retention": 0.1, "collections": 0.1},
         channels=("phone", "chat")),
    Flag("put_on_hold", {a: (0.0 if a == "survey" else 0.22) for a in ACTIVITIES}, channels=("phone",)),
)}

_SUPPORT_LIKE = ("support", "retention", "collections")
ITEMS: dict[str, Item] = {i.column: i for i in (
    Item("identity_verified", 0.985, "conformite", auto=True, requires="account_data_disclosed",
         comments=("Identité non vérifiée avant de donner le solde.",
                   "Informations du contrat communiquées sans vérifier l'identité.")),
    Item("introduction_done", 0.95, "accueil", auto=True,
         comments=("Pas de présentation en début d'appel (nom, service).", "Accueil sans la formule de la charte.")),
    Item("request_analysed", 0.88, "decouverte", na_outbound=True,
         comments=("Demande mal cernée : pas de questions de découverte.", "Pas de reformulation de la demande.")),
    Item("understanding_checked", 0.82, "decouverte", auto=True, na_rate=0.05,
         comments=("Compréhension du client non vérifiée.", "Aucune question de contrôle après la réponse.")),
    Item("agreement_asked", 0.88, "accueil", auto=True, na_rate=0.15,
         comments=("Mise en attente sans demander l'accord du client.",
                   "Modification faite sans l'accord explicite du client.")),
    Item("key_points_recapped", 0.78, "accueil", auto=True, na_activities=("survey",),
         comments=("Pas de récapitulatif avant de conclure.", "Récapitulatif incomplet (date et montant oubliés).")),
    Item("crm_updated", 0.9, "outils",
         comments=("Fiche client non mise à jour.", "Motif de contact non renseigné dans le CRM.")),
    Item("transfer_done", 0.9, "procedures", auto=True, requires="transfer_needed",
         comments=("Transfert nécessaire non effectué, client rappelé plus tard.",
                   "Client orienté vers le mauvais service.")),
    Item("conclusion_done", 0.93, "accueil", auto=True,
         comments=("Fin d'appel abrupte, pas de prise de congé.", "Conclusion absente.")),
    Item("satisfaction_confirmed", 0.8, "accueil", auto=True, na_activities=("survey", "prospecting"),
         comments=("Satisfaction du client non vérifiée.", "Pas de question « Avez-vous d'autres questions ? ».")),
    Item("target_reached", 0.92, "decouverte", activities=("survey", "prospecting"),
         comments=("Questionnaire passé à une personne hors cible.", "Interlocuteur cible non confirmé.")),
    Item("questionnaire_completed", 0.88, "procedures", activities=("survey",),
         comments=("Questionnaire interrompu avant la fin.", "Deux questions sautées.")),
    Item("interview_framework_followed", 0.9, "procedures", activities=("survey",),
         comments=("Introduction de l'enquête non lue.", "Ordre des questions non respecté.")),
    Item("question_wording_respected", 0.85, "procedures", activities=("survey",),
         comments=("Questions reformulées de façon orientée.", "Formulation des questions modifiée.")),
    Item("answers_transcribed_verbatim", 0.9, "outils", activities=("survey",),
         comments=("Réponse ouverte résumée et interprétée.", "Verbatim non retranscrit fidèlement.")),
    Item("answer_appropriate", 0.88, "decouverte", activities=("admin_info", "advice"),
         comments=("Réponse à côté de la question posée.", "Réponse incomplète.")),
    Item("answer_per_procedure", 0.9, "procedures", activities=("admin_info",),
         comments=("Réponse non conforme à la fiche procédure.", "Fiche procédure non consultée.")),
    Item("answer_without_interpretation", 0.9, "procedures", activities=("admin_info",),
         comments=("Interprétation personnelle de la réglementation.", "Avis personnel donné sur le dossier.")),
    Item("needs_met_within_limits", 0.85, "accueil", activities=("admin_info",),
         comments=("Engagement pris hors du périmètre du service.",
                   "Usager non satisfait alors qu'une réponse était possible.")),
    Item("support_procedure_followed", 0.88, "procedures", activities=("support",),
         comments=("Étapes de la procédure d'assistance sautées.", "Ticket non ouvert avant le diagnostic.")),
    Item("diagnosis_precise", 0.82, "decouverte", activities=("support",),
         comments=("Diagnostic trop rapide, cause non identifiée.", "Questions de diagnostic insuffisantes.")),
    Item("solution_relevant", 0.86, "decouverte", activities=("support",),
         comments=("Solution inadaptée au problème décrit.", "Solution déjà essayée par le client.")),
    Item("solution_valued", 0.78, "argumentation", activities=("support",),
         comments=("Solution présentée sans conviction.", "Bénéfice de la solution non expliqué.")),
    Item("escalation_info_complete", 0.85, "procedures", activities=("support",), requires="transfer_needed",
         comments=("Ticket d'escalade incomplet (numéro de série manquant).",
                   "Informations transmises au niveau 2 imprécises.")),
    Item("written_confirmation_compliant", 0.88, "ecrit", activities=_SUPPORT_LIKE, na_rate=0.3,
         comments=("Confirmation écrite différente de ce qui a été convenu.", "Mail de confirmation non envoyé.")),
    Item("spelling_errors", 0.0, "ecrit", channels=WRITTEN, kind="count",
         comments=("Plusieurs fautes d'orthographe dans la réponse.", "Fautes d'accord et de ponctuation.")),
    Item("writing_style_rating", 0.0, "ecrit", channels=WRITTEN, kind="rating",
         comments=("Ton trop familier pour ce support.", "Réponse trop longue, sans paragraphes.")),
    Item("information_search_efficient", 0.85, "outils", activities=("advice",),
         comments=("Recherche d'information longue, client en attente.", "Base de connaissances mal utilisée.")),
    Item("gatekeeper_passed", 0.6, "argumentation", activities=("prospecting",), requires="gatekeeper_encountered",
         comments=("Barrage du standard non franchi.", "Abandon dès la première objection de l'assistante.")),
    Item("objections_handled", 0.7, "argumentation", activities=("prospecting",), requires="objection_raised",
         comments=("Objection sur le prix non traitée.", "Objection « pas le temps » non réfutée.")),
    Item("needs_identified", 0.82, "decouverte", activities=("prospecting", "sales", "retention"),
         comments=("Découverte des besoins insuffisante.", "Pas de question sur les motivations du client.")),
    Item("appointment_procedure_followed", 0.9, "procedures", activities=("prospecting",), requires="appointment_set",
         comments=("Rendez-vous pris hors des créneaux de l'agenda.", "Confirmation du rendez-vous non envoyée.")),
    Item("appointment_qualified", 0.85, "decouverte", activities=("prospecting",), requires="appointment_set",
         comments=("Rendez-vous non qualifié (budget, décideur).", "Besoin du prospect non noté pour le commercial.")),
    Item("order_process_followed", 0.9, "procedures", activities=("booking", "sales"),
         comments=("Étapes de la commande non respectées.", "Adresse de livraison non confirmée.")),
    Item("substitute_offered", 0.75, "argumentation", activities=("booking", "sales"),
         requires="requested_item_unavailable",
         comments=("Aucun produit de remplacement proposé.", "Client laissé sans alternative.")),
    Item("upsell_offered", 0.6, "argumentation", activities=("booking", "sales"), auto=True,
         comments=("Pas de vente additionnelle proposée.", "Option complémentaire non évoquée.")),
    Item("payment_recorded_correctly", 0.93, "procedures", activities=("booking", "sales"), requires="payment_taken",
         comments=("Règlement mal saisi (montant erroné).", "Moyen de paiement non confirmé.")),
    Item("documents_handled", 0.9, "procedures", activities=("booking", "sales"),
         comments=("Bon de commande non envoyé.", "Pièces justificatives non demandées.")),
    Item("sales_steps_followed", 0.82, "argumentation", activities=("sales",),
         comments=("Offre présentée avant la découverte.", "Conclusion de la vente précipitée.")),
    Item("offer_matches_needs", 0.85, "decouverte", activities=("sales", "retention"),
         comments=("Offre sans lien avec les besoins exprimés.", "Offre trop chère pour le besoin décrit.")),
    Item("offer_benefit_argued", 0.78, "argumentation", activities=("sales", "retention"),
         comments=("Argumentaire centré sur le produit, pas sur le client.", "Caractéristiques listées sans bénéfices.")),
    Item("withdrawal_right_stated", 0.9, "conformite", activities=("sales",), requires="sale_concluded", auto=True,
         comments=("Droit de rétractation non mentionné.", "Délai de rétractation erroné (7 jours annoncés).")),
    Item("legal_mentions_given", 0.88, "conformite", activities=("sales",), requires="sale_concluded", auto=True,
         comments=("Prix TTC non annoncé.", "Durée d'engagement non précisée.")),
    Item("consent_recorded", 0.93, "conformite", activities=("sales",), requires="sale_concluded",
         comments=("Accord du client non enregistré.", "Consentement implicite, pas de « oui » explicite.")),
    Item("offer_within_policy", 0.92, "procedures", activities=("retention",),
         comments=("Geste commercial au-delà de la délégation.", "Remise accordée sans validation.")),
    Item("agreement_obtained", 0.75, "argumentation", activities=("retention", "collections"),
         comments=("Pas d'accord obtenu, client non relancé.", "Accord flou, sans date ni montant.")),
    Item("file_history_reviewed", 0.9, "procedures", activities=("collections",),
         comments=("Historique des relances non consulté.", "Montant de la dette annoncé erroné.")),
    Item("nonpayment_reason_identified", 0.82, "decouverte", activities=("collections",),
         comments=("Motif de l'impayé non demandé.", "Motif noté sans le vérifier.")),
    Item("payment_plan_compliant", 0.9, "procedures", activities=("collections",),
         comments=("Échéancier hors procédure (plus de 12 mois).", "Ton insistant, pression sur le débiteur.")),
    Item("oral_communication_rating", 0.0, "accueil", channels=("phone",), kind="rating",
         comments=("Débit trop rapide, le client a fait répéter.", "Ton monocorde, peu d'écoute active.")),
    Item("interaction_logged", 0.87, "outils",
         comments=("Historique de l'échange non renseigné.", "Commentaire CRM trop succinct.")),
    Item("tools_handled_smoothly", 0.88, "outils", channels=("phone", "chat"),
         comments=("Longs blancs pendant la saisie.", "« Mon ordinateur rame » dit au client.")),
    Item("gdpr_notice_given", 0.85, "conformite", requires="personal_data_collected", auto=True,
         comments=("Mention RGPD non donnée lors de la collecte.", "Finalité de la collecte non expliquée.")),
    Item("card_number_repeated", 0.97, "conformite", requires="payment_taken", auto=True, kind="inverted",
         comments=("Numéro de carte relu à voix haute.", "Numéro de carte recopié dans le commentaire.")),
    Item("hold_procedure_respected", 0.85, "accueil", requires="put_on_hold", auto=True,
         comments=("Mise en attente sans explication.", "Pas de remerciement après l'attente.")),
)}

#: Observation columns in the order of rules/crcd/scorecard.yaml, with their declared types.
OBSERVATION_TYPES: dict[str, str] = {
    **{c: "boolean" for c in ("account_data_disclosed", "identity_verified", "introduction_done",
                              "request_analysed", "understanding_checked", "agreement_asked",
                              "key_points_recapped", "crm_updated", "transfer_needed", "transfer_done",
                              "conclusion_done", "satisfaction_confirmed", "target_reached",
                              "questionnaire_completed", "interview_framework_followed",
                              "question_wording_respected", "answers_transcribed_verbatim",
                              "answer_appropriate", "answer_per_procedure",
                              "answer_without_interpretation", "needs_met_within_limits",
                              "support_procedure_followed", "diagnosis_precise", "solution_relevant",
                              "solution_valued", "escalation_info_complete",
                              "written_confirmation_compliant")},
    "spelling_errors": "integer",
    "writing_style_rating": "integer",
    "information_search_efficient": "boolean",
    "target_duration_s": "number",
    **{c: "boolean" for c in ("gatekeeper_encountered", "gatekeeper_passed", "objection_raised",
                              "objections_handled", "needs_identified", "appointment_set",
                              "appointment_procedure_followed", "appointment_qualified",
                              "order_process_followed", "requested_item_unavailable",
                              "substitute_offered", "upsell_offered", "payment_taken",
                              "payment_recorded_correctly", "documents_handled", "sales_steps_followed",
                              "offer_matches_needs", "offer_benefit_argued", "sale_concluded",
                              "withdrawal_right_stated", "legal_mentions_given", "consent_recorded",
                              "offer_within_policy", "agreement_obtained", "file_history_reviewed",
                              "nonpayment_reason_identified", "payment_plan_compliant")},
    "oral_communication_rating": "integer",
    **{c: "boolean" for c in ("interaction_logged", "tools_handled_smoothly", "personal_data_collected",
                              "gdpr_notice_given", "card_number_repeated", "put_on_hold",
                              "hold_procedure_respected")},
}

PRAISE = ("Très bien.", "Bonne pratique, à partager avec l'équipe.", "Parfait, rien à redire.")
AUTO_COMMENT = "Non détecté par l'analyse vocale."
OVERALL_COMMENTS: dict[str, tuple[str, ...]] = {
    "clean": ("Très bon échange, rien à signaler.", "Échange fluide et professionnel, bravo.",
              "Appel exemplaire, accueil chaleureux et conclusion soignée."),
    "some": ("Bon échange dans l'ensemble ; voir les points relevés.",
             "Correct, quelques points de la charte à consolider.",
             "Bonne écoute, attention au récapitulatif et à la conclusion."),
    "many": ("Échange à retravailler, à reprendre en débriefing.",
             "Plusieurs étapes de la charte manquent ; coaching proposé.",
             "Qualité insuffisante : revoir la découverte, l'argumentation et la conclusion."),
    "fatal": ("Erreur bloquante : identité non vérifiée avant de communiquer des informations du compte.",
              "Faute bloquante sur la confidentialité, débriefing immédiat avec le superviseur."),
}

# --------------------------------------------------------------------------------------------
# The centre: teams, agents, evaluators.
# --------------------------------------------------------------------------------------------

#: (team, site, activity mix): each team specialises, together they cover the 9 activities.
TEAM_TEMPLATES: tuple[tuple[str, str, dict[str, float]], ...] = (
    ("Service Client Lille", "Lille", {"support": 0.45, "advice": 0.35, "admin_info": 0.2}),
    ("Ventes Lille", "Lille", {"sales": 0.45, "booking": 0.3, "prospecting": 0.25}),
    ("Recouvrement Lille", "Lille", {"collections": 0.7, "retention": 0.3}),
    ("Administration Nantes", "Nantes", {"admin_info": 0.6, "support": 0.25, "advice": 0.15}),
    ("Études et Prospection Nantes", "Nantes", {"survey": 0.6, "prospecting": 0.4}),
    ("Fidélisation Nantes", "Nantes", {"retention": 0.55, "booking": 0.25, "sales": 0.2}),
)
SITES = ("Lille", "Nantes")
AGENTS_PER_TEAM = 10

FIRST_NAMES = (
    "Camille", "Léa", "Manon", "Chloé", "Emma", "Inès", "Sarah", "Julie", "Laura", "Marine",
    "Pauline", "Céline", "Nadia", "Yasmine", "Amandine", "Aurélie", "Sandrine", "Nathalie",
    "Sophie", "Élodie", "Clara", "Anaïs", "Fatima", "Mélanie", "Audrey", "Karine", "Virginie",
    "Océane", "Lucie", "Justine", "Marie", "Charlotte", "Émilie", "Thi", "Aïcha", "Morgane",
    "Thomas", "Nicolas", "Julien", "Maxime", "Kevin", "Romain", "Mehdi", "Karim", "Alexandre",
    "Antoine", "Sébastien", "Guillaume", "Florian", "Jérémy", "Mathieu", "Yanis", "Rayan",
    "Hugo", "Lucas", "Théo", "Bastien", "Cédric", "Franck", "Olivier", "David", "Samir",
    "Youssef", "Loïc", "Benoît", "Damien", "Quentin", "Adrien", "Jordan", "Dylan", "Grégory",
)
INITIALS = tuple("ABCDEFGHJLMNPRSTV")

#: Human evaluators: (id, site, pass->fail rate, fail->pass rate, symmetric noise, rating shift).
#: E01/E06 are harsh, E03/E08 soft, E04 inconsistent; E10 is the quality manager, the expert
#: of calibration sessions.
EVALUATORS: tuple[tuple[str, str, float, float, float, float], ...] = (
    ("E01", "Lille", 0.10, 0.02, 0.02, -0.4),
    ("E02", "Lille", 0.02, 0.10, 0.03, 0.0),
    ("E03", "Lille", 0.01, 0.35, 0.02, 0.45),
    ("E04", "Lille", 0.05, 0.08, 0.08, 0.0),
    ("E05", "Lille", 0.02, 0.18, 0.02, 0.2),
    ("E06", "Nantes", 0.12, 0.03, 0.02, -0.45),
    ("E07", "Nantes", 0.03, 0.10, 0.03, 0.0),
    ("E08", "Nantes", 0.01, 0.30, 0.03, 0.4),
    ("E09", "Nantes", 0.04, 0.08, 0.02, 0.0),
    ("E10", "Lille", 0.01, 0.02, 0.0, 0.0),
)
EXPERT = len(EVALUATORS) - 1
AUTO = len(EVALUATORS)  # evaluator index of speech analytics ('auto')
AUTO_ERRORS = (0.04, 0.06, 0.0, 0.0)

#: Channel mix and share of outbound contacts per activity.
CHANNEL_MIX: dict[str, dict[str, float]] = {
    "survey": {"phone": 1.0},
    "prospecting": {"phone": 1.0},
    "admin_info": {"phone": 0.6, "email": 0.25, "letter": 0.15},
    "support": {"phone": 0.55, "chat": 0.2, "email": 0.15, "social": 0.1},
    "advice": {"phone": 0.65, "chat": 0.2, "email": 0.15},
    "booking": {"phone": 0.6, "chat": 0.2, "email": 0.2},
    "sales": {"phone": 0.8, "chat": 0.2},
    "retention": {"phone": 0.65, "email": 0.15, "letter": 0.1, "social": 0.1},
    "collections": {"phone": 0.6, "sms": 0.15, "letter": 0.15, "email": 0.1},
}
OUTBOUND_SHARE = {"survey": 1.0, "prospecting": 1.0, "collections": 0.75, "retention": 0.5,
                  "sales": 0.35, "admin_info": 0.03, "support": 0.03, "advice": 0.05, "booking": 0.05}
#: Handling-time targets (seconds) per channel, times a factor per activity.
TARGET_S = {"phone": 360, "email": 420, "chat": 540, "sms": 120, "letter": 720, "social": 300}
ACTIVITY_TIME = {"survey": 1.6, "prospecting": 0.8, "admin_info": 1.0, "support": 1.2, "advice": 1.0,
                 "booking": 1.1, "sales": 1.5, "retention": 1.2, "collections": 1.2}
#: Production evaluation plan for phone calls: human only, auto only, both (double scoring).
PHONE_PLAN = (0.62, 0.26, 0.12)
ID_PREFIX = {"phone": "APL", "email": "MEL", "chat": "TCH", "sms": "SMS", "letter": "COU", "social": "RSO"}


@dataclass(frozen=True)
class Centre:
    """Agents and teams of one generated centre (fixed for a seed and a size)."""

    agent_ids: np.ndarray        # str
    agent_names: np.ndarray      # str
    agent_team: np.ndarray       # int index into team_names
    team_names: np.ndarray       # str
    team_site: np.ndarray        # int index into SITES
    team_mix: np.ndarray         # (teams, activities) probabilities
    ability: np.ndarray          # logit shift
    trend: np.ndarray            # logit shift per month
    weakness: np.ndarray         # (agents, domains) logit penalty


def output_columns() -> list[str]:
    """CSV header: canonical columns, then each observation and its ``__comment`` sibling."""
    cols = list(CANONICAL)
    for name in OBSERVATION_TYPES:
        cols.append(name)
        if name in ITEMS:
            cols.append(f"{name}__comment")
    return cols


def _n_agents(rows: int) -> int:
    """60 agents for the sample; larger benchmark files get a larger centre (~400 rows each)."""
    return int(min(5000, max(len(TEAM_TEMPLATES) * AGENTS_PER_TEAM, rows // 400)))


def build_centre(n_agents: int, rng: np.random.Generator) -> Centre:
    """Teams from the templates (cycled for large centres), agents with skills and trends."""
    n_teams = max(len(TEAM_TEMPLATES), math.ceil(n_agents / AGENTS_PER_TEAM))
    tmpl = np.arange(n_teams) % len(TEAM_TEMPLATES)
    names = [TEAM_TEMPLATES[t][0] + ("" if i < len(TEAM_TEMPLATES) else f" {i // len(TEAM_TEMPLATES) + 1}")
             for i, t in enumerate(tmpl)]
    site = np.array([SITES.index(TEAM_TEMPLATES[t][1]) for t in tmpl])
    mix = np.array([[TEAM_TEMPLATES[t][2].get(a, 0.0) for a in ACTIVITIES] for t in tmpl])

    combos = len(FIRST_NAMES) * len(INITIALS)
    pick = rng.choice(combos, n_agents, replace=n_agents > combos)
    agent_names = np.array([f"{FIRST_NAMES[p // len(INITIALS)]} {INITIALS[p % len(INITIALS)]}." for p in pick])
    width = max(3, len(str(n_agents)))
    agent_ids = np.array([f"A{i + 1:0{width}d}" for i in range(n_agents)])
    team = np.arange(n_agents) * n_teams // n_agents

    profile = rng.random(n_agents)  # < 0.2 improving (new hires), < 0.35 slipping, else steady
    ability = rng.normal(0.35, 0.55, n_agents) - np.where(profile < 0.2, 0.6, 0.0)
    trend = np.where(profile < 0.2, rng.uniform(0.12, 0.25, n_agents),
                     np.where(profile < 0.35, -rng.uniform(0.1, 0.2, n_agents), rng.normal(0, 0.03, n_agents)))
    weakness = np.zeros((n_agents, len(DOMAINS)))
    n_weak = np.searchsorted([0.45, 0.85], rng.random(n_agents))  # 0, 1 or 2 weak domains
    for k in (1, 2):
        chosen = rng.integers(0, len(DOMAINS) - 1, n_agents)  # conformite weaknesses come from ability
        weakness[np.arange(n_agents), chosen] += np.where(n_weak >= k, rng.uniform(0.9, 1.6, n_agents), 0.0)
    return Centre(agent_ids, agent_names, team, np.array(names), site, mix, ability, trend, weakness)


# --------------------------------------------------------------------------------------------
# Interactions (what happened) and evaluations (who looked at it).
# --------------------------------------------------------------------------------------------

def _open_days() -> tuple[np.ndarray, np.ndarray]:
    """Opening days of the period (Monday to Saturday, no public holiday) and their month index."""
    days = np.arange(FIRST_DAY, LAST_DAY + 1)
    weekday = (days.astype("int64") + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    days = days[(weekday != 6) & ~np.isin(days, HOLIDAYS)]
    month = days.astype("datetime64[M]").astype("int64") - FIRST_DAY.astype("datetime64[M]").astype("int64")
    return days, month


def _choose(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of ``probs`` (rows sum to 1), vectorised."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(probs.shape[0])[:, None] * cum[:, -1:]
    return np.minimum((u > cum).sum(axis=1), probs.shape[1] - 1)


def draw_interactions(rng: np.random.Generator, centre: Centre, agent: np.ndarray,
                      month: np.ndarray) -> dict[str, np.ndarray]:
    """Everything about ``len(agent)`` interactions that does not depend on who evaluates them.

    ``month`` (0..5) fixes the month of an interaction (calibration sessions are monthly);
    -1 lets it fall on any opening day of the period.
    """
    n = len(agent)
    days, day_month = _open_days()
    starts = np.searchsorted(day_month, np.arange(MONTHS))
    lengths = np.diff(np.append(starts, len(days)))
    within = starts[month] + (rng.random(n) * lengths[month]).astype(np.int64)
    day = days[np.where(month < 0, rng.integers(0, len(days), n), within)]
    seconds = (8.5 * 3600 + rng.beta(2.0, 2.2, n) * 11 * 3600).astype("int64")
    at = day.astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    mon = (day.astype("datetime64[M]").astype("int64") - FIRST_DAY.astype("datetime64[M]").astype("int64"))

    activity = _choose(rng, centre.team_mix[centre.agent_team[agent]])
    chan_probs = np.array([[CHANNEL_MIX[a].get(c, 0.0) for c in CHANNELS] for a in ACTIVITIES])
    channel = _choose(rng, chan_probs[activity])
    out_share = np.array([OUTBOUND_SHARE[a] for a in ACTIVITIES])[activity]
    outbound = rng.random(n) < out_share
    outbound = np.where(channel == CHANNELS.index("chat"), False, outbound)
    outbound = np.where(channel == CHANNELS.index("sms"), True, outbound)

    target_base = np.array([TARGET_S[c] for c in CHANNELS])[channel] * np.array(
        [ACTIVITY_TIME[a] for a in ACTIVITIES])[activity]
    target = np.round(target_base / 30.0) * 30
    slow = 0.35 * centre.weakness[agent, DOMAINS.index("outils")] - 0.15 * centre.ability[agent]
    duration = np.maximum(20, np.round(target_base * np.exp(rng.normal(0.0, 0.35, n) + slow)))

    flags = {}
    for f in FLAGS.values():
        rate = np.array([f.rates.get(a, np.nan) for a in ACTIVITIES])[activity]
        if f.channels is not None:
            rate = np.where(np.isin(channel, [CHANNELS.index(c) for c in f.channels]), rate, np.nan)
        value = np.where(np.isnan(rate), -1, (rng.random(n) < np.nan_to_num(rate)).astype(np.int8))
        flags[f.column] = value.astype(np.int8)  # -1 empty, 0 non, 1 oui
    sales = activity == ACTIVITIES.index("sales")
    flags["payment_taken"] = np.where(sales & (flags["sale_concluded"] == 0), 0, flags["payment_taken"]).astype(np.int8)

    logit_shift = (centre.ability[agent] + centre.trend[agent] * (mon - 2.5)
                   + rng.normal(0.0, 0.35, n)).astype(np.float32)  # the call's own difficulty
    return {"agent": agent, "at": at, "month": mon, "activity": activity, "channel": channel,
            "outbound": outbound, "target": target, "duration": duration, "flags": flags,
            "shift": logit_shift,  # per item, per interaction (item-major: contiguous per item)
            "truth_u": rng.random((n, len(ITEMS)), dtype=np.float32).T.copy(),
            "truth_z": (rng.standard_normal((n, len(ITEMS)), dtype=np.float32) * np.float32(0.5)).T.copy()}


def production_plan(rng: np.random.Generator, channel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows per interaction: human only, auto only, or both (phone calls only get auto-QA).

    Returns (interaction index per row, is-auto per row).
    """
    plan = np.where(channel == CHANNELS.index("phone"), _choose(rng, np.tile(PHONE_PLAN, (len(channel), 1))), 0)
    reps = np.where(plan == 2, 2, 1)
    idx = np.repeat(np.arange(len(channel)), reps)
    second = np.arange(len(idx)) - np.repeat(np.cumsum(reps) - reps, reps) == 1
    is_auto = (plan[idx] == 1) | second
    return idx, is_auto


def _human_evaluators(rng: np.random.Generator, site: np.ndarray) -> np.ndarray:
    """Production evaluator per row: mostly one of the agent's site, sometimes anyone, the
    quality manager (the calibration expert) now and then."""
    n = len(site)
    pick = rng.random(n)
    local = np.empty(n, dtype=np.int64)
    for s, name in enumerate(SITES):  # two sites: a loop over sites, not rows
        pool = np.array([i for i, e in enumerate(EVALUATORS[:EXPERT]) if e[1] == name])
        mask = site == s
        local[mask] = pool[(pick[mask] * len(pool)).astype(np.int64)]
    anyone = rng.integers(0, EXPERT, n)
    u = rng.random(n)
    return np.where(u < 0.04, EXPERT, np.where(u < 0.19, anyone, local))


def calibration_plan(rng: np.random.Generator, centre: Centre, n_sessions: int
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Monthly calibration sessions, one per team and month while sessions last.

    Each session scores one interaction of an agent of the team: the expert (E10) and 3 to 5
    distinct evaluators. Returns (agent per session, month per session, evaluator per row
    with the session index per row).
    """
    n_teams = len(centre.team_names)
    session = np.arange(n_sessions)
    team = session % n_teams
    month = (session // n_teams) % MONTHS
    first = np.searchsorted(centre.agent_team, team)  # agents are numbered team by team
    size = np.bincount(centre.agent_team, minlength=n_teams)[team]
    agent = first + (rng.random(n_sessions) * size).astype(np.int64)
    others = np.argsort(rng.random((n_sessions, EXPERT)), axis=1)
    n_others = rng.integers(3, 6, n_sessions)
    panel = np.concatenate([np.full((n_sessions, 1), EXPERT), others], axis=1)
    keep = np.arange(EXPERT + 1)[None, :] <= n_others[:, None]
    rows_session = np.repeat(session, keep.sum(axis=1))
    return agent, month, np.stack([panel[keep], rows_session])


# --------------------------------------------------------------------------------------------
# What each evaluation records.
# --------------------------------------------------------------------------------------------

OUI, NON, NA = 0, 1, 2  # indices into the answer dictionary; -1 is an empty cell
ANSWERS = pa.array(["oui", "non", "N/A"])


def _evaluator_errors(evaluator: np.ndarray) -> tuple[np.ndarray, ...]:
    """(pass->fail, fail->pass, noise, rating shift) per row; index AUTO is speech analytics."""
    table = np.array([e[2:] for e in EVALUATORS] + [AUTO_ERRORS], dtype=np.float32)
    return tuple(table[evaluator, k] for k in range(4))


def _member(values: np.ndarray, names: tuple[str, ...], universe: tuple[str, ...]) -> np.ndarray:
    """``values`` (indices into ``universe``) that are among ``names``: a table look-up, no sort."""
    table = np.zeros(len(universe), bool)
    table[[universe.index(name) for name in names]] = True
    return table[values]


def _in_grid(item: Item, rows: dict[str, np.ndarray], is_auto: np.ndarray) -> np.ndarray:
    """Rows whose evaluation grid contains the item (others leave the cell empty)."""
    grid = np.ones(len(is_auto), bool)
    if item.activities is not None:
        grid &= _member(rows["activity"], item.activities, ACTIVITIES)
    if item.channels is not None:
        grid &= _member(rows["channel"], item.channels, CHANNELS)
    if item.requires is not None:
        grid &= rows[item.requires] >= 0
    return grid & (~is_auto if not item.auto else True)


def _not_applicable(rng: np.random.Generator, item: Item, rows: dict[str, np.ndarray]) -> np.ndarray:
    """Rows where the item is in the grid but does not apply (answered N/A)."""
    na = np.zeros(len(rows["activity"]), bool)
    if item.requires is not None:
        na |= rows[item.requires] == 0
    if item.na_activities:
        na |= _member(rows["activity"], item.na_activities, ACTIVITIES)
    if item.na_outbound:
        na |= rows["outbound"]
    if item.na_rate:
        na |= rng.random(len(na), dtype=np.float32) < item.na_rate
    return na


def observe(rng: np.random.Generator, centre: Centre, inter: dict[str, np.ndarray], row_int: np.ndarray,
            evaluator: np.ndarray, is_auto: np.ndarray) -> tuple[dict[str, pa.Array], np.ndarray, np.ndarray]:
    """Answers and item comments of every row; also the failed-item count and fatal flag per row."""
    n = len(row_int)
    harsh, soft, noise, rating_shift = _evaluator_errors(evaluator)
    rows = {"activity": inter["activity"][row_int], "channel": inter["channel"][row_int],
            "outbound": inter["outbound"][row_int], **{f: v[row_int] for f, v in inter["flags"].items()}}
    agent = inter["agent"][row_int]
    shift = inter["shift"][row_int]
    ability_in = {d: shift - centre.weakness[agent, i].astype(np.float32) for i, d in enumerate(DOMAINS)}
    human = ~is_auto
    n_failed = np.zeros(n, np.int16)
    fatal = np.zeros(n, bool)
    columns: dict[str, pa.Array] = {}
    for k, item in enumerate(ITEMS.values()):
        grid = _in_grid(item, rows, is_auto)
        na = _not_applicable(rng, item, rows)
        blank = human & (rng.random(n, dtype=np.float32) < 0.005)  # an evaluator skipped the question
        ability = ability_in[item.domain]
        truth_u = inter["truth_u"][k][row_int]
        v = rng.random(n, dtype=np.float32)
        # regulatory facts (was the withdrawal right stated?) leave evaluators less room
        room = np.float32(0.3 if item.domain == "conformite" else 1.0)
        if item.kind in ("check", "inverted"):
            logit = math.log(item.base / (1 - item.base)) + ability
            truth = truth_u < 1 / (1 + np.exp(-logit))
            passed = np.where(truth, v >= room * (harsh + noise), v < room * (soft + noise))
            answer = np.where(passed == (item.kind == "check"), OUI, NON)
            value = pa.DictionaryArray.from_arrays(
                pa.array(np.where(~grid | blank, -1, np.where(na, NA, answer)).astype(np.int32),
                         mask=~grid | blank), ANSWERS)
        elif item.kind == "rating":
            latent = 4.0 + 0.8 * ability + inter["truth_z"][k][row_int] + rating_shift
            rating = np.clip(np.round(latent + 0.3 * rng.standard_normal(n, dtype=np.float32)), 1, 5).astype(np.int64)
            passed = rating >= 4
            value = pa.array(rating, mask=~grid | na | blank)
        else:  # count of spelling mistakes: geometric, mean ~0.7 for a median writer
            lam = np.exp(-0.35 - 0.8 * ability)
            truth = np.floor(-np.log1p(-truth_u) * lam)
            count = np.maximum(0, truth + (v < 3 * harsh) - (v > 1 - soft)).astype(np.int64)
            passed = count <= 1
            value = pa.array(count, mask=~grid | na | blank)
        scored = grid & ~na & ~blank
        failed = scored & ~passed
        n_failed += failed
        if item.column == "identity_verified":
            fatal = failed
        columns[item.column] = value
        columns[f"{item.column}__comment"] = _item_comments(rng, item, failed, scored & passed, human)
    return columns, n_failed, fatal


def _item_comments(rng: np.random.Generator, item: Item, failed: np.ndarray, passed: np.ndarray,
                   human: np.ndarray) -> pa.Array:
    """Sparse remarks: often on a failed item, rarely a praise; speech analytics says what it missed."""
    u = rng.random(len(failed), dtype=np.float32)
    variant = (u * np.float32(2 / 0.45)).astype(np.int32)  # u < 0.45 is uniform on [0, 0.45)
    praise = 3 + (u * np.float32(len(PRAISE) / 0.012)).astype(np.int32)
    code = np.where(failed & human & (u < 0.45), variant,
                    np.where(failed & ~human & (u < 0.5), 2,
                             np.where(passed & human & (u < 0.012), praise, -1))).astype(np.int32)
    return pa.DictionaryArray.from_arrays(pa.array(code, mask=code < 0),
                                          pa.array([*item.comments, AUTO_COMMENT, *PRAISE]))


def _overall_comments(rng: np.random.Generator, n_failed: np.ndarray, fatal: np.ndarray,
                      human: np.ndarray) -> pa.Array:
    """The evaluator's overall remark, chosen by how the evaluation went; auto-QA writes none."""
    buckets = list(OVERALL_COMMENTS)
    offsets = np.cumsum([0] + [len(OVERALL_COMMENTS[b]) for b in buckets])
    bucket = np.where(fatal, 3, np.where(n_failed <= 1, 0, np.where(n_failed <= 3, 1, 2)))
    sizes = np.array([len(OVERALL_COMMENTS[b]) for b in buckets])[bucket]
    code = offsets[bucket] + (rng.random(len(bucket)) * sizes).astype(np.int64)
    code = np.where(human & (rng.random(len(bucket)) < 0.75), code, -1).astype(np.int32)
    dictionary = pa.array([c for b in buckets for c in OVERALL_COMMENTS[b]])
    return pa.DictionaryArray.from_arrays(pa.array(code, mask=code < 0), dictionary)


# --------------------------------------------------------------------------------------------
# Assembly: chunks of rows -> Arrow tables -> CSV.
# --------------------------------------------------------------------------------------------

def _dict(indices: np.ndarray, values: np.ndarray | list[str] | tuple[str, ...]) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(np.asarray(indices, dtype=np.int32)), pa.array(list(values)))


def _prefixed(prefix: str | pa.Array, numbers: np.ndarray, width: int, separator: str = "") -> pa.Array:
    """Identifiers like ``EV00000042``, built by Arrow, not Python (``numbers`` < 10**width)."""
    digits = pc.utf8_slice_codeunits(pc.cast(pa.array(numbers + 10 ** width), pa.string()), 1)
    return pc.binary_join_element_wise(prefix, digits, separator)


def _yyyymmdd(at: np.ndarray) -> np.ndarray:
    """Dates as integers 20260504, without formatting strings row by row."""
    months = at.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (at.astype("datetime64[D]") - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year * 10000 + month * 100 + day


def assemble(rng: np.random.Generator, centre: Centre, inter: dict[str, np.ndarray], row_int: np.ndarray,
             evaluator: np.ndarray, is_calibration: np.ndarray, is_expert: np.ndarray,
             first_interaction: int, first_evaluation: int) -> pa.Table:
    """One chunk of evaluation rows, sorted by interaction time, with ids numbered in that order."""
    is_auto = evaluator == AUTO
    order = np.lexsort((np.arange(len(row_int)), row_int, inter["at"][row_int]))
    row_int, evaluator, is_auto = row_int[order], evaluator[order], is_auto[order]
    is_calibration, is_expert = is_calibration[order], is_expert[order]
    n = len(row_int)
    observations, n_failed, fatal = observe(rng, centre, inter, row_int, evaluator, is_auto)

    at = inter["at"][row_int]
    duration = inter["duration"][row_int].astype(np.int64)
    day = at.astype("datetime64[D]").astype("datetime64[s]")
    office_hours = (8.5 * 3600 + rng.random(n) * 9.5 * 3600).astype(np.int64)
    human_at = day + (rng.integers(1, 7, n) * 86400 + office_hours).astype("timedelta64[s]")
    session_at = day + ((3 + row_int % 7) * 86400 + 14 * 3600 + rng.integers(0, 5400, n)).astype("timedelta64[s]")
    auto_at = at + (duration + rng.integers(60, 1800, n)).astype("timedelta64[s]")
    evaluated = np.where(is_auto, auto_at, np.where(is_calibration, session_at, human_at))
    agent = inter["agent"][row_int]
    team = centre.agent_team[agent]
    channel = inter["channel"][row_int]
    ts = pa.array(at, pa.timestamp("s"))
    prefix = _dict(channel, [ID_PREFIX[c] for c in CHANNELS]).dictionary_decode()
    flags = {name: pa.DictionaryArray.from_arrays(pa.array(1 - v[row_int].astype(np.int32), mask=v[row_int] < 0),
                                                  pa.array(["oui", "non"]))  # 1 (TRUE) -> "oui"
             for name, v in inter["flags"].items()}
    columns: dict[str, pa.Array] = {
        "evaluation_id": _prefixed("EV", first_evaluation + np.arange(1, n + 1), 8),
        # APL-2026050400001234: channel, date of the contact, sequence number
        "interaction_id": _prefixed(prefix, _yyyymmdd(at) * 10**8 + first_interaction + row_int + 1, 16, "-"),
        "agent_id": _dict(agent, centre.agent_ids),
        "interaction_at": ts,
        "agent_name": _dict(agent, centre.agent_names),
        "team": _dict(team, centre.team_names),
        "site": _dict(centre.team_site[team], SITES),
        "evaluator_id": _dict(evaluator, [e[0] for e in EVALUATORS] + ["auto"]),
        "evaluator_kind": _dict(is_auto.astype(np.int32), ["human", "auto"]),
        "evaluated_at": pa.array(evaluated, pa.timestamp("s")),
        "channel": _dict(channel, CHANNELS),
        "direction": _dict(inter["outbound"][row_int].astype(np.int32), ["inbound", "outbound"]),
        "activity": _dict(inter["activity"][row_int], ACTIVITIES),
        "duration_s": pa.array(duration),
        "is_calibration": pa.array(is_calibration),
        "is_expert": pa.array(is_expert),
        "comment": _overall_comments(rng, n_failed, fatal, ~is_auto),
        "target_duration_s": pa.array(inter["target"][row_int].astype(np.int64)),
        **flags,
        **observations,
    }
    return pa.table({name: columns[name] for name in output_columns()})


@dataclass(frozen=True)
class Plan:
    """How many rows of each kind a generation writes (deterministic for rows and seed)."""

    rows: int
    n_agents: int
    n_sessions: int
    chunks: tuple[int, ...]  # production rows per chunk


def plan(rows: int | None) -> Plan:
    """Split ``rows`` into calibration sessions (one per team and month) and production chunks."""
    total = DEFAULT_ROWS if rows is None else int(rows)
    if total < 1:
        raise ValueError("rows must be at least 1")
    n_agents = _n_agents(total)
    n_teams = max(len(TEAM_TEMPLATES), math.ceil(n_agents / AGENTS_PER_TEAM))
    n_sessions = min(n_teams * MONTHS, max(1, total // 25))
    production = max(0, total - 6 * n_sessions)  # a session has at most 6 rows; the rest fills up
    chunks = tuple(min(CHUNK_ROWS, production - start) for start in range(0, production, CHUNK_ROWS)) or (0,)
    return Plan(total, n_agents, n_sessions, chunks)


def iter_chunks(rows: int | None = None, seed: int = DEFAULT_SEED) -> Iterator[pa.Table]:
    """The generated rows as Arrow tables of at most ~CHUNK_ROWS rows, in order.

    The first chunk holds the calibration sessions; the production rows of chunk 0 are then
    topped up so that the total is exactly ``rows``.
    """
    p = plan(rows)
    centre = build_centre(p.n_agents, np.random.default_rng([seed, 0]))
    next_interaction, next_evaluation = 0, 0
    for index, prod_rows in enumerate(p.chunks):
        rng = np.random.default_rng([seed, 1, index])
        if index == 0:
            cal_agent, cal_month, (cal_eval, cal_session) = calibration_plan(rng, centre, p.n_sessions)
            cal_eval, cal_session = cal_eval[:p.rows], cal_session[:p.rows]
            prod_rows = min(p.rows - len(cal_eval), prod_rows + 6 * p.n_sessions - len(cal_eval))
        prod_agent = rng.integers(0, p.n_agents, prod_rows)
        any_month = np.full(prod_rows, -1)
        if index == 0:
            inter = draw_interactions(rng, centre, np.concatenate([cal_agent, prod_agent]),
                                      np.concatenate([cal_month, any_month]))
        else:
            inter = draw_interactions(rng, centre, prod_agent, any_month)
        offset = p.n_sessions if index == 0 else 0
        prod_int, prod_auto = production_plan(rng, inter["channel"][offset:])
        prod_int, prod_auto = prod_int[:prod_rows] + offset, prod_auto[:prod_rows]
        site = centre.team_site[centre.agent_team[inter["agent"][prod_int]]]
        prod_eval = np.where(prod_auto, AUTO, _human_evaluators(rng, site))
        if index == 0:
            row_int = np.concatenate([cal_session, prod_int])
            evaluator = np.concatenate([cal_eval, prod_eval])
            is_cal = np.arange(len(row_int)) < len(cal_eval)
            is_expert = is_cal & (evaluator == EXPERT)
        else:
            row_int, evaluator = prod_int, prod_eval
            is_cal = is_expert = np.zeros(len(row_int), bool)
        yield assemble(rng, centre, inter, row_int, evaluator, is_cal, is_expert, next_interaction, next_evaluation)
        next_interaction += len(inter["agent"])
        next_evaluation += len(row_int)


def generate(rows: int | None = None, seed: int = DEFAULT_SEED) -> pa.Table:
    """The whole generated export as one Arrow table (``rows=None``: the committed sample).

    Columns are those of the CSV, text columns as plain strings; answers stay as the CSV
    writes them ("oui", "non", "N/A", empty).
    """
    chunks = [_decoded(t) for t in iter_chunks(rows, seed)]
    return pa.concat_tables(chunks).combine_chunks()


def _decoded(table: pa.Table) -> pa.Table:
    return pa.table({name: col.cast(pa.string()) if pa.types.is_dictionary(col.type) else col
                     for name, col in zip(table.column_names, table.columns)})


def write_csv(path: str | Path, rows: int | None = None, seed: int = DEFAULT_SEED) -> int:
    """Write the export to ``path`` (UTF-8, ``,``, header, ISO timestamps); return the row count.

    Arrow's CSV writer streams chunk by chunk on a worker thread while the next chunk is
    generated, so memory stays at about two chunks whatever the size. It quotes every text
    field (valid RFC 4180; DuckDB's writer quotes less but took 1.6x longer on 1M rows).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    chunks = iter_chunks(rows, seed)
    first = next(chunks)
    options = pacsv.WriteOptions(include_header=True, delimiter=",", quoting_style="needed")
    with pacsv.CSVWriter(target, first.schema, write_options=options) as out, \
            ThreadPoolExecutor(max_workers=1) as writer:
        pending: Future[None] = writer.submit(out.write_table, first)
        written += first.num_rows
        for table in chunks:
            pending.result()
            pending = writer.submit(out.write_table, table)
            written += table.num_rows
        pending.result()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="CSV file to write (default: the committed sample)")
    parser.add_argument("--rows", type=int, default=None, help=f"number of evaluations (default {DEFAULT_ROWS})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    n = write_csv(args.out, args.rows, args.seed)
    print(f"{n} evaluations -> {args.out} ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
