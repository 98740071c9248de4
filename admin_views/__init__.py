"""The French Flask-Admin panel over Maillage's models."""
from pathlib import Path

from flask import redirect, render_template, request, url_for
from flask_admin import Admin, AdminIndexView, expose
from flask_admin.babel import domain as admin_babel_domain
from flask_admin.theme import Bootstrap4Theme
from flask_login import current_user
from peewee import DataError

from models import (
    Attendance, CostLine, FundingLine, Referent, Scenario, Structure, Territory, Training,
    User,
)
from models.directory import is_trained_expression, needs_review_condition

from . import theme
from .budget import CostLineView, FundingLineView, ScenarioView
from .directory import ReferentView, StructureView, TerritoryView
from .exports import ExportsView
from .imports import ImportView
from .training import AttendanceView, TrainingView
from .users import UserView


class DashboardView(AdminIndexView):
    def is_accessible(self):
        return current_user.is_authenticated and current_user.active

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login", next=request.full_path))

    @expose("/")
    def index(self):
        counts = [
            ("Structures", Structure.select().count(), "structure"),
            ("Référent·e·s", Referent.select().count(), "referent"),
            ("Formations", Training.select().count(), "training"),
            ("Scénarios", Scenario.select().count(), "scenario"),
        ]
        active = Referent.select().where(Referent.actif == True)  # noqa: E712
        return self.render(
            "dashboard.html", counts=counts, active_referents=active.count(),
            trained=active.where(is_trained_expression()).count(),
            to_review=Structure.select().where(needs_review_condition(Structure.date_maj)).count(),
        )


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


def value_out_of_range(error):
    """A number too big for the database (a crafted id, page or filter): the
    request is refused, in French, before anything is written."""
    return render_template("value_out_of_range.html"), 400


def init_admin(app):
    use_our_wording()
    app.register_error_handler(OverflowError, value_out_of_range)
    app.register_error_handler(DataError, value_out_of_range)
    app.register_blueprint(theme.blueprint)
    admin = Admin(
        app, name="Maillage",
        theme=Bootstrap4Theme(base_template="maillage_master.html", swatch=theme.SWATCH, fluid=True),
        index_view=DashboardView(name="Tableau de bord", url="/admin"),
    )
    directory, trainings, budget = "Répertoire", "Formations", "Budget"
    admin.add_view(StructureView(Structure, name="Structures", category=directory))
    admin.add_view(ReferentView(Referent, name="Référent·e·s", category=directory))
    admin.add_view(TerritoryView(Territory, name="Territoires", category=directory))
    admin.add_view(ImportView("structures", "structure", name="Importer des structures",
                              category=directory, endpoint="structure_import",
                              url="/admin/structure/import"))
    admin.add_view(ImportView("referents", "referent", name="Importer des référent·e·s",
                              category=directory, endpoint="referent_import",
                              url="/admin/referent/import"))
    admin.add_view(TrainingView(Training, name="Formations", category=trainings))
    admin.add_view(AttendanceView(Attendance, name="Présences", category=trainings))
    admin.add_view(ScenarioView(Scenario, name="Scénarios", category=budget))
    admin.add_view(CostLineView(CostLine, name="Lignes budgétaires", category=budget))
    admin.add_view(FundingLineView(FundingLine, name="Financements", category=budget))
    admin.add_view(ExportsView(name="Exports", endpoint="exports", url="/admin/exports"))
    admin.add_view(UserView(User, name="Utilisateur·rice·s"))
    return admin
