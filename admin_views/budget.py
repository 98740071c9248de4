"""Grids of budget scenarios with their cost and funding lines, and the pages
planners use to vary and compare scenarios."""
import io

from flask import flash, redirect, request, send_file
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.form import SecureForm
from flask_admin.model.form import InlineFormAdmin
from flask_login import current_user
from peewee import SQL
from wtforms import SelectField, StringField
from wtforms.validators import Optional

from models import CostLine, FundingLine, Scenario, ValidationError, database
from models.budget import (
    COST_CATEGORIES, COUNT, FUNDER_KINDS, FUNDING_STATUSES, MAX_COMPARED, MIN_COMPARED, MONEY, OPERATORS,
    PERCENT, QUANTITY, Adjustments, CerfaBudget, FundingYear, ScenarioComparison, VariantPreview, compare,
    duplicate_scenario, effective_overhead_rate, lines_of, scenarios_with_figures, sql_figure,
)
from models.budget.plan import plan_cell, plan_years, save_funding_plan
from models.formatting import format_euros, format_number, format_percent
from documents.scenario_workbook import write_comparison_workbook
from documents.spreadsheets import dated_filename

from .access import user_can_edit
from .base import SESSION_EXPIRED, MaillageModelView
from .exports import XLSX_MIMETYPE
from .fields import FrenchDecimalField
from .filters import choice_filter, related_filter

# Bars of the comparison chart, one colour per compared scenario.
CHART_COLOURS = ("#2c3e50", "#18bc9c", "#f39c12", "#3498db", "#e74c3c", "#8e44ad")


def format_figure(value, kind, signed=False):
    """A figure of models.budget as the panel shows it ('—' when meaningless)."""
    if value is None:
        return "—"
    sign = "+" if signed and value > 0 else ""
    if kind == MONEY:
        return sign + format_euros(value)
    if kind == PERCENT:
        return sign + format_percent(value, 2)
    if kind == COUNT:
        return f"{sign}{value}"
    return sign + format_number(value, 0 if value == int(value) else 2)


TEMPLATE_HELPERS = {
    "figure": format_figure, "euros": format_euros, "percent": format_percent,
    "funding_statuses": FUNDING_STATUSES, "status_labels": dict(FUNDING_STATUSES),
    "operator_labels": dict(OPERATORS), "chart_colours": CHART_COLOURS,
    "funder_kinds": FUNDER_KINDS, "funder_kind_labels": dict(FUNDER_KINDS),
}


class VariantForm(SecureForm):
    name = StringField("Nom de la variante")
    line = SelectField("Ligne en ETP à modifier", choices=[])
    etp = FrenchDecimalField("Nouveau nombre d'ETP", [Optional()])
    category = SelectField(
        "Catégorie à faire varier", choices=[("", "— aucune —")] + [(c, c) for c in COST_CATEGORIES],
    )
    percent = FrenchDecimalField("Variation de la catégorie (%)", [Optional()])
    operator = SelectField(
        "Opérateur", choices=[("", "— inchangé —")] + OPERATORS,
    )

    def adjustments(self):
        line_etp = {}
        if self.line.data and self.etp.data is not None:
            line_etp[int(self.line.data)] = self.etp.data
        category_percent = {}
        if self.category.data and self.percent.data is not None:
            category_percent[self.category.data] = self.percent.data
        return Adjustments(self.name.data, line_etp, category_percent, self.operator.data)


class CostLineInline(InlineFormAdmin):
    form_columns = (
        "id", "category", "designation", "quantity", "unit", "unit_cost", "amount",
        "is_one_off", "account", "notes",
    )
    form_args = {"amount": {"validators": [Optional()]}}
    form_label = "Ligne budgétaire"


class FundingLineInline(InlineFormAdmin):
    form_columns = ("id", "funder_kind", "funder", "kind", "amount", "status", "notes")
    form_label = "Ligne de financement"


class FundingYearInline(InlineFormAdmin):
    form_columns = ("id", "year", "amount", "status")
    form_args = {"status": {"blank_text": "— statut de la ligne —"}}
    form_label = "Montant d'une année"


def _form_errors(form):
    """The errors of a submitted form, in one French sentence."""
    if form.csrf_token.errors:
        return SESSION_EXPIRED
    return " ; ".join(f"{form[name].label.text} : {errors[0]}" for name, errors in form.errors.items())


def _listed(kind):
    """A figure of the grid row, computed by the database (models.budget.figures)."""
    return lambda view, context, model, name: format_figure(sql_figure(model, name), kind)


def _figure_of_row(name):
    return lambda row: sql_figure(row, name)


class FundingPlanMixin:
    """/admin/scenario/plan/?id=N: every funding line's amount and status for each year
    of the scenario, in one grid saved in one go (models/budget/plan.py)."""

    def _scenario_to_edit(self, what):
        """(the scenario of ?id=, None) for an editor, else (None, back to the list saying why)."""
        if not user_can_edit():
            return None, self._back_to_list(f"Seul·e·s les éditeur·rice·s peuvent {what}.")
        scenario = self.get_one(request.args.get("id"))
        if scenario is None:
            return None, self._back_to_list("Ce scénario n'existe pas (ou plus).")
        return scenario, None

    @expose("/plan/", methods=("GET", "POST"))
    def plan_view(self):
        scenario, refusal = self._scenario_to_edit("modifier les montants par année")
        if refusal:
            return refusal
        form = SecureForm(request.form)
        lines = lines_of(scenario)[1]
        years = plan_years(scenario)
        errors = {}
        if request.method == "POST":
            if not form.validate():
                flash(SESSION_EXPIRED, "error")
            else:
                # Only the cells the page posted: a partial post leaves the others alone.
                typed = {
                    (line.id, year): (request.form[f"amount-{line.id}-{year}"],
                                      request.form.get(f"status-{line.id}-{year}", ""))
                    for line in lines for year in years if f"amount-{line.id}-{year}" in request.form
                }
                try:
                    changed = save_funding_plan(scenario, typed)
                except ValidationError as error:
                    errors = error.errors
                    flash("Rien n'est enregistré : " + " ; ".join(errors.values()), "error")
                else:
                    flash(f"Montants par année enregistrés ({changed} changement(s)).", "success")
                    return redirect(self.get_url(".details_view", id=scenario.id) + "#plan")
        cells = {(line.id, year): plan_cell(line, year) for line in lines for year in years}
        return self.render("scenario_plan.html", scenario=scenario, lines=lines, years=years,
                           cells=cells, errors=errors, form=form, typed=request.form)


class ScenarioView(FundingPlanMixin, MaillageModelView):
    column_list = (
        "name", "operator", "year_one", "total_with_overhead", "etp", "coverage", "status",
        "updated_at",
    )
    column_labels = {
        "year_one": "Total année 1", "total_with_overhead": "Total avec frais de gestion",
        "etp": "ETP", "coverage": "Couverture (acquis)",
    }
    column_sortable_list = (
        "name", "operator", "status", "updated_at",
        ("year_one", SQL("year_one")), ("etp", SQL("etp")),
        ("total_with_overhead", SQL("total_with_overhead")), ("coverage", SQL("coverage")),
    )
    column_searchable_list = ("name", "description")
    column_filters = (choice_filter(Scenario.operator), choice_filter(Scenario.status))
    column_default_sort = "name"
    column_formatters = {
        "year_one": _listed(MONEY),
        "total_with_overhead": _listed(MONEY),
        "coverage": _listed(PERCENT),
        "etp": _listed(QUANTITY),
    }
    # The XLSX export writes the figures as numbers: name → (cell kind, row → value).
    column_export_computed = {name: (kind, _figure_of_row(name)) for name, kind in (
        ("year_one", "euro"), ("total_with_overhead", "euro"), ("etp", "number"),
        ("coverage", "percent"),
        ("overhead_rate", "percent"),  # the rate applied: the operator's default when empty
    )}
    column_formatters_detail = {
        "overhead_rate": lambda view, context, model, name: (
            format_percent(effective_overhead_rate(model), 2)
            + ("" if model.overhead_rate is not None else " (taux par défaut de l'opérateur)")
        ),
    }
    form_columns = (
        "name", "description", "operator", "overhead_rate", "indexation_rate", "start_year",
        "duration_years", "status",
    )
    inline_models = (CostLineInline(CostLine), FundingLineInline(FundingLine))
    details_template = "scenario_details.html"
    # Reading and exporting: every role; the other actions need an editor.
    read_only_actions = ("compare",)

    def get_query(self):
        return scenarios_with_figures()

    def is_action_allowed(self, name):
        if name in self.read_only_actions:
            return super(MaillageModelView, self).is_action_allowed(name)
        return super().is_action_allowed(name)

    def render(self, template, **kwargs):
        if template == self.details_template and "model" in kwargs:
            comparison = ScenarioComparison([kwargs["model"]])
            kwargs.update(comparison=comparison, totals=comparison.totals[0],
                          cerfa=CerfaBudget(comparison.totals[0]))
            kwargs["action_form"] = self.action_form()
        return super().render(template, **TEMPLATE_HELPERS, **kwargs)

    def _back_to_list(self, message):
        flash(message, "error")
        return redirect(self.get_url(".index_view"))

    # --- list actions -----------------------------------------------------
    @action("compare", f"Comparer ({MIN_COMPARED} à {MAX_COMPARED} scénarios)")
    def action_compare(self, ids):
        return redirect(self.get_url(".compare_view", ids=",".join(ids)))

    @action("duplicate", "Dupliquer", "Dupliquer les scénarios sélectionnés avec toutes leurs lignes ?")
    def action_duplicate(self, ids):
        scenarios = list(self.selected(ids))
        if not scenarios:
            flash("Aucune copie créée : la sélection ne désigne aucun scénario existant.", "error")
            return
        with database.atomic():
            copies = [duplicate_scenario(scenario) for scenario in scenarios]
        flash("Copie(s) créée(s) : " + ", ".join(f"« {c.name} »" for c in copies) + ".", "success")

    @action("variant", "Créer une variante")
    def action_variant(self, ids):
        if len(ids) != 1:
            return self._back_to_list("Pour créer une variante, sélectionnez un seul scénario.")
        return redirect(self.get_url(".variant_view", id=ids[0]))

    # --- comparison -------------------------------------------------------
    def _comparison(self):
        """The comparison asked for by ?ids=, or None after a French message."""
        try:
            return compare(request.args.get("ids", ""))
        except ValidationError as error:
            flash(f"Comparaison impossible. {error.describe()}", "error")
            return None

    @expose("/compare/")
    def compare_view(self):
        comparison = self._comparison()
        if comparison is None:
            return redirect(self.get_url(".index_view"))
        for warning in comparison.warnings():
            flash(warning, "warning")
        ids = ",".join(str(s.id) for s in comparison.scenarios)
        return self.render("scenario_compare.html", comparison=comparison, ids=ids)

    @expose("/compare/xlsx/")
    def compare_xlsx_view(self):
        comparison = self._comparison()
        if comparison is None:
            return redirect(self.get_url(".index_view"))
        output = io.BytesIO()
        write_comparison_workbook(output, comparison, author=str(current_user))
        output.seek(0)
        return send_file(
            output, mimetype=XLSX_MIMETYPE, as_attachment=True,
            download_name=dated_filename("comparaison-scenarios"),
        )

    # --- variants ---------------------------------------------------------
    @expose("/variant/", methods=("GET", "POST"))
    def variant_view(self):
        scenario, refusal = self._scenario_to_edit("créer une variante")
        if refusal:
            return refusal
        form = VariantForm(request.form, name=f"{scenario.name} — variante")
        form.line.choices = [("", "— aucune —")] + [
            (str(line.id), f"{line.designation} ({format_figure(line.quantity, QUANTITY)} ETP)")
            for line in scenario.cost_lines.where(CostLine.unit == "ETP").order_by(CostLine.id)
        ]
        preview = None
        if request.method == "POST" and form.validate():
            try:
                preview = VariantPreview(scenario, form.adjustments())
            except ValidationError as error:
                flash(f"Variante impossible. {error.describe()}", "error")
            else:
                if "confirm" in request.form:
                    variant = preview.save()
                    flash(f"Variante « {variant.name} » enregistrée ; "
                          f"« {scenario.name} » est inchangé.", "success")
                    return redirect(self.get_url(".details_view", id=variant.id))
        elif request.method == "POST":
            flash(f"Variante impossible. {_form_errors(form)}", "error")
        return self.render("scenario_variant.html", scenario=scenario, form=form, preview=preview)


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
        "is_one_off", "account", "notes",
    )
    form_args = {"amount": {"validators": [Optional()]}}


class FundingLineView(MaillageModelView):
    column_list = ("scenario", "funder_kind", "funder", "kind", "amount", "status")
    column_searchable_list = ("funder", "notes")
    column_filters = (
        related_filter(FundingLine.scenario), choice_filter(FundingLine.funder_kind),
        choice_filter(FundingLine.kind), choice_filter(FundingLine.status),
    )
    list_joins = ("scenario",)
    form_columns = ("scenario", "funder_kind", "funder", "kind", "amount", "status", "notes")
    # The amounts per year of the scenario (a convention's), edited on the line's form.
    inline_models = (FundingYearInline(FundingYear),)
    create_template = edit_template = "funding_line_form.html"  # the years in compact rows
