"""Grids of trainings and attendance."""
from operator import attrgetter

from flask_admin.model.form import InlineFormAdmin

from models import Attendance, Referent, Training
from models.formatting import format_euros

from .base import MaillageModelView
from .bulk import BulkActions
from .filters import TerritoryFilter, related_filter


class AttendanceInline(InlineFormAdmin):
    form_columns = ("id", "referent", "present", "evaluation")
    form_label = "Présence"


class TrainingView(BulkActions, MaillageModelView):
    bulk_actions = ("assign_territory",)  # admin_views/bulk.py
    column_list = ("date", "theme", "half_days", "trainer", "territory", "place", "cost")
    column_labels = {"cost": "Coût"}
    column_searchable_list = ("theme", "trainer", "place")
    column_filters = (TerritoryFilter(Training.territory), "date")
    column_default_sort = ("date", True)
    list_joins = ("territory",)
    column_formatters = {"cost": lambda view, context, model, name: format_euros(model.cost)}
    column_export_computed = {"cost": ("euro", attrgetter("cost"))}
    form_columns = (
        "date", "theme", "half_days", "trainer", "cost_per_half_day", "room_cost", "place",
        "territory", "capacity", "notes",
    )
    inline_models = (AttendanceInline(Attendance),)


class AttendanceView(MaillageModelView):
    column_list = ("training", "referent", "present", "evaluation")
    # Joined columns: the grid's query already joins both tables (list_joins).
    column_searchable_list = (Referent.nom, Referent.prenom, Training.theme)
    column_filters = (related_filter(Attendance.training), "present")
    list_joins = ("training", "referent")
    form_columns = ("training", "referent", "present", "evaluation")
