"""Services (/admin/service/): what each structure offers, in data·inclusion v1 terms;
also edited inline on the structure's form (ServiceInline) and listed on its page."""
from flask import Response, g, stream_with_context
from flask_admin import expose
from flask_admin.contrib.peewee.filters import BasePeeweeFilter

from documents.directory_export import data_inclusion_service_lines
from documents.spreadsheets import dated_filename
from models.audit import record_event

from models import Service, Structure
from models.directory import REVIEW_AFTER_DAYS, needs_review_condition
from models.search import matches_words
from models.services import MODES_ACCUEIL, PUBLICS, THEMATIQUES, list_holds

from .base import MaillageModelView
from .directory import _date_maj_formatter
from .fields import prefill_pickers
from .find_help import hours_in_french
from .filters import ExpressionFilter, TerritoryFilter, choice_filter
from .service_forms import CodeListInput

# The grid's search: these columns read end to end, accents and case aside (models/search.py).
SEARCH_COLUMNS = (Service.nom, Service.description, Structure.nom, Structure.commune, Service.commune)


class SlugListFilter(BasePeeweeFilter):
    """« Thématiques : Santé mentale »: the rows whose list holds that slug."""

    def __init__(self, column, choices=None):
        super().__init__(column=column, name=column.verbose_name, options=choices or column.choices)

    def validate(self, value):
        return value in {code for code, _ in self.options}

    def apply(self, query, value, alias=None):
        return query.where(list_holds(self.column, value))

    def operation(self):
        return "contient"


REVIEW_FILTER_NAME = f"À vérifier (mise à jour il y a plus de {REVIEW_AFTER_DAYS} jours)"


class ServiceView(MaillageModelView):
    column_list = ("nom", "structure", "thematiques", "publics", "modes_accueil", "telephone",
                   "zone_eligibilite", "date_maj")
    column_details_list = (
        "structure", "nom", "description", "type", "thematiques", "publics", "publics_precisions",
        "modes_accueil", "modes_mobilisation", "mobilisable_par", "mobilisation_precisions",
        "lien_mobilisation", "frais", "frais_precisions", "conditions_acces", "zone_eligibilite",
        "telephone", "courriel", "referent", "horaires_accueil", "adresse", "complement_adresse",
        "code_postal", "code_insee", "commune", "date_maj",
    )
    column_sortable_list = ("nom", "structure", "telephone", "date_maj")
    column_searchable_list = ("nom", "description")
    column_filters = (
        SlugListFilter(Service.thematiques, THEMATIQUES),
        SlugListFilter(Service.publics, PUBLICS),
        TerritoryFilter(Structure.territory),  # the structure's, joined by the grid
        SlugListFilter(Service.modes_accueil, MODES_ACCUEIL),
        choice_filter(Service.frais),
        ExpressionFilter(REVIEW_FILTER_NAME, lambda: needs_review_condition(Service.date_maj),
                         Service.date_maj),
    )
    column_default_sort = "nom"
    list_joins = ("structure",)
    column_formatters = {"date_maj": _date_maj_formatter}
    column_formatters_detail = {"horaires_accueil": lambda v, c, m, n: hours_in_french(m.horaires_accueil)}
    form_columns = column_details_list
    form_overrides = {"zone_eligibilite": CodeListInput}

    def search_placeholder(self):
        return "Rechercher : nom, description, structure, commune"

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        # Words of the search found in the service's or its structure's names, accents
        # and case aside (models/search.py), instead of Flask-Admin's LIKE per word.
        g.service_search = search
        try:
            return super().get_list(page, sort_column, sort_desc, None, filters, execute, page_size)
        finally:
            g.pop("service_search", None)

    def get_query(self):
        query = super().get_query()
        condition = matches_words(SEARCH_COLUMNS, g.get("service_search"))
        return query if condition is None else query.where(condition)

    @expose("/data-inclusion.jsonl")
    def data_inclusion_view(self):
        """The services in data·inclusion v1 (JSON lines), beside the structures' file."""
        filename = dated_filename("services-data-inclusion", "jsonl")
        record_event("export", "Service", detail=f"Export data·inclusion : fichier {filename}")
        return Response(
            stream_with_context(data_inclusion_service_lines()), mimetype="application/x-ndjson",
            headers={"Content-Disposition": f"attachment; filename={filename}"},
        )

    def create_form(self, obj=None):
        return prefill_pickers(super().create_form(obj))  # ?structure=N, from a structure's page
