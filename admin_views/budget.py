"""Grids of budget scenarios with their cost and funding lines."""
from flask_admin.model.form import InlineFormAdmin
from peewee import SQL
from wtforms.validators import Optional

from models import CostLine, FundingLine, Scenario
from models.budget import overhead_amount, scenarios_with_figures, sql_money
from models.formatting import format_euros, format_number

from .base import MaillageModelView
from .filters import choice_filter, related_filter


class CostLineInline(InlineFormAdmin):
    form_columns = (
        "id", "category", "designation", "quantity", "unit", "unit_cost", "amount",
        "is_one_off", "notes",
    )
    form_args = {"amount": {"validators": [Optional()]}}
    form_label = "Lignes budgétaires"


class FundingLineInline(InlineFormAdmin):
    form_columns = ("id", "funder", "kind", "amount", "status", "notes")
    form_label = "Lignes de financement"


def _figure(function):
    return lambda view, context, model, name: function(model)


class ScenarioView(MaillageModelView):
    column_list = (
        "name", "operator", "year_one", "total_with_overhead", "etp", "status", "updated_at",
    )
    column_labels = {
        "year_one": "Total année 1", "total_with_overhead": "Total avec frais de gestion",
        "etp": "ETP",
    }
    column_sortable_list = (
        "name", "operator", "status", "updated_at",
        ("year_one", SQL("year_one")), ("etp", SQL("etp")),
        ("total_with_overhead", SQL("year_one")),
    )
    column_searchable_list = ("name", "description")
    column_filters = (choice_filter(Scenario.operator), choice_filter(Scenario.status))
    column_default_sort = "name"
    column_formatters = {
        "year_one": _figure(lambda s: format_euros(sql_money(s.year_one))),
        "total_with_overhead": _figure(lambda s: format_euros(
            sql_money(s.year_one) + overhead_amount(sql_money(s.year_one), s.effective_overhead_rate)
        )),
        "etp": _figure(lambda s: format_number(s.etp, 2)),
    }
    form_columns = (
        "name", "description", "operator", "overhead_rate", "start_year", "duration_years",
        "status",
    )
    inline_models = (CostLineInline(CostLine), FundingLineInline(FundingLine))

    def get_query(self):
        return scenarios_with_figures()


class CostLineView(MaillageModelView):
    column_list = (
        "scenario", "category", "designation", "quantity", "unit", "unit_cost", "amount",
        "is_one_off",
    )
    column_searchable_list = ("designation", "notes")
    column_filters = (
        related_filter(CostLine.scenario), choice_filter(CostLine.category), "is_one_off",
    )
    list_joins = ("scenario",)
    form_columns = (
        "scenario", "category", "designation", "quantity", "unit", "unit_cost", "amount",
        "is_one_off", "notes",
    )
    form_args = {"amount": {"validators": [Optional()]}}


class FundingLineView(MaillageModelView):
    column_list = ("scenario", "funder", "kind", "amount", "status")
    column_searchable_list = ("funder", "notes")
    column_filters = (
        related_filter(FundingLine.scenario), choice_filter(FundingLine.kind),
        choice_filter(FundingLine.status),
    )
    list_joins = ("scenario",)
    form_columns = ("scenario", "funder", "kind", "amount", "status", "notes")
