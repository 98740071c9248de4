"""Downloads: a grid as XLSX (exactly as the grid shows it), and the exports
page (committee pack and its archive, short directory, data·inclusion)."""
import datetime
import io
import logging
import tempfile
from operator import attrgetter

from flask import (
    Response, abort, current_app, flash, redirect, render_template, request, send_file,
    stream_with_context, url_for,
)
from flask_admin import BaseView, expose
from flask_admin.form import SecureForm
from flask_login import current_user
from markupsafe import Markup
from wtforms import DateField, SelectField, SelectMultipleField, StringField
from wtforms.validators import Length, Optional

from peewee import JOIN, fn

from models import Scenario, Structure, Territory, ValidationError
from documents.pdf import PDF_MIMETYPE
from documents.committee_pack import MEETING_TITLE_MAX, PackMeeting, generate_pack
from models.committee import (
    CommitteePack, apply_pack_retention, archived_packs, delete_packs, pack_rate_refusal,
    resolve_filters,
)
from models.db import in_label_order
from documents.directory_export import (
    NATIONAL_NUMBERS, TO_COMPLETE, checked_text, data_inclusion_lines, short_directory,
    short_directory_filename, write_short_directory,
)
from documents.grid_export import export_filename, grid_columns, read_column, write_grid
from documents.spreadsheets import dated_filename
from models.audit import record_event
from models.validation import parse_record_id

from .access import ADMIN, AccessRules, user_may
from .printing import pdf_on_request

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

audit_log = logging.getLogger("maillage.exports")


def list_arguments(view, view_args):
    """The search, filters and sort of a grid request: (French description,
    the values chosen — for the file name)."""
    parts, values = [], []
    if view_args.search:
        parts.append(f"recherche « {view_args.search} »")
        values.append(view_args.search)
    for index, _name, value in view_args.filters or ():
        flt = view._filters[index]
        labels = {str(code): label for code, label in (flt.get_options(view) or ())}
        label = labels.get(str(value), value)
        parts.append(f"{flt.name} {flt.operation()} {label}")
        values.append(str(label))
    sort = view._get_column_by_idx(view_args.sort)
    if sort is not None:
        parts.append(f"tri : {sort[1]}{' (décroissant)' if view_args.sort_desc else ''}")
    return " ; ".join(parts), values


def describe_list_arguments(view, view_args):
    """The search, filters and sort of a grid request, in French."""
    return list_arguments(view, view_args)[0]


def author_name(user):
    """Who a document says prepared it: the person's name, else their email."""
    return (getattr(user, "name", None) or "").strip() or user.email


# Grid columns whose sum means something, by model: a total row under them.
# A view may declare its own `column_export_totals`.
EXPORT_TOTALS = {
    "CostLine": ("amount",),
    "FundingLine": ("amount",),
    "Training": ("cost", "half_days"),
}


def _joined(view, name):
    """The table the grid's query joins for its foreign key `name`."""
    return view._joined_tables()[name][1]


def _referent_extras(view, query):
    """The référent·e's territory (its structure's), for a grid listing structures by name only."""
    structure, territory = _joined(view, "structure"), Territory.alias("export_territory")
    query = (query.join_from(structure, territory, JOIN.LEFT_OUTER, on=(structure.territory == territory.id))
             .select_extend(fn.COALESCE(territory.name, "").alias("export_territory")))
    return query, [("structure", read_column("export_territory", "Territoire", "text", "export_territory"))]


def _attendance_extras(view, query):
    """Date of the training, structure of the référent·e, territory of the training."""
    training, referent = _joined(view, "training"), _joined(view, "referent")
    structure, territory = Structure.alias("export_structure"), Territory.alias("export_territory")
    query = (query
             .join_from(referent, structure, JOIN.LEFT_OUTER, on=(referent.structure == structure.id))
             .join_from(training, territory, JOIN.LEFT_OUTER, on=(training.territory == territory.id))
             .select_extend(fn.COALESCE(structure.nom, "").alias("export_structure"),
                            fn.COALESCE(territory.name, "").alias("export_territory")))
    return query, [
        # The joined training's date (a label column of Training, so in the grid's query).
        (None, read_column("export_date", "Date", "date", "training", attrgetter("date"))),
        ("referent", read_column("export_structure", "Structure", "text", "export_structure")),
        ("export_structure", read_column("export_territory", "Territoire", "text", "export_territory")),
    ]


# Columns an export adds to a grid, by model: query → (query, [(after column, ExportColumn)]).
EXPORT_EXTRAS = {"Referent": _referent_extras, "Attendance": _attendance_extras}


def with_extras(view, query, columns):
    """The grid's query and columns with the model's extra export columns."""
    extras = EXPORT_EXTRAS.get(view.model.__name__)
    if extras is None:
        return query, columns
    query, added = extras(view, query)
    columns = list(columns)
    for after, column in added:
        names = [c.name for c in columns]
        columns.insert(names.index(after) + 1 if after in names else 0, column)
    return query, columns


def export_totals(view):
    return getattr(view, "column_export_totals", None) or EXPORT_TOTALS.get(view.model.__name__, ())


def _formatted_text(view, name):
    """row → the grid's own display of a computed column, as plain text."""
    formatter = (view.column_formatters_export or {}).get(name)
    if formatter is None:
        return None

    def value(row):
        shown = formatter(view, None, row, name)
        return shown.striptags() if isinstance(shown, Markup) else shown

    return value


def export_columns(view):
    """The grid's columns, then the useful ones only shown on a record's page."""
    names = dict(view.get_list_columns())
    for name, header in view.get_details_columns():
        names.setdefault(name, header)
    return grid_columns(
        view.model, names.items(), joined=set(view.list_joins),
        computed=view.column_export_computed,
        fallback=lambda name: _formatted_text(view, name),
    )


def export_grid(view, export_type):
    """Stream the grid's rows (all pages) as an XLSX file; log who took what."""
    if export_type != "xlsx":
        abort(404)
    view_args = view._get_list_extra_args()
    sort = view._get_column_by_idx(view_args.sort)
    _count, query = view.get_list(
        0, sort[0] if sort else None, view_args.sort_desc, view_args.search,
        view_args.filters, execute=False, page_size=0,
    )
    filters_text, filter_values = list_arguments(view, view_args)
    query, columns = with_extras(view, query, export_columns(view))
    output = tempfile.TemporaryFile()
    rows = write_grid(
        output, query, columns, view.name, author=author_name(current_user),
        filters_text=filters_text, totals=export_totals(view),
    )
    audit_log.info(
        "Export XLSX : utilisateur=%s modèle=%s filtres=%s lignes=%d",
        current_user.email, view.model.__name__, filters_text or "aucun", rows,
    )
    record_event("export", view.model, detail=(
        f"Grille « {view.name} » (XLSX) : {rows} ligne(s) ; filtres : {filters_text or 'aucun'}"))
    output.seek(0)
    return send_file(
        output, mimetype=XLSX_MIMETYPE, as_attachment=True,
        download_name=export_filename(view.name, qualifiers=filter_values),
    )


def territory_choices(everything="Tous les territoires"):
    return [("", everything)] + [(str(t.id), t.name) for t in in_label_order(Territory)]


ARCHIVED_MIMETYPES = {"xlsx": XLSX_MIMETYPE, "pdf": PDF_MIMETYPE}


def send_archived(document):
    """A kept document (models.committee.ArchivedDocument) as the download it was."""
    extension = document.filename.rsplit(".", 1)[-1]
    return send_file(io.BytesIO(bytes(document.content)), as_attachment=True, download_name=document.filename,
                     mimetype=ARCHIVED_MIMETYPES.get(extension, "application/octet-stream"))


class PackForm(SecureForm):
    meeting_title = StringField("Réunion (titre, facultatif)", validators=[
        Optional(), Length(max=MEETING_TITLE_MAX, message=(
            f"Le titre de la réunion tient en {MEETING_TITLE_MAX} caractères au plus."))])
    meeting_date = DateField("Date de la réunion (facultative)", validators=[Optional()],
                             format=["%Y-%m-%d", "%d/%m/%Y"])
    territory = SelectField("Territoire", coerce=str, validators=[Optional()])
    scenarios = SelectMultipleField("Scénarios à comparer (2 à 6, facultatif)", coerce=str,
                                    validators=[Optional()])

    def fill_choices(self):
        self.territory.choices = territory_choices()
        self.scenarios.choices = [(str(s.id), s.name) for s in in_label_order(Scenario)]
        return self


class PurgeForm(SecureForm):
    """The archive's delete button (admins): the packs ticked, as `pack` values."""


class ExportsView(AccessRules, BaseView):
    """/admin/exports/: the committee pack and its archive, the short directory,
    the data·inclusion file. Every logged-in user, viewers included; admins may
    delete archived packs. The archive is bounded (models/committee.py)."""

    def _page(self, form, status=200):
        return self.render("exports.html", form=form, packs=archived_packs(),
                           directory_territories=territory_choices(),
                           purge_form=PurgeForm() if user_may(ADMIN) else None), status

    @expose("/", methods=("GET", "POST"))
    def index(self):
        form = PackForm(request.form).fill_choices()
        if request.method == "GET":
            return self._page(form)
        if not form.validate():
            if form.meeting_title.errors or form.meeting_date.errors:
                flash("Aucun dossier généré. " + " ".join(
                    [*form.meeting_title.errors, *(["Écrivez la date de la réunion sous la forme 08/12/2026."]
                                                   if form.meeting_date.errors else [])]), "error")
            else:
                flash("Le formulaire a expiré ou contient une valeur inconnue : rechargez la page.", "error")
            return self._page(form, 400)
        try:
            filters = resolve_filters(form.territory.data or None, [int(i) for i in form.scenarios.data])
        except ValidationError as error:
            flash(f"Aucun dossier généré. {error.describe()}", "error")
            return self._page(form, 400)
        refusal = pack_rate_refusal(author_name(current_user), current_app.config["MAILLAGE_PACKS_PER_HOUR"])
        if refusal:
            flash(f"Aucun dossier généré. {refusal}", "error")
            return self._page(form, 429)
        meeting = PackMeeting((form.meeting_title.data or "").strip() or None, form.meeting_date.data)
        pack = generate_pack(filters, author=author_name(current_user), meeting=meeting)
        audit_log.info("Dossier du comité n° %d par %s : %s", pack.id, current_user.email, pack.filters)
        expired = apply_pack_retention(current_app.config["MAILLAGE_PACK_RETENTION_DAYS"],
                                       current_app.config["MAILLAGE_PACK_MAX_COUNT"])
        if expired:
            audit_log.info("Dossiers du comité supprimés (conservation) : %d", expired)
        return redirect(url_for(".download_pack", pack_id=pack.id))

    @expose("/dossiers/supprimer/", methods=("POST",))
    def purge_packs(self):
        """Admins delete the archived packs they ticked."""
        if not user_may(ADMIN):
            abort(403)
        if not PurgeForm(request.form).validate():
            flash("Le formulaire a expiré : rechargez la page.", "error")
            return redirect(url_for(".index"))
        ids = [parse_record_id(value) for value in request.form.getlist("pack")]
        if not ids:
            flash("Cochez les dossiers à supprimer.", "error")
            return redirect(url_for(".index"))
        deleted = delete_packs(ids)
        audit_log.info("Dossiers du comité supprimés par %s : %d", current_user.email, deleted)
        flash(f"{deleted} dossier(s) du comité supprimé(s).", "success")
        return redirect(url_for(".index"))

    @expose("/dossiers/<int:pack_id>/")
    def download_pack(self, pack_id):
        pack = CommitteePack.get_or_none(CommitteePack.id == parse_record_id(pack_id))
        if pack is None:
            abort(404)
        record_event("export", CommitteePack, pack, detail=f"Téléchargement du dossier : {pack.filters}")
        return send_archived(pack)

    def _directory_territory(self):
        """The territory chosen for the short directory (?territory=N), or None: all."""
        value = request.args.get("territory", "")
        if not value:
            return None
        territory = Territory.get_or_none(Territory.id == parse_record_id(value))
        if territory is None:
            abort(404)
        return territory

    @expose("/annuaire-court.xlsx")
    def short_directory_xlsx(self):
        territory = self._directory_territory()
        output = tempfile.TemporaryFile()
        write_short_directory(output, author=author_name(current_user), territory=territory)
        output.seek(0)
        audit_log.info("Annuaire court (XLSX) par %s", current_user.email)
        record_event("export", "Structure", detail="Annuaire court (XLSX) : "
                     + (territory.name if territory else "tous les territoires"))
        return send_file(output, mimetype=XLSX_MIMETYPE, as_attachment=True,
                         download_name=short_directory_filename(territory))

    @expose("/annuaire-court/")
    @pdf_on_request("annuaire-court")  # ?format=pdf: the same page as a PDF (admin_views/printing.py)
    def short_directory_page(self):
        """The printable page; on screen it also lists, flagged « à compléter »,
        the structures without a phone number, which the print leaves out."""
        territory = self._directory_territory()
        return render_template(
            "short_directory.html", pages=short_directory(territory), territory=territory,
            national_numbers=NATIONAL_NUMBERS, checked_text=checked_text, to_complete=TO_COMPLETE,
            today=datetime.date.today())

    @expose("/data-inclusion.jsonl")
    def data_inclusion(self):
        audit_log.info("Export data·inclusion par %s", current_user.email)
        filename = dated_filename("structures-data-inclusion", "jsonl")
        record_event("export", "Structure", detail=f"Export data·inclusion : fichier {filename}")
        return Response(
            stream_with_context(data_inclusion_lines()), mimetype="application/x-ndjson",
            headers={"Content-Disposition": f"attachment; filename={filename}"},
        )
