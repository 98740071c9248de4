"""The dashboard (/admin/): Monday morning's to-do list, for the whole network or one
territory (remembered), each figure a link into the grid that lists its rows."""
import datetime

from flask import request, session
from flask_admin import AdminIndexView, expose

from models.dashboard import dashboard
from models.directory import Territory, tree_order
from models.formatting import format_date, format_euros, format_number, format_percent
from models.meetings import MEETING_KIND_LABELS
from models.validation import parse_record_id

from .access import AccessRules
from .filters import DateBetweenFilter

CHOSEN_TERRITORY = "dashboard_territory"


def chosen_territory():
    """The territory asked for (?territoire=), else the one chosen last time; None: all."""
    if "territoire" in request.args:
        session[CHOSEN_TERRITORY] = parse_record_id(request.args["territoire"])
    territory_id = session.get(CHOSEN_TERRITORY)
    territory = Territory.get_or_none(Territory.id == territory_id) if territory_id else None
    if territory_id and territory is None:
        session.pop(CHOSEN_TERRITORY)  # deleted since
    return territory


class DashboardView(AccessRules, AdminIndexView):
    def grid(self, endpoint):
        return next(view for view in self.admin._views if getattr(view, "endpoint", None) == endpoint)

    def links(self, territory, year):
        """Each figure's grid, filtered as the figure counts."""
        structures, referents = self.grid("structure"), self.grid("referent")
        trainings, meetings = self.grid("training"), self.grid("meeting")
        scope = [("Territoire", territory.id)] if territory else []
        this_year = (f"01/01/{year} au 31/12/{year}")
        return {
            "without_referent": structures.filtered_url(
                ("Sans référent·e (active, accueille du public, aucun·e référent·e actif·ve)", 1), *scope),
            "structures": structures.filtered_url(("Active", 1), *scope),
            "untrained": referents.filtered_url(("Actif·ve", 1), ("Formé·e", 0), *scope),
            "structures_to_review": structures.filtered_url(
                ("Active", 1), ("À vérifier (mise à jour il y a plus de 365 jours)", 1), *scope),
            "referents_to_review": referents.filtered_url(("Actif·ve", 1), ("À vérifier", 1), *scope),
            "inactive_with_referents": structures.filtered_url(
                ("Inactive avec des référent·e·s actif·ve·s", 1), *scope),
            "trainings": trainings.filtered_url(("Date", this_year, DateBetweenFilter), *scope),
            "meetings": meetings.filtered_url(("Date", this_year, DateBetweenFilter), *scope),
        }

    @expose("/")
    def index(self):
        territory = chosen_territory()
        today = datetime.date.today()
        territories = tree_order(list(Territory.select(Territory.id, Territory.name, Territory.parent)))
        return self.render(
            "dashboard.html", board=dashboard(territory, today), territories=territories,
            links=self.links(territory, today.year), today=today, meeting_kinds=MEETING_KIND_LABELS,
            euros=format_euros, percent=format_percent, format_percent=format_percent,
            format_number=format_number, format_date=format_date,
        )
