"""/admin/data-inclusion/import/: start the directory from a data·inclusion v1 dataset
(editors and admins). Upload one or several files, keep a département or communes,
preview the plan the CLI's --dry-run computes (documents/data_inclusion_import.py),
then « Importer » writes it in one transaction, once (admin_views/pending_uploads.py)."""
import base64
import json

from flask import flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.form import SecureForm
from peewee import IntegrityError
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import MultipleFileField, SelectField, StringField

from documents.data_inclusion_import import DataInclusionFileError, import_data_inclusion
from documents.importing import MAX_IMPORT_BYTES
from models.db import in_label_order
from models.directory import Territory
from models.services import split_codes
from models.validation import ValidationError, Validator, clean_departement, clean_insee_code

from .access import EDIT, AccessRules
from .imports import TOO_LARGE
from .pending_uploads import ConfirmForm, PendingUpload

MAX_FILES = 10


class DataInclusionForm(SecureForm):
    files = MultipleFileField("Fichiers data·inclusion (JSON, lignes JSON ou CSV)")
    departement = StringField(
        "Département à garder", description="Exemple : 86. Les enregistrements des autres départements "
                                            "sont écartés.")
    communes = StringField(
        "Ou communes à garder (codes INSEE)", description="Exemple : 86194, 86137 (séparés par des virgules "
                                                          "ou des espaces).")
    territory = SelectField(
        "Territoire des structures créées (facultatif)", coerce=int, default=0,
        description="Les structures déjà présentes dans Maillage gardent le leur.")


def data_inclusion_form(formdata=None):
    form = DataInclusionForm(formdata)
    form.territory.choices = [(0, "— aucun —")] + [(t.id, t.name) for t in in_label_order(Territory)]
    return form


def scope_of(form):
    """(département, [codes INSEE]) the form keeps; ValidationError in French."""
    v = Validator()
    departement = (form.departement.data or "").strip()
    departement = v.check("departement", clean_departement, departement) if departement else None
    communes = [v.check("communes", clean_insee_code, code) for code in split_codes(form.communes.data)]
    v.raise_if_any()
    return departement, communes


def refusal(error):
    """Why nothing was written, in French."""
    if isinstance(error, ValidationError):
        return error.describe()
    if isinstance(error, IntegrityError):
        return ("Rien n'a été enregistré : une fiche du fichier en double une autre de Maillage "
                "(même SIRET ou même identifiant). Corrigez le fichier ou la fiche, puis déposez-le à nouveau.")
    return f"Rien n'a été enregistré. {error}"


def _packed(files):
    return json.dumps([[name, base64.b64encode(data).decode()] for name, data in files]).encode()


def _unpacked(data):
    return [(name, base64.b64decode(content)) for name, content in json.loads(data)]


class DataInclusionImportView(PendingUpload, AccessRules, BaseView):
    kind = "data-inclusion"
    list_endpoint = "structure"
    access_level = EDIT

    def refused(self):
        return self.render("data_inclusion_import.html", view=self, form=None, report=None,
                           error="L'import est réservé aux éditeur·rice·s."), 403

    def _page(self, form, report=None, error=None, status=200, scope=None):
        return self.render("data_inclusion_import.html", view=self, form=form, report=report, error=error,
                           scope=scope, confirm_form=ConfirmForm(), max_mb=MAX_IMPORT_BYTES // (1024 * 1024),
                           max_files=MAX_FILES), status

    def _uploaded(self):
        """[(name, bytes)] of the files sent; DataInclusionFileError in French."""
        uploads = [u for u in request.files.getlist("files") if u and u.filename]
        if not uploads:
            raise DataInclusionFileError("Choisissez au moins un fichier à importer.")
        if len(uploads) > MAX_FILES:
            raise DataInclusionFileError(f"Déposez au plus {MAX_FILES} fichiers à la fois.")
        files = []
        for upload in uploads:
            data = upload.read(MAX_IMPORT_BYTES + 1)
            if len(data) > MAX_IMPORT_BYTES:
                raise DataInclusionFileError(f"« {upload.filename} » : {TOO_LARGE[0].lower()}{TOO_LARGE[1:]}")
            files.append((upload.filename, data))
        return files

    @expose("/", methods=("GET", "POST"))
    def index(self):
        if request.method == "GET":
            return self._page(data_inclusion_form())
        try:
            form = data_inclusion_form(request.form)
            request.files.getlist("files")
        except RequestEntityTooLarge:
            return self._page(data_inclusion_form(), error=TOO_LARGE, status=413)
        if not form.validate():
            message = ("Territoire inconnu : rechargez la page." if form.errors.keys() - {"csrf_token"}
                       else "La session a expiré : rechargez la page.")
            return self._page(form, error=message, status=400)
        try:
            departement, communes = scope_of(form)
            files = self._uploaded()
            report = import_data_inclusion(files, departement=departement, communes=communes,
                                           territory=form.territory.data or None, dry_run=True)
        except (DataInclusionFileError, ValidationError, IntegrityError) as error:
            return self._page(form, error=refusal(error), status=400)
        self._keep_upload(_packed(files), filenames=[name for name, _ in files], departement=departement,
                          communes=communes, territory=form.territory.data or None)
        scope = [f"département {departement}"] if departement else []
        scope += [f"communes {', '.join(communes)}"] if communes else []
        return self._page(form, report=report, scope=" et ".join(scope) or "tous les enregistrements des fichiers")

    @expose("/confirmer/", methods=("POST",))
    def confirm(self):
        pending, data = self._take_pending()
        if pending is None:
            return data
        try:
            report = import_data_inclusion(
                _unpacked(data), departement=pending["departement"], communes=pending["communes"],
                territory=pending["territory"])
        except (DataInclusionFileError, ValidationError, IntegrityError) as error:
            self._release_claim(pending)
            flash(refusal(error), "error")
            return redirect(url_for(".index"))
        structures, services = report.counts["structure"], report.counts["service"]
        flash((
            "Import data·inclusion terminé\u00a0: structures\u00a0: {} créée(s), {} mise(s) à jour, {} inchangée(s)\u00a0; "
            "services\u00a0: {} créé(s), {} mis à jour, {} inchangé(s). {} conflit(s) (valeurs de Maillage gardées), "
            "{} erreur(s)."
        ).format(structures["created"], structures["updated"], structures["unchanged"], services["created"],
                 services["updated"], services["unchanged"], len(report.conflicts), len(report.errors)), "success")
        return redirect(url_for("structure.index_view"))
