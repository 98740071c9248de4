"""Grids of the partner directory: territories, structures, référent·e·s."""
from flask import url_for
from flask_admin.model.form import InlineFormAdmin
from markupsafe import Markup
from peewee import SQL

from models import Referent, Service, Structure, Territory, linked
from models.services import PUBLIC_LABELS, THEMATIQUE_LABELS, structure_services
from models.directory import REVIEW_AFTER_DAYS, needs_review_condition
from models.network import (
    active_referent_count_expression, coverage_for, inactive_with_active_referents_expression,
    resource_person_expression, untrained_referent_expression, without_referent_expression,
)
from models.training import is_trained_column, is_trained_expression
from models.formatting import format_date, format_percent, format_phone

from .base import MaillageModelView, badge
from .bulk import BulkActions
from .fields import Chosen, prefill_pickers
from .opening_hours import OpeningHoursField, hours_formatter, osm_hours_formatter, to_french
from .filters import ExpressionFilter, TerritoryFilter, choice_filter, related_filter
from .privacy import ReferentPrivacy
from .service_forms import ServiceInline


def _choice_label(record, name):
    """The label shown for a coded field's value (« Référent·e violences »)."""
    value = getattr(record, name)
    return dict(type(record)._meta.fields[name].choices or ()).get(value, value or "")


class RecordPage:
    """A record's page also lists what belongs to it (models/linked.py), through the
    view's linked_records(record), in its details_template."""

    def render(self, template, **kwargs):
        record = kwargs.get("model")
        if template == self.details_template and record is not None:
            kwargs.update(linked=self.linked_records(record), format_date=format_date,
                          format_percent=format_percent, format_phone=format_phone,
                          choice_label=_choice_label)
        return super().render(template, **kwargs)


def _date_maj_formatter(view, context, model, name):
    text = format_date(model.date_maj)
    if model.needs_review:
        return Markup(f"{text} ") + badge("à vérifier", "warning")
    return text


class TerritoryView(RecordPage, MaillageModelView):
    details_template = "territory_details.html"  # + parent, sub-territories, structures, coverage
    column_list = ("name", "kind", "parent", "departement", "area_type", "resource_person")
    column_searchable_list = ("name", "notes")
    column_filters = (
        choice_filter(Territory.kind), TerritoryFilter(Territory.id),
        choice_filter(Territory.area_type), "departement",
    )
    column_default_sort = "name"
    list_joins = ("parent", "resource_person")
    form_columns = ("name", "kind", "parent", "departement", "area_type", "resource_person", "notes")

    def linked_records(self, territory):
        structures, structure_count = linked.territory_structures(territory)
        return {
            "children": linked.territory_children(territory),
            "structures": structures,
            "structure_count": structure_count,
            "coverage": coverage_for(territory),  # models/network.py, sub-territories included
        }


class ReferentInline(InlineFormAdmin):
    """A structure's référent·e·s, added and edited on its form."""

    form_columns = ("id", "prenom", "nom", "fonction", "role", "courriel", "telephone", "actif")
    form_label = "Référent·e"


class StructureView(BulkActions, RecordPage, MaillageModelView):
    bulk_actions = ("mark_checked", "assign_territory", "deactivate")  # admin_views/bulk.py
    details_template = "structure_details.html"  # + référent·e·s, antennes, trainings attended
    create_template = edit_template = "structure_form.html"  # référent·e·s inline, compact
    column_list = (
        "nom", "typologie", "commune", "territory", "telephone", "horaires_accueil",
        "accueille_du_public", "active_referents", "actif", "date_maj",
    )
    column_labels = {"active_referents": "Référent·e·s actif·ve·s",
                     "horaires_osm": "Horaires d'accueil (format OpenStreetMap)"}
    column_sortable_list = (
        "nom", "typologie", "commune", "territory", "telephone", "accueille_du_public",
        ("active_referents", SQL("active_referents")), "actif", "date_maj",
    )
    column_details_list = (
        "nom", "typologie", "siret", "adresse", "complement_adresse", "code_postal",
        "code_insee", "commune", "telephone", "courriel", "site_web", "horaires_accueil",
        "horaires_osm", "accueille_du_public", "territory", "parent", "thematiques", "publics",
        "reseaux_porteurs", "places", "actif", "date_maj", "description", "notes",
    )
    column_searchable_list = ("nom", "commune", "siret", "courriel", "code_postal")
    column_filters = (
        choice_filter(Structure.typologie),
        TerritoryFilter(Structure.territory),
        "commune",
        "actif",
        "accueille_du_public",
        ExpressionFilter(
            "Sans référent·e (active, accueille du public, aucun·e référent·e actif·ve)",
            without_referent_expression, Structure.id,
        ),
        ExpressionFilter(
            f"À vérifier (mise à jour il y a plus de {REVIEW_AFTER_DAYS} jours)",
            lambda: needs_review_condition(Structure.date_maj), Structure.date_maj,
        ),
        ExpressionFilter(
            "Inactive avec des référent·e·s actif·ve·s",
            inactive_with_active_referents_expression, Structure.actif,
        ),
        ExpressionFilter(
            "Avec un·e référent·e non formé·e", untrained_referent_expression, Structure.nom,
        ),
    )
    column_default_sort = "nom"
    list_joins = ("territory", "parent")
    # Hours in French on the grid, the page and the export; the OpenStreetMap value beside them.
    column_formatters = {"date_maj": _date_maj_formatter, "horaires_accueil": hours_formatter,
                         "horaires_osm": osm_hours_formatter}
    column_export_computed = {
        "active_referents": ("integer", lambda row: row.active_referents),
        "horaires_accueil": ("text", lambda row: to_french(row.horaires_accueil)),
        "horaires_osm": ("text", lambda row: row.horaires_accueil or ""),
    }

    def get_query(self):
        return super().get_query().select_extend(
            active_referent_count_expression().alias("active_referents"))
    form_columns = (
        "nom", "typologie", "siret", "adresse", "complement_adresse", "code_postal",
        "code_insee", "commune", "telephone", "courriel", "site_web", "horaires_accueil",
        "accueille_du_public", "territory", "parent", "thematiques", "publics",
        "reseaux_porteurs", "places", "actif", "date_maj", "description", "notes",
    )
    form_args = {"typologie": {"validators": [Chosen("Choisissez la typologie de la structure.")]}}
    form_overrides = {"horaires_accueil": OpeningHoursField}  # the French editor
    inline_models = (ReferentInline(Referent), ServiceInline(Service))

    def linked_records(self, structure):
        return {
            "referents": linked.structure_referents(structure),
            "antennes": linked.structure_antennes(structure),
            "attendances": linked.structure_attendances(structure),
            "services": structure_services(structure),  # models/services.py
            "thematique_labels": THEMATIQUE_LABELS, "public_labels": PUBLIC_LABELS,
            "add_service_url": url_for(
                "service.create_view", structure=structure.id,
                url=self.get_url(".details_view", id=structure.id)),
            "add_referent_url": url_for(
                "referent.create_view", structure=structure.id,
                url=self.get_url(".details_view", id=structure.id)),
        }


def _trained_formatter(view, context, model, name):
    return badge("Formé·e", "success") if model.trained else badge("Non formé·e", "light")


class ReferentView(BulkActions, ReferentPrivacy, RecordPage, MaillageModelView):
    bulk_actions = ("mark_checked", "deactivate")  # admin_views/bulk.py
    # + « Exporter ses données », « Anonymiser », trainings, territories relayed
    details_template = "referent_details.html"
    column_list = (
        "nom", "prenom", "fonction", "structure", "role", "courriel", "telephone",
        "trained", "actif", "date_maj",
    )
    # Short headers: the grid fits 1366 px (every contact here is professional).
    column_labels = {"trained": "Formation", "courriel": "Courriel", "telephone": "Téléphone"}
    column_sortable_list = (
        "nom", "prenom", "fonction", "structure", "role", "courriel", "telephone",
        ("trained", SQL("trained")), "actif", "date_maj",
    )
    column_searchable_list = ("nom", "prenom", "fonction", "courriel")
    column_filters = (
        choice_filter(Referent.role),
        related_filter(Referent.structure),
        TerritoryFilter(Structure.territory),  # the structure's, joined by the grid
        ExpressionFilter("Formé·e", is_trained_expression, Referent.id),
        ExpressionFilter("Personne ressource d'un territoire", resource_person_expression,
                         Referent.role),
        "actif",
        ExpressionFilter(
            "À vérifier", lambda: needs_review_condition(Referent.date_maj), Referent.date_maj,
        ),
    )
    column_default_sort = "nom"
    list_joins = ("structure",)
    column_formatters = {"date_maj": _date_maj_formatter, "trained": _trained_formatter}
    column_export_computed = {"trained": ("bool", "trained")}  # the SQL alias (get_query)
    form_columns = (
        "civilite", "prenom", "nom", "fonction", "structure", "role", "courriel",
        "telephone", "date_designation", "actif", "date_maj", "notes",
    )

    def get_query(self):
        return super().get_query().select_extend(is_trained_column().alias("trained"))

    def create_form(self, obj=None):
        return prefill_pickers(super().create_form(obj))  # ?structure=N, from a structure's page

    def linked_records(self, referent):
        return {
            "attendances": linked.referent_attendances(referent),
            "territories": linked.relayed_territories(referent),
        }
