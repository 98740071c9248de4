"""The French Flask-Admin panel over Maillage's models."""
from pathlib import Path

from flask import render_template
from flask_admin import Admin
from flask_admin.babel import domain as admin_babel_domain
from flask_admin.theme import Bootstrap4Theme
from peewee import DataError

from models import (
    Attendance, AuditEntry, CostLine, FundingLine, Meeting, Referent, Scenario, Service, Structure, Target,
    Territory, Training, User,
)

from . import theme
from .audit import AuditEntryView
from .budget import CostLineView, FundingLineView, ScenarioView
from .dashboard import DashboardView
from .directory import ReferentView, StructureView, TerritoryView
from .activity_report import ActivityReportView
from .papers import PapersView
from .exports import ExportsView
from .find_help import FindHelpView
from .imports import ImportView
from .data_inclusion_import import DataInclusionImportView
from .input_guard import init_input_guard
from .meetings import MeetingView, TargetView
from .privacy import PrivacyPageView
from .training import AttendanceView, TrainingView
from .security import csp_nonce, init_security
from .services import ServiceView
from .history import register_audit
from .users import AccountView, UserView


def use_our_wording():
    """Load our French catalogue after Flask-Admin's, so our wording wins.

    With `Admin(translations_path=…)`, flask-babel merges the app's catalogue
    *before* Flask-Admin's (Flask-Admin's strings win) and caches per locale
    whichever set it loaded first; one fixed list of directories avoids both.
    """
    ours = str(Path(__file__).parent / "translations")
    directories = admin_babel_domain._translation_directories
    if ours not in directories:
        admin_babel_domain._translation_directories = [*directories, ours]
        admin_babel_domain.cache.clear()


# What a user reads instead of the web server's English pages.
ERROR_PAGES = {
    400: ("Requête incorrecte", "La demande envoyée n'a pas pu être lue. Rien n'a été modifié."),
    403: ("Accès refusé", "Votre rôle ne permet pas d'ouvrir cette page. "
                          "Demandez à un·e administrateur·rice si vous en avez besoin."),
    404: ("Page introuvable", "Cette adresse ne correspond à aucune page de Maillage : "
                              "la fiche a peut-être été supprimée, ou le lien est incomplet."),
    405: ("Action non permise", "Cette page ne s'utilise pas ainsi : revenez en arrière et "
                                "utilisez le bouton prévu. Rien n'a été modifié."),
    413: ("Fichier trop volumineux", "Le fichier envoyé dépasse la taille permise. Rien n'a été enregistré."),
}
OUT_OF_RANGE = ("Valeur hors limites", "Un nombre de l'adresse ou du formulaire est trop grand pour "
                "être enregistré ou cherché (identifiant, numéro de page, filtre…). Rien n'a été modifié.")


def error_page(error):
    """The French page of an HTTP error. A number too big for the database
    (OverflowError, DataError: a crafted id, page or filter) is a 400."""
    status = getattr(error, "code", None)
    title, message = ERROR_PAGES[status] if status in ERROR_PAGES else OUT_OF_RANGE
    return render_template("error_page.html", title=title, message=message), status or 400


def init_admin(app):
    use_our_wording()
    init_input_guard(app)
    for error in (*ERROR_PAGES, OverflowError, DataError):
        app.register_error_handler(error, error_page)
    app.register_blueprint(theme.blueprint)
    register_audit(app)
    init_security(app)
    admin = Admin(
        app, name="Maillage",
        theme=Bootstrap4Theme(base_template="maillage_master.html", swatch=theme.SWATCH, fluid=True),
        index_view=DashboardView(name="Tableau de bord", url="/admin"),
        csp_nonce_generator=csp_nonce,
    )
    directory, trainings, budget = "Répertoire", "Formations", "Budget"
    admin.add_view(FindHelpView(name="Trouver une aide", endpoint="find_help", url="/admin/trouver-une-aide"))
    admin.add_view(StructureView(Structure, name="Structures", category=directory))
    admin.add_view(ReferentView(Referent, name="Référent·e·s", category=directory))
    admin.add_view(ServiceView(Service, name="Services", category=directory))
    admin.add_view(TerritoryView(Territory, name="Territoires", category=directory))
    admin.add_view(ImportView("structures", "structure", name="Importer des structures",
                              category=directory, endpoint="structure_import",
                              url="/admin/structure/import"))
    admin.add_view(ImportView("referents", "referent", name="Importer des référent·e·s",
                              category=directory, endpoint="referent_import",
                              url="/admin/referent/import"))
    admin.add_view(DataInclusionImportView(name="Importer depuis data·inclusion", category=directory,
                                           endpoint="data_inclusion_import", url="/admin/data-inclusion/import"))
    admin.add_view(TrainingView(Training, name="Formations", category=trainings))
    admin.add_view(AttendanceView(Attendance, name="Présences", category=trainings))
    admin.add_view(MeetingView(Meeting, name="Réunions", category="Réseau"))
    admin.add_view(TargetView(Target, name="Objectifs", category="Réseau"))
    admin.add_view(ScenarioView(Scenario, name="Scénarios", category=budget))
    admin.add_view(CostLineView(CostLine, name="Lignes budgétaires", category=budget))
    admin.add_view(FundingLineView(FundingLine, name="Financements", category=budget))
    admin.add_view(ExportsView(name="Exports", endpoint="exports", url="/admin/exports"))
    admin.add_view(ActivityReportView(name="Bilan d'activité", endpoint="activity_report", url="/admin/bilan"))
    admin.add_view(PapersView(name="Documents imprimables", endpoint="papers", url="/admin/documents"))
    admin.add_view(PrivacyPageView(name="Protection des données", endpoint="privacy",
                                   url="/admin/protection-des-donnees"))
    # One menu for what only administrators see: the bar stays on one line at 1366 px.
    admin.add_view(UserView(User, name="Utilisateur·rice·s", category="Administration"))
    admin.add_view(AuditEntryView(AuditEntry, name="Historique des modifications",
                                  category="Administration"))
    admin.add_view(AccountView(name="Mon compte", endpoint="account", url="/admin/compte"))
    return admin
