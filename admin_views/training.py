"""Grids of trainings and attendance."""
from operator import attrgetter

from flask_admin.model.template import EndpointLinkRowAction
from markupsafe import Markup
from peewee import fn

from models import Attendance, Referent, Training
from models.formatting import format_euros

from .attendance_sheet import AttendanceSheetViews
from .base import MaillageModelView
from .bulk import BulkActions
from .emargement import EmargementViews
from .filters import TerritoryFilter, related_filter


def _present_count_formatter(view, context, model, name):
    """« 8 présent·e·s », a link to the attendance sheet (« Saisir les présences »)."""
    count = model.present_count or 0
    text = f"{count} présent·e{'·s' if count > 1 else ''}"
    return Markup(f'<a href="{view.attendance_url(model)}" title="Saisir les présences">'
                  f'{Markup.escape(text)}</a>')


class TrainingView(EmargementViews, AttendanceSheetViews, BulkActions, MaillageModelView):
    bulk_actions = ("assign_territory",)  # admin_views/bulk.py
    column_list = ("date", "theme", "half_days", "trainer", "territory", "place", "cost",
                   "present_count")
    column_labels = {"cost": "Coût", "present_count": "Présences"}
    column_searchable_list = ("theme", "trainer", "place")
    column_filters = (TerritoryFilter(Training.territory), "date")
    column_default_sort = ("date", True)
    list_joins = ("territory",)
    column_formatters = {"cost": lambda view, context, model, name: format_euros(model.cost),
                         "present_count": _present_count_formatter}
    column_export_computed = {"cost": ("euro", attrgetter("cost")),
                              "present_count": ("integer", attrgetter("present_count"))}
    column_extra_row_actions = [
        EndpointLinkRowAction("fa fa-check-square-o", ".attendance_view", title="Saisir les présences"),
        EndpointLinkRowAction("fa fa-print", ".emargement_view", title="Feuille d'émargement à signer"),
    ]
    # Attendance: on its own screen (admin_views/attendance_sheet.py), not inline lines.
    details_template = "training_details.html"
    edit_template = "training_edit.html"
    form_columns = (
        "date", "theme", "half_days", "trainer", "cost_per_half_day", "room_cost", "place",
        "territory", "capacity", "eu_cofunded", "notes",
    )

    def get_query(self):
        present = (Attendance.select(fn.COUNT(Attendance.id))
                   .where((Attendance.training == Training.id) & (Attendance.present == True)))  # noqa: E712
        return super().get_query().select_extend(present.alias("present_count"))


class AttendanceView(MaillageModelView):
    column_list = ("training", "referent", "present", "evaluation")
    # Joined columns: the grid's query already joins both tables (list_joins).
    column_searchable_list = (Referent.nom, Referent.prenom, Training.theme)
    column_filters = (related_filter(Attendance.training), "present")
    list_joins = ("training", "referent")
    form_columns = ("training", "referent", "present", "evaluation")
    kept_on_add_another = ("training",)  # the next presence: same training, another person
