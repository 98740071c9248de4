"""Import of the partner file: upload, preview, confirm (editors and admins)."""
import tempfile

from flask import flash, redirect, request, send_file, session, url_for
from flask_admin import BaseView, expose
from flask_admin.form import SecureForm
from flask_login import current_user
from markupsafe import Markup
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import FileField, SelectField

from documents.importing import (
    ACTION_LABELS, MAX_IMPORT_BYTES, SPECS, ImportFileError, ImportPlan, apply_import, plan_import,
    write_errors, write_template,
)
from documents.importing.plan import import_detail
from documents.spreadsheets import dated_filename
from models.audit import record_event
from models.db import in_label_order
from models.directory import Structure, Territory
from models.validation import ValidationError

from .access import EDIT, AccessRules
from .exports import XLSX_MIMETYPE
from .pending_uploads import ConfirmForm, PendingUpload

# The preview lists this many lines and errors at most (the counts cover all of them,
# the error file holds every refused line): 10 000 table rows made a 1.2 MB page.
PREVIEW_LINES = 200
ERRORS_SUFFIX = ".erreurs.xlsx"  # the refused lines of the preview, kept past the confirmation
# The preview's plan, as plain values (ImportPlan.state): the confirmation writes it
# when the directory has not changed since, instead of planning the file again.
PLAN_SUFFIX = ".plan"
TOO_LARGE = f"Le fichier dépasse la taille maximale de {MAX_IMPORT_BYTES // (1024 * 1024)} Mo."


class UploadForm(SecureForm):
    file = FileField("Fichier (XLSX, ODS ou CSV)")
    territory = SelectField(
        "Territoire de toutes les structures du fichier (facultatif)", coerce=int, default=0,
        description="Les lignes sans territoire le reçoivent ; une colonne « Territoire » remplie l'emporte.",
    )


def upload_form(kind, formdata=None):
    """The upload form; the territory list only for structures, in reading order."""
    form = UploadForm(formdata)
    if SPECS[kind].model is Structure:
        form.territory.choices = [(0, "— aucun —")] + [(t.id, t.name) for t in in_label_order(Territory)]
    else:
        del form.territory
    return form


class ImportView(PendingUpload, AccessRules, BaseView):
    """/admin/<kind>/import/: one per importable model (structures, referents)."""

    def __init__(self, kind, list_endpoint, **kwargs):
        self.kind = kind
        self.list_endpoint = list_endpoint
        super().__init__(**kwargs)

    access_level = EDIT

    def refused(self):
        return self.render("import.html", view=self, form=None, plan=None,
                           error="L'import est réservé aux éditeur·rice·s."), 403

    @property
    def spec(self):
        return SPECS[self.kind]

    def _page(self, form, plan=None, error=None, status=200):
        return self.render(
            "import.html", view=self, form=form, plan=plan, error=error,
            confirm_form=ConfirmForm(), actions=ACTION_LABELS, shown=PREVIEW_LINES,
        ), status

    @expose("/", methods=("GET", "POST"))
    def index(self):
        if request.method == "GET":
            return self._page(upload_form(self.kind))
        try:
            form = upload_form(self.kind, request.form)
            upload = request.files.get("file")
        except RequestEntityTooLarge:
            return self._page(upload_form(self.kind), error=TOO_LARGE, status=413)
        if not form.validate():
            message = ("Territoire inconnu : rechargez la page." if form.errors.keys() - {"csrf_token"}
                       else "La session a expiré : rechargez la page.")
            return self._page(form, error=message, status=400)
        if upload is None or not upload.filename:
            return self._page(form, error="Choisissez un fichier à importer.", status=400)
        data = upload.read(MAX_IMPORT_BYTES + 1)
        territory_id = form.territory.data if "territory" in form else 0
        try:
            plan = plan_import(self.kind, upload.filename, data, territory=self._territory(territory_id))
        except ImportFileError as error:
            return self._page(form, error=str(error), status=400)
        token = self._keep_upload(data, filename=upload.filename, territory=territory_id)
        self._pending_path(token + PLAN_SUFFIX).write_bytes(plan.kept())
        if plan.errors:
            with open(self._pending_path(token + ERRORS_SUFFIX), "wb") as output:
                write_errors(output, plan)
        session[f"import-{self.kind}-errors"] = token if plan.errors else None
        return self._page(form, plan=plan)

    def _kept_plan(self, token):
        """The preview's plan (read once: its file goes), or None."""
        path = self._pending_path(token + PLAN_SUFFIX)
        try:
            state = path.read_bytes()
        except FileNotFoundError:
            return None
        path.unlink(missing_ok=True)
        return ImportPlan.from_kept(state)  # written by the preview, in our instance folder

    @staticmethod
    def _territory(territory_id):
        return Territory.get_or_none(Territory.id == territory_id) if territory_id else None

    @expose("/erreurs.xlsx")
    def errors(self):
        """The refused lines of the last preview, with their « Motif »."""
        token = session.get(f"import-{self.kind}-errors")
        path = self._pending_path(token + ERRORS_SUFFIX) if token else None
        if path is None or not path.exists():
            flash("Le fichier des erreurs n'est plus disponible : déposez à nouveau le fichier.", "error")
            return redirect(url_for(".index"))
        return send_file(path, mimetype=XLSX_MIMETYPE, as_attachment=True,
                         download_name=dated_filename(f"erreurs-import-{self.kind}"))

    @expose("/confirmer/", methods=("POST",))
    def confirm(self):
        pending, data = self._take_pending()
        if pending is None:
            return data
        valid_only = request.form.get("mode") == "valid"
        try:
            plan = self._kept_plan(pending["token"])
            if plan is None:  # a preview kept before plans were: the file is planned again
                plan = plan_import(self.kind, pending["filename"], data,
                                   territory=self._territory(pending.get("territory")))
            counts = apply_import(plan, author=current_user.email, valid_only=valid_only)
            record_event("import", self.spec.model, detail=import_detail(pending["filename"], counts))
        except (ImportFileError, ValidationError) as error:
            self._release_claim(pending)
            message = error.describe() if isinstance(error, ValidationError) else str(error)
            flash(f"Rien n'a été enregistré. {message}", "error")
            return redirect(url_for(".index"))
        message = Markup(
            "Import terminé : {} fiche(s) créée(s), {} mise(s) à jour, {} inchangée(s)."
        ).format(counts["created"], counts["updated"], counts["unchanged"])
        if counts["left_out"]:
            imported = counts["created"] + counts["updated"] + counts["unchanged"]
            message += Markup(
                ' {} ligne(s) importée(s), {} laissée(s) de côté\u00a0: <a href="{}">Télécharger '
                "les erreurs</a> pour les corriger et les importer à nouveau."
            ).format(imported, counts["left_out"], url_for(".errors"))
        flash(message, "success")
        return redirect(url_for(f"{self.list_endpoint}.index_view"))

    @expose("/modele.xlsx")
    def template(self):
        output = tempfile.TemporaryFile()
        write_template(output, self.kind)
        output.seek(0)
        return send_file(output, mimetype=XLSX_MIMETYPE, as_attachment=True,
                         download_name=dated_filename(f"modele-import-{self.kind}"))
