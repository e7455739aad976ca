"""French and English wording, and numbers, dates and months written the reader's way.

French first: the product is used in French contact centres; English is for group reports
and foreign owners. Every string a person reads on the dashboard comes from :data:`TEXT`.
Numbers in French use a decimal comma, a narrow no-break space between thousands and a
no-break space before ``%`` (``87,5 %``, ``12 345``).
"""

from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd

LANGS = ("fr", "en")
NBSP = "\u00a0"
NNBSP = "\u202f"

TEXT: dict[str, tuple[str, str]] = {
    # app, login, sidebar
    "app.title": ("Scorecard qualité", "Quality scorecard"),
    "app.tagline": ("Qualité de la relation client à distance", "Remote customer-relations quality"),
    "login.title": ("Connexion", "Sign in"),
    "login.username": ("Identifiant", "Username"),
    "login.password": ("Mot de passe", "Password"),
    "login.submit": ("Se connecter", "Sign in"),
    "login.failed": ("Identifiant ou mot de passe incorrect.", "Wrong username or password."),
    "login.throttled": ("Trop d'essais : patientez quelques secondes avant de réessayer.",
                        "Too many attempts: wait a few seconds before trying again."),
    "login.sso": ("Se connecter avec l'authentification unique (SSO)", "Sign in with single sign-on (SSO)"),
    "login.sso_unknown": ("Votre compte {email} n'a pas encore accès au tableau de bord : demandez-le au responsable qualité.",
                          "Your account {email} has no dashboard access yet: ask your quality manager."),
    "login.help": ("Comptes gérés par `scorecard users add`.", "Accounts are managed with `scorecard users add`."),
    "sidebar.language": ("Langue", "Language"),
    "sidebar.signed_in": ("Connecté·e : **{user}**", "Signed in: **{user}**"),
    "sidebar.logout": ("Se déconnecter", "Sign out"),
    "sidebar.period": ("Période", "Period"),
    "sidebar.ruleset": ("Grille", "Ruleset"),
    "sidebar.teams": ("Équipes", "Teams"),
    "role.agent": ("Conseiller", "Agent"),
    "role.team_leader": ("Responsable d'équipe", "Team leader"),
    "role.quality_manager": ("Responsable qualité", "Quality manager"),
    "nav.progress": ("Ma progression", "My progress"),
    "nav.section_team": ("Mon équipe", "My team"),
    "nav.section_teams": ("Équipes", "Teams"),
    "nav.section_quality": ("Qualité", "Quality"),
    "nav.team": ("Vue d'équipe", "Team overview"),
    "nav.agent": ("Fiche conseiller", "Agent scorecard"),
    "nav.trends": ("Tendances", "Trends"),
    "nav.disputes": ("Contestations", "Disputes"),
    "nav.centre": ("Vue du centre", "Centre overview"),
    "nav.import": ("Import", "Import"),
    "nav.rules": ("Grille et critères", "Rules and criteria"),
    "nav.evaluators": ("Évaluateurs", "Evaluators"),
    "nav.exports": ("Exports", "Exports"),
    # common
    "common.no_db": ("Base de données introuvable : lancez `scorecard demo` ou `scorecard dashboard --db FICHIER`.",
                     "Database not found: run `scorecard demo` or `scorecard dashboard --db FILE`."),
    "common.not_scored": ("Aucun score pour l'instant : importez des évaluations puis lancez `scorecard score`.",
                          "Nothing scored yet: import evaluations, then run `scorecard score`."),
    "common.no_data": ("Aucune donnée pour cette sélection.", "No data for this selection."),
    "common.no_data_period": ("Aucune évaluation sur la période choisie : élargissez la période.",
                              "No evaluation in the chosen period: widen the period."),
    "common.download_csv": ("CSV", "CSV"),
    "common.download_xlsx": ("Excel", "Excel"),
    "common.download": ("Télécharger", "Download"),
    "common.error": ("Une erreur est survenue : {msg}", "Something went wrong: {msg}"),
    "common.all": ("Toutes", "All"),
    "common.all_agents": ("Tous", "All"),
    "common.months": ("{n} mois", "{n} months"),
    "common.hidden": ("(masqué)", "(hidden)"),
    "common.yes": ("oui", "yes"),
    "common.no": ("non", "no"),
    "common.agent": ("Conseiller", "Agent"),
    "common.team": ("Équipe", "Team"),
    "common.site": ("Site", "Site"),
    "common.month": ("Mois", "Month"),
    "common.competency": ("Compétence", "Competency"),
    "common.score": ("Score", "Score"),
    "common.evaluations": ("Évaluations", "Evaluations"),
    "common.ruleset_version": ("Grille {label}, calculée le {date}", "Ruleset {label}, scored on {date}"),
    # measures
    "m.quality": ("Score qualité", "Quality score"),
    "m.critical": ("Score critique", "Critical score"),
    "m.fatal": ("Erreurs fatales", "Fatal errors"),
    "m.fatal_rate": ("Taux d'erreurs fatales", "Fatal-error rate"),
    "m.evaluations": ("Évaluations", "Evaluations"),
    "m.agents": ("Conseillers", "Agents"),
    "m.team_median": ("Médiane de l'équipe", "Team median"),
    "m.centre_median": ("Médiane du centre", "Centre median"),
    "m.pass_rate": ("Taux de réussite", "Pass rate"),
    "m.ci": ("Intervalle de confiance à 95 %", "95 % confidence interval"),
    "m.evidence": ("Preuves", "Evidence"),
    "m.mastery": ("Maîtrise", "Mastery"),
    "m.open_disputes": ("Contestations ouvertes", "Open disputes"),
    "m.disputes_short": ("Contestations", "Disputes"),
    "m.fatal_short": ("Fatales", "Fatal"),
    "m.vs_previous": ("vs mois précédent", "vs previous month"),
    "m.outcomes": ("Observations", "Observations"),
    "mastery.acquired": ("Acquise", "Acquired"),
    "mastery.developing": ("En cours d'acquisition", "Developing"),
    "mastery.not_acquired": ("Non acquise", "Not acquired"),
    "mastery.insufficient_evidence": ("Preuves insuffisantes", "Insufficient evidence"),
    "mastery.help": (
        "Acquise : score ≥ {acq} ; en cours : ≥ {dev} ; au moins {min} évaluations nécessaires pour juger.",
        "Acquired: score ≥ {acq}; developing: ≥ {dev}; at least {min} evaluations needed to judge.",
    ),
    "evidence.too_few": ("Pas assez d'évaluations pour juger ({n} sur {min} nécessaires).",
                         "Not enough evaluations to judge ({n} of {min} needed)."),
    "evidence.wide": ("Échantillon réduit : le taux réel se situe probablement entre {low} et {high}.",
                      "Small sample: the true rate is probably between {low} and {high}."),
    # agent page
    "agent.title": ("Ma progression", "My progress"),
    "agent.subtitle": ("{name} · {team}", "{name} · {team}"),
    "agent.trend": ("Évolution mois par mois", "Month by month"),
    "agent.trend_help": ("Votre score qualité et votre score critique ; en pointillés, la médiane de votre équipe.",
                         "Your quality and critical scores; dotted: your team's median."),
    "agent.competencies": ("Mes compétences", "My competencies"),
    "agent.competencies_help": (
        ("La barre est le score de la compétence ; le trait noir, l'intervalle de confiance à 95 % du taux de "
         "réussite ; le losange, la médiane de l'équipe."),
        ("The bar is the competency score; the black line, the 95 % confidence interval of the pass rate; "
         "the diamond, the team's median."),
    ),
    "agent.evaluations": ("Mes évaluations", "My evaluations"),
    "agent.competencies_other": ("Compétences", "Competencies"),
    "agent.evaluations_other": ("Évaluations", "Evaluations"),
    "agent.pick_evaluation": ("Évaluation à consulter", "Evaluation to open"),
    "agent.no_peers": ("Médiane d'équipe non affichée : moins de {n} collègues évalués.",
                       "Team median not shown: fewer than {n} colleagues evaluated."),
    "agent.latest_month": ("Dernier mois : {month}", "Latest month: {month}"),
    "agent.no_agent": ("Votre compte n'est relié à aucune évaluation pour l'instant.",
                       "Your account is not linked to any evaluation yet."),
    "agent.weakest": ("À travailler en priorité", "Work on first"),
    "agent.strongest": ("Points forts", "Strengths"),
    # evaluation detail
    "eval.title": ("Évaluation du {date}", "Evaluation of {date}"),
    "eval.facts": ("{channel} · {activity} · évaluée par {evaluator}", "{channel} · {activity} · evaluated by {evaluator}"),
    "eval.not_found": ("Cette évaluation n'existe pas ou n'est pas dans votre périmètre.",
                       "This evaluation does not exist or is outside your scope."),
    "eval.score_line": ("Score : **{score}** sur 100", "Score: **{score}** out of 100"),
    "eval.fatal": ("Erreur fatale sur {rules} : le score est ramené à 0 (il aurait été de {before}).",
                   "Fatal error on {rules}: the score is set to 0 (it would have been {before})."),
    "eval.critical": ("Score critique : {score} (calculé sur les règles critiques uniquement, il ne modifie pas le score).",
                      "Critical score: {score} (computed on critical rules only; it does not change the score)."),
    "eval.critical_failed": ("Règles critiques non réussies : {rules}.", "Critical rules not passed: {rules}."),
    "eval.not_scored": ("Aucune règle ne s'applique à cette interaction : elle n'est pas notée.",
                        "No rule applies to this interaction: it is not scored."),
    "eval.excluded": ("Évaluation exclue des résultats après contestation acceptée.",
                      "Evaluation excluded from the figures after an accepted dispute."),
    "eval.comment": ("Commentaire de l'évaluateur", "Evaluator's comment"),
    "eval.lines": ("Détail ligne par ligne", "Line by line"),
    "eval.show_na": ("Afficher les règles non applicables ({n})", "Show rules that did not apply ({n})"),
    "eval.col_rule": ("Règle", "Rule"),
    "eval.col_criterion": ("Critère REAC", "REAC criterion"),
    "eval.col_outcome": ("Résultat", "Outcome"),
    "eval.col_weight": ("Poids", "Weight"),
    "eval.col_flags": ("Type", "Kind"),
    "eval.col_comment": ("Commentaire de l'évaluateur", "Evaluator's comment"),
    "outcome.pass": ("Réussi", "Passed"),
    "outcome.fail": ("Non réussi", "Not passed"),
    "outcome.na": ("Non applicable", "Not applicable"),
    "flag.fatal": ("Fatale", "Fatal"),
    "flag.critical": ("Critique", "Critical"),
    "eval.ack": ("J'ai pris connaissance", "I have read it"),
    "eval.ack_done": ("Vous avez pris connaissance de cette évaluation le {when}.", "You acknowledged this evaluation on {when}."),
    "eval.ack_saved": ("Prise de connaissance enregistrée.", "Acknowledgement saved."),
    "eval.dispute": ("Contester cette évaluation", "Dispute this evaluation"),
    "eval.dispute_comment": ("Votre commentaire (obligatoire)", "Your comment (required)"),
    "eval.dispute_submit": ("Envoyer la contestation", "Send the dispute"),
    "eval.dispute_saved": ("Contestation envoyée à votre responsable d'équipe.", "Dispute sent to your team leader."),
    "eval.feedback": ("Suivi", "History"),
    "fb.acknowledge": ("Pris connaissance le {when} par {who}", "Acknowledged on {when} by {who}"),
    "fb.dispute": ("Contestation du {when} par {who} : « {comment} »", "Dispute on {when} by {who}: “{comment}”"),
    "fb.open": ("En attente de réponse", "Awaiting an answer"),
    "fb.accepted_excluded": ("Acceptée le {when} par {who} : évaluation exclue des résultats",
                             "Accepted on {when} by {who}: evaluation excluded from the figures"),
    "fb.accepted_corrected": ("Acceptée le {when} par {who} : évaluation à corriger (réimport corrigé)",
                              "Accepted on {when} by {who}: evaluation to be corrected (corrected re-import)"),
    "fb.rejected": ("Rejetée le {when} par {who}", "Rejected on {when} by {who}"),
    "fb.reply": ("Réponse : « {reply} »", "Reply: “{reply}”"),
    "status.acknowledged": ("Pris connaissance", "Acknowledged"),
    "status.open": ("Contestée", "Disputed"),
    "status.accepted": ("Contestation acceptée", "Dispute accepted"),
    "status.rejected": ("Contestation rejetée", "Dispute rejected"),
    "status.new": ("Nouvelle", "New"),
    "status.excluded": ("Exclue", "Excluded"),
    "col.date": ("Date", "Date"),
    "col.channel": ("Canal", "Channel"),
    "col.activity": ("Activité", "Activity"),
    "col.evaluator": ("Évaluateur", "Evaluator"),
    "col.status": ("Suivi", "Status"),
    "col.fatal": ("Fatale", "Fatal"),
    "col.file": ("Fichier", "File"),
    "col.line": ("Ligne", "Line"),
    "col.column": ("Colonne", "Column"),
    "col.value": ("Valeur", "Value"),
    "col.reason": ("Motif", "Reason"),
    "col.rows": ("Lignes", "Rows"),
    "col.new": ("Nouvelles", "New"),
    "col.replaced": ("Remplacées", "Replaced"),
    "col.unchanged": ("Inchangées", "Unchanged"),
    "col.rejected": ("Rejetées", "Rejected"),
    "col.skipped": ("Ignorées", "Skipped"),
    "col.ci_low": ("IC 95 % bas", "95 % CI low"),
    "col.ci_high": ("IC 95 % haut", "95 % CI high"),
    # team pages
    "team.title": ("Vue d'équipe", "Team overview"),
    "team.subtitle": ("{teams} · {period}", "{teams} · {period}"),
    "team.agents": ("Conseillers", "Agents"),
    "team.heatmap": ("Compétences par conseiller", "Competencies by agent"),
    "team.heatmap_help": (
        "Couleur : score de la compétence. Cellules pâles marquées « ? » : moins de {min} évaluations, preuves insuffisantes.",
        "Colour: competency score. Pale cells marked “?”: fewer than {min} evaluations, insufficient evidence.",
    ),
    "team.sort": ("Trier par", "Sort by"),
    "team.sort_name": ("Nom", "Name"),
    "team.sort_quality": ("Score qualité", "Quality score"),
    "team.sort_competency": ("Compétence {code}", "Competency {code}"),
    "team.weakest": ("Critères les plus faibles de l'équipe", "Weakest criteria in the team"),
    "team.weakest_help": ("Taux de réussite par critère REAC sur la période, toutes évaluations de l'équipe confondues.",
                          "Pass rate per REAC criterion over the period, all the team's evaluations pooled."),
    "team.agents_failing": ("Conseillers concernés", "Agents concerned"),
    "team.rules": ("Règles", "Rules"),
    "team.medians": ("Médianes par compétence", "Medians by competency"),
    "agentpage.title": ("Fiche conseiller", "Agent scorecard"),
    "agentpage.pick": ("Conseiller", "Agent"),
    "agentpage.none": ("Aucun conseiller dans votre périmètre sur cette période.", "No agent in your scope for this period."),
    "notes.title": ("Notes de coaching", "Coaching notes"),
    "notes.help": ("Visibles par les responsables d'équipe et la qualité, pas par le conseiller.",
                   "Seen by team leaders and quality, not by the agent."),
    "notes.new": ("Nouvelle note", "New note"),
    "notes.save": ("Enregistrer la note", "Save the note"),
    "notes.saved": ("Note enregistrée.", "Note saved."),
    "notes.empty": ("Aucune note pour l'instant.", "No note yet."),
    "notes.by": ("{when} · {who}", "{when} · {who}"),
    "trends.title": ("Tendances", "Trends"),
    "trends.quality": ("Score qualité par conseiller", "Quality score by agent"),
    "trends.competency": ("Compétence", "Competency"),
    "trends.by_competency": ("Score de l'équipe par compétence", "Team score by competency"),
    "trends.agent_competency": ("{competency} par conseiller", "{competency} by agent"),
    "disputes.title": ("Contestations", "Disputes"),
    "disputes.open": ("À traiter", "To answer"),
    "disputes.closed": ("Traitées", "Answered"),
    "disputes.none": ("Aucune contestation en attente.", "No dispute waiting."),
    "disputes.none_closed": ("Aucune contestation traitée.", "No answered dispute."),
    "disputes.item": ("{agent} · évaluation du {date} · score {score}", "{agent} · evaluation of {date} · score {score}"),
    "disputes.agent_comment": ("Commentaire du conseiller", "Agent's comment"),
    "disputes.decision": ("Décision", "Decision"),
    "disputes.accept_exclude": ("Accepter : exclure l'évaluation des résultats", "Accept: exclude the evaluation from the figures"),
    "disputes.accept_correct": ("Accepter : l'évaluation sera corrigée (réimport)", "Accept: the evaluation will be corrected (re-import)"),
    "disputes.reject": ("Rejeter", "Reject"),
    "disputes.reply": ("Réponse au conseiller (obligatoire pour un rejet)", "Reply to the agent (required to reject)"),
    "disputes.submit": ("Enregistrer la décision", "Save the decision"),
    "disputes.saved": ("Décision enregistrée.", "Decision saved."),
    "decision.excluded": ("Acceptée · évaluation exclue", "Accepted · evaluation excluded"),
    "decision.corrected": ("Acceptée · à corriger", "Accepted · to be corrected"),
    "decision.rejected": ("Rejetée", "Rejected"),
    "decision.reply": ("Réponse", "Reply"),
    "decision.when": ("Répondu le", "Answered on"),
    "decision.by": ("Par", "By"),
    "disputes.open_eval": ("Voir le détail de l'évaluation", "See the evaluation's detail"),
    # quality pages
    "centre.title": ("Vue du centre", "Centre overview"),
    "centre.monthly": ("Score qualité par équipe et par mois", "Quality score by team and month"),
    "centre.breakdown": ("Répartition", "Breakdown"),
    "centre.by": ("Par {dim}", "By {dim}"),
    "dim.team": ("équipe", "team"),
    "dim.site": ("site", "site"),
    "dim.channel": ("canal", "channel"),
    "dim.activity": ("activité", "activity"),
    "centre.distribution": ("Distribution des scores d'évaluation", "Distribution of evaluation scores"),
    "centre.distribution_help": ("Nombre d'évaluations par tranche de 5 points ; en rouge, celles avec une erreur fatale.",
                                 "Evaluations per 5-point band; red: those with a fatal error."),
    "centre.teams_sites": ("{teams} équipes · {sites} sites", "{teams} teams · {sites} sites"),
    "import.title": ("Import d'évaluations", "Import evaluations"),
    "import.help": ("Exports CSV ou Excel de votre outil qualité. L'import est tout ou rien ; réimporter le même fichier ne change rien.",
                    "CSV or Excel exports from your QA tool. An import lands whole or not at all; importing the same file again changes nothing."),
    "import.files": ("Fichiers", "Files"),
    "import.profile": ("Profil d'import", "Import profile"),
    "import.profile_auto": ("Détection automatique", "Detect automatically"),
    "import.format": ("Format", "Format"),
    "import.format_auto": ("Automatique", "Automatic"),
    "import.format_wide": ("Large (une ligne par évaluation)", "Wide (one row per evaluation)"),
    "import.format_long": ("Long (une ligne par question)", "Long (one row per question)"),
    "import.strict": ("Strict : refuser tout le fichier au moindre rejet", "Strict: refuse the whole file if any row is rejected"),
    "import.submit": ("Importer", "Import"),
    "import.detected": ("Profil détecté pour {file} : **{profile}**", "Profile detected for {file}: **{profile}**"),
    "import.report": ("Rapport d'import", "Import report"),
    "import.rejects": ("Lignes rejetées", "Rejected rows"),
    "import.no_rejects": ("Aucune ligne rejetée.", "No rejected row."),
    "import.refused": ("Import refusé, la base n'a pas changé : {msg}", "Import refused, the database is unchanged: {msg}"),
    "import.rescored": ("Scores recalculés : {msg}", "Scores recomputed: {msg}"),
    "import.score_failed": ("Les données sont importées mais le calcul des scores n'a pas pu se faire : {msg}",
                            "The data is imported but scoring could not run: {msg}"),
    "import.log": ("Historique des imports", "Import log"),
    "import.all_rejects": ("Tous les rejets enregistrés", "Every recorded reject"),
    "import.unavailable": ("Le module d'import n'est pas disponible dans cette installation.",
                           "The import module is not available in this installation."),
    "import.choose": ("Choisissez au moins un fichier.", "Choose at least one file."),
    "rules.title": ("Grille et critères", "Rules and criteria"),
    "rules.version": ("Grille en service : **{label}** (empreinte {hash}), {n} règles, calculée le {date}",
                      "Ruleset in use: **{label}** (hash {hash}), {n} rules, scored on {date}"),
    "rules.coverage": ("Couverture des critères du REAC", "Coverage of the REAC criteria"),
    "rules.coverage_value": ("{covered} critères mesurés sur {total}", "{covered} of {total} criteria measured"),
    "rules.uncovered": ("Critères non mesurés", "Criteria not measured"),
    "rules.all_covered": ("Tous les critères du référentiel sont mesurés par au moins une règle.",
                          "Every criterion of the referential is measured by at least one rule."),
    "rules.table": ("Règles", "Rules"),
    "rules.compare": ("Comparer deux versions de la grille", "Compare two ruleset versions"),
    "rules.compare_help": ("Les deux versions appliquées aux mêmes évaluations.", "Both versions applied to the same evaluations."),
    "rules.compare_with": ("Comparer avec", "Compare with"),
    "rules.compare_single": ("Une seule version de grille a été calculée : lancez `scorecard score --rules DOSSIER` avec une autre version pour comparer.",
                             "Only one ruleset version has been scored: run `scorecard score --rules DIR` with another version to compare."),
    "rules.mean_a": ("Moyenne {label}", "Mean {label}"),
    "rules.changed": ("Évaluations dont le score change", "Evaluations whose score changes"),
    "rules.rule_changes": ("Règles modifiées, ajoutées ou retirées", "Rules changed, added or removed"),
    "rules.by_team": ("Par équipe", "By team"),
    "rules.by_competency": ("Par compétence", "By competency"),
    "rules.change_col": ("Modification", "Change"),
    "change.added": ("ajoutée", "added"),
    "change.removed": ("retirée", "removed"),
    "change.changed": ("modifiée", "changed"),
    "change.same": ("identique", "same"),
    "evaluators.title": ("Évaluateurs", "Evaluators"),
    "evaluators.volume": ("Volume et notation", "Volume and scoring"),
    "evaluators.reliability": ("Indulgence et calibrage", "Leniency and calibration"),
    "evaluators.reliability_help": (
        ("Indulgence : écart moyen entre les notes de l'évaluateur et celles de ses pairs pour les mêmes conseillers "
         "et le même mois (positif = plus indulgent). Calibrage : écart absolu moyen à l'évaluation experte."),
        ("Leniency: mean gap between the evaluator's scores and peers' scores for the same agents and month "
         "(positive = more lenient). Calibration: mean absolute deviation from the expert evaluation."),
    ),
    "evaluators.agreement": ("Accord inter-évaluateurs par règle (sessions de calibrage)",
                             "Inter-rater agreement by rule (calibration sessions)"),
    "evaluators.no_calibration": ("Aucune session de calibrage sur la période.", "No calibration session in the period."),
    "evaluators.hide": ("Masquer le nom des évaluateurs aux conseillers", "Hide evaluator names from agents"),
    "evaluators.hide_saved": ("Réglage enregistré.", "Setting saved."),
    "evaluators.unavailable": ("Le module de calibrage n'est pas disponible : {msg}", "The calibration module is not available: {msg}"),
    "ev.leniency": ("Indulgence", "Leniency"),
    "ev.calibrations": ("Calibrages", "Calibrations"),
    "ev.mad_expert": ("Écart à l'expert", "Deviation from expert"),
    "ev.divergent": ("Règles divergentes", "Divergent rules"),
    "ev.agreement": ("Accord", "Agreement"),
    "ev.alpha": ("α de Krippendorff", "Krippendorff's α"),
    "ev.kind": ("Type", "Kind"),
    "ev.sessions": ("Sessions", "Sessions"),
    "exports.title": ("Exports", "Exports"),
    "exports.help": ("Chaque table, filtrée selon votre choix, en CSV (virgule, UTF-8) ou Excel. Les formules sont neutralisées.",
                     "Every table, filtered as you choose, as CSV (comma, UTF-8) or Excel. Formulas are neutralised."),
    "exports.table": ("Table", "Table"),
    "exports.agent": ("Conseiller (facultatif)", "Agent (optional)"),
    "exports.rows": ("{n} lignes", "{n} rows"),
    "table.evaluation_scores": ("Scores des évaluations", "Evaluation scores"),
    "table.agent_scorecards": ("Scorecards conseillers (par mois)", "Agent scorecards (per month)"),
    "table.competency_scores": ("Scores par compétence (par mois)", "Competency scores (per month)"),
    "table.team_monthly": ("Équipes par mois", "Teams per month"),
    "table.imports": ("Historique des imports", "Import log"),
    "table.rejects": ("Rejets d'import", "Import rejects"),
    "table.evaluators": ("Évaluateurs", "Evaluators"),
    "timeout": ("Cet affichage a pris trop de temps et a été interrompu : réduisez la période ou le nombre d'équipes.",
                "This view took too long and was stopped: shorten the period or select fewer teams."),
}

CHANNELS = {
    "phone": ("Téléphone", "Phone"), "email": ("Courriel", "Email"), "chat": ("Tchat", "Chat"),
    "sms": ("SMS", "SMS"), "letter": ("Courrier", "Letter"), "social": ("Réseaux sociaux", "Social media"),
}
ACTIVITIES = {
    "survey": ("Enquêtes", "Surveys"), "admin_info": ("Information administrative", "Administrative information"),
    "support": ("Assistance", "Support"), "advice": ("Conseil", "Advice"), "prospecting": ("Prospection", "Prospecting"),
    "booking": ("Réservations et commandes", "Bookings and orders"), "sales": ("Vente", "Sales"),
    "retention": ("Fidélisation", "Retention"), "collections": ("Recouvrement", "Collections"),
}
EVALUATOR_KINDS = {"human": ("Humain", "Human"), "auto": ("Automatique", "Automatic"),
                   "self": ("Auto-évaluation", "Self-assessment")}
MONTHS_FR = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def t(key: str, lang: str, **values: object) -> str:
    """The text for ``key`` in ``lang`` (French when unknown), with ``{name}`` filled in."""
    fr, en = TEXT[key]
    text = en if lang == "en" else fr
    return text.format(**values) if values else text


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def fmt_num(value: object, lang: str, digits: int = 1) -> str:
    """``12 345,6`` in French, ``12,345.6`` in English; an en dash when missing."""
    if _missing(value):
        return "–"
    text = f"{float(value):,.{digits}f}"  # type: ignore[arg-type]
    if lang == "en":
        return text
    return text.replace(",", NNBSP).replace(".", ",")


def fmt_int(value: object, lang: str) -> str:
    return fmt_num(value, lang, 0)


def fmt_pct(value: object, lang: str, digits: int = 1) -> str:
    """``87,5 %`` in French (no-break space), ``87.5%`` in English."""
    if _missing(value):
        return "–"
    return fmt_num(value, lang, digits) + (f"{NBSP}%" if lang == "fr" else "%")


def fmt_delta(value: object, lang: str, digits: int = 1) -> str | None:
    """A signed difference (``+2,5``) for metric cards, None when missing."""
    if _missing(value):
        return None
    sign = "+" if float(value) >= 0 else "−"  # type: ignore[arg-type]
    return sign + fmt_num(abs(float(value)), lang, digits)  # type: ignore[arg-type]


def fmt_datetime(value: object, lang: str, *, time: bool = True) -> str:
    """``30/10/2026 16:17`` in French, ``2026-10-30 16:17`` in English."""
    if _missing(value):
        return "–"
    ts = pd.Timestamp(value)  # type: ignore[arg-type]
    if lang == "en":
        return ts.strftime("%Y-%m-%d %H:%M" if time else "%Y-%m-%d")
    return ts.strftime("%d/%m/%Y %H:%M" if time else "%d/%m/%Y")


def fmt_date(value: object, lang: str) -> str:
    return fmt_datetime(value, lang, time=False)


def month_label(period: str | None, lang: str) -> str:
    """``2026-10`` -> ``oct. 2026`` / ``Oct 2026``."""
    if not period:
        return "–"
    year, month = period.split("-")
    names = MONTHS_EN if lang == "en" else MONTHS_FR
    return f"{names[int(month) - 1]} {year}"


def range_label(p_from: str | None, p_to: str | None, lang: str) -> str:
    if p_from == p_to:
        return month_label(p_from, lang)
    return f"{month_label(p_from, lang)} – {month_label(p_to, lang)}"


def _vocabulary(table: dict[str, tuple[str, str]], code: object, lang: str) -> str:
    """A stored code in the reader's words (the code itself when the table does not know it)."""
    if _missing(code):
        return "–"
    pair = table.get(str(code))
    return (pair[1] if lang == "en" else pair[0]) if pair else str(code)


def channel_label(code: object, lang: str) -> str:
    return _vocabulary(CHANNELS, code, lang)


def activity_label(code: object, lang: str) -> str:
    return _vocabulary(ACTIVITIES, code, lang)


def evaluator_kind_label(code: object, lang: str) -> str:
    return _vocabulary(EVALUATOR_KINDS, code, lang)


def mastery_label(code: object, lang: str) -> str:
    """The REAC wording of a mastery level; empty for rows that have none (medians)."""
    if _missing(code) or code == "":
        return ""
    return t(f"mastery.{code}", lang)


def today_label(lang: str) -> str:
    return fmt_date(date.today(), lang)


def now_label(lang: str) -> str:
    return fmt_datetime(datetime.now(), lang)
