"""The network's meetings (/admin/meeting/) and yearly targets (/admin/target/)."""
import io

from flask import abort, request, send_file
from flask_admin import expose
from flask_admin.model.fields import AjaxSelectMultipleField
from markupsafe import Markup
from peewee import fn
from wtforms import BooleanField, FileField

from models import Meeting, MeetingStructure, Structure, Target, Territory
from models.db import label_columns
from models.follow_up import meeting_counts
from models.meetings import (
    MEETING_KINDS, ATTACHMENT_KINDS, ATTACHMENT_MAX_BYTES, MEETING_FORM_REMINDER, attachment_of, format_size,
)
from models.validation import parse_record_id

from .access import ADMIN
from .base import MaillageModelView
from .fields import SearchLoader
from .filters import TerritoryFilter, choice_filter, related_filter

ADMIN_ONLY = ("Les objectifs sont fixés par les administrateur·rice·s\u00a0: votre rôle permet de les "
              "consulter. Demandez à un·e administrateur·rice de les modifier. Rien n'a été modifié.")


STRUCTURES = SearchLoader("structures", Structure)  # type to find among thousands


class AttachmentField(FileField):
    """The compte rendu's file: a new file replaces the one kept (checked by the model)."""

    def populate_obj(self, obj, name):
        upload = self.data
        if upload is not None and getattr(upload, "filename", ""):
            obj.attach(upload.filename, upload.read())


class RemoveAttachmentField(BooleanField):
    def populate_obj(self, obj, name):
        if self.data:
            obj.detach()


def _attachment_formatter(view, context, model, name):
    if not model.attachment_name:
        return ""
    url = view.get_url(".attachment_view", id=model.id)
    size = f" ({format_size(model.attachment_size)})" if model.attachment_size else ""
    return Markup('<a href="{}" download>{}</a>{}').format(url, model.attachment_name, size)


def _structures_formatter(view, context, model, name):
    return ", ".join(str(s) for s in model.structures)


class MeetingView(MaillageModelView):
    create_template, edit_template = "meeting_create.html", "meeting_edit.html"
    list_template = "meeting_list.html"  # + « Bilan par année, territoire et type »
    column_list = ("date", "kind", "territory", "structure_count", "participants", "attachment_name",
                   "next_meeting_date")
    column_details_list = ("date", "kind", "territory", "structures", "participants", "minutes",
                           "attachment_name", "decisions", "next_meeting_date")
    column_labels = {"structure_count": "Structures représentées", "structures": "Structures représentées",
                     "attachment_name": "Fichier joint"}
    column_sortable_list = ("date", "kind", "territory", "participants", "next_meeting_date")
    column_searchable_list = ("minutes", "decisions")
    column_filters = (
        TerritoryFilter(Meeting.territory), choice_filter(Meeting.kind), "date",
    )
    column_default_sort = ("date", True)
    list_joins = ("territory",)
    column_formatters = {"attachment_name": _attachment_formatter}
    column_formatters_detail = {"structures": _structures_formatter}
    column_export_computed = {"structure_count": ("integer", lambda row: row.structure_count)}
    form_columns = ("date", "kind", "territory", "structures", "participants", "minutes", "attachment",
                    "remove_attachment", "decisions", "next_meeting_date")
    form_ajax_refs = {"structures": STRUCTURES}
    form_extra_fields = {
        "structures": AjaxSelectMultipleField(
            STRUCTURES, "Structures représentées",
            description="Tapez quelques lettres du nom ou de la commune, puis choisissez\u00a0; "
                        "plusieurs structures possibles."),
        "attachment": AttachmentField(
            "Compte rendu (fichier)",
            description=f"PDF, DOCX ou ODT, {format_size(ATTACHMENT_MAX_BYTES)} au plus.",
            render_kw={"accept": ",".join(f".{ext}" for ext in ATTACHMENT_KINDS)}),
        "remove_attachment": RemoveAttachmentField("Retirer le fichier joint"),
    }
    form_reminder = MEETING_FORM_REMINDER

    def get_query(self):
        # The grid never reads the files: every column but the attachment's bytes.
        columns = [f for f in Meeting._meta.sorted_fields if f is not Meeting.attachment]
        links = (MeetingStructure.select(fn.COUNT(MeetingStructure.id))
                 .where(MeetingStructure.meeting == Meeting.id))
        return super().get_query().select(
            *columns, *label_columns(Territory), links.alias("structure_count"))

    def create_form(self, obj=None):
        form = super().create_form(obj)
        del form.remove_attachment  # nothing to remove yet
        return form

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        if obj is not None and obj.attachment_name:
            form.attachment.description = (
                f"Fichier actuel\u00a0: {obj.attachment_name} ({format_size(obj.attachment_size or 0)}). "
                f"Choisissez un autre fichier pour le remplacer\u00a0; {form.attachment.description}")
        else:
            del form.remove_attachment
        return form

    @expose("/bilan/")
    def counts_view(self):
        """Meetings held per year × territory × kind: the table FSE+ and the comité ask for."""
        table = {}
        for count in meeting_counts():
            table.setdefault(count.year, {}).setdefault(count.territory_name or "Sans territoire", {})[count.kind] = count.count
        return self.render("meeting_counts.html", table=table, kinds=MEETING_KINDS)

    @expose("/fichier/")
    def attachment_view(self):
        """The compte rendu's file, for anyone who may read the meetings (viewers too)."""
        meeting_id = parse_record_id(request.args.get("id"))
        found = attachment_of(meeting_id) if meeting_id is not None else None
        if found is None:
            abort(404)
        name, mimetype, content = found
        return send_file(io.BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=name)


class TargetView(MaillageModelView):
    """Everyone reads the targets; administrators set them."""

    column_list = ("year", "territory", "indicator", "value")
    column_filters = ("year", related_filter(Target.territory), choice_filter(Target.indicator))
    column_default_sort = [("year", True), ("indicator", False)]
    list_joins = ("territory",)
    form_columns = ("year", "territory", "indicator", "value")
    column_descriptions = {"territory": "Vide\u00a0: tout le réseau."}

    write_level = ADMIN
    read_only_message = ADMIN_ONLY
