"""RGPD in the panel: the « Protection des données » page, and the référent·e's
right of access (XLSX) and right to erasure (Anonymiser, after a confirmation page)."""
import logging
import os
import tempfile

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_admin import BaseView, expose
from flask_admin.actions import action
from flask_admin.form import SecureForm
from flask_login import current_user

from documents.privacy_export import subject_access_filename, write_subject_access
from models import Referent
from models.audit import record_event
from models.privacy import (
    DPO_CONTACT_ENV, RETENTION_ENV, FREE_TEXT_REMINDER, anonymise_referent, is_anonymised,
    packs_mentioning, reclaim_free_space, retention_months,
)

from .access import EDIT, READ, AccessRules, user_may
from .exports import XLSX_MIMETYPE

DEFAULT_DPO_CONTACT = "l'administrateur·rice de Maillage de votre structure"

audit_log = logging.getLogger("maillage.privacy")


def configured(name, default=None):
    """A setting from the app's configuration, else the environment."""
    return current_app.config.get(name, os.environ.get(name, default))


def configured_retention():
    return retention_months(configured(RETENTION_ENV))


class PrivacyPageView(AccessRules, BaseView):
    """/admin/protection-des-donnees/: what Maillage keeps, why, how long, and the rights."""

    access_level = READ

    def is_visible(self):
        return False  # linked from every page's footer (maillage_master.html): the menu stays on one line

    @expose("/")
    def index(self):
        return self.render(
            "privacy.html", retention=configured_retention(),
            dpo_contact=configured(DPO_CONTACT_ENV) or DEFAULT_DPO_CONTACT,
            reminder=FREE_TEXT_REMINDER,
        )


class ReferentPrivacy:
    """Mixed into the référent·e grid: « Exporter ses données » and « Anonymiser »."""

    def _referent_or_404(self):
        referent = self.get_one(request.args.get("id", ""))
        if referent is None:
            abort(404)
        return referent

    def _require_edit(self):
        if not user_may(EDIT):
            abort(403)

    def _send_access_export(self, referent):
        output = tempfile.TemporaryFile()
        write_subject_access(output, referent, author=current_user.email)
        output.seek(0)
        record_event("export", Referent, referent,
                     detail="Droit d'accès (RGPD) : toutes les données de la personne (XLSX)")
        return send_file(output, mimetype=XLSX_MIMETYPE, as_attachment=True,
                         download_name=subject_access_filename(referent))

    @expose("/rgpd/donnees/")
    def access_export_view(self):
        self._require_edit()
        return self._send_access_export(self._referent_or_404())

    @action("access_export", "Exporter ses données (droit d'accès)")
    def action_access_export(self, ids):
        referents = list(self.selected(ids))
        if len(referents) != 1:
            flash("Choisissez une seule fiche pour exporter les données d'une personne.", "error")
            return redirect(url_for(".index_view"))
        return self._send_access_export(referents[0])

    @expose("/rgpd/anonymiser/", methods=("GET", "POST"))
    def anonymise_view(self):
        self._require_edit()
        referent = self._referent_or_404()
        details_url = url_for(".details_view", id=referent.id)
        if is_anonymised(referent):
            flash("Cette fiche est déjà anonymisée.", "info")
            return redirect(details_url)
        form = SecureForm(request.form)
        if request.method == "POST":
            if not form.validate():
                flash("La session a expiré : rechargez la page et recommencez. Rien n'a été modifié.",
                      "error")
                return redirect(url_for(".anonymise_view", id=referent.id))
            report = anonymise_referent(referent)
            clean = reclaim_free_space()
            audit_log.info("Droit à l'effacement : référent·e n° %d anonymisé·e par %s "
                           "(dossiers supprimés : %s)", referent.id, current_user.email,
                           report.packs_deleted or "aucun")
            message = (f"La fiche a été anonymisée : {report.attendances_kept} présence(s) "
                       f"conservée(s) sans nom, {report.territories_unlinked} territoire(s) sans "
                       f"personne ressource, {len(report.packs_deleted)} dossier(s) du comité "
                       f"supprimé(s), {report.audit_rows_scrubbed} ligne(s) d'historique effacée(s).")
            flash(message, "success")
            if not clean:
                flash("Le fichier de la base n'a pas pu être entièrement nettoyé (lecture en cours) : "
                      "lancez « flask --app app purge-inactive » plus tard pour terminer.", "warning")
            return redirect(details_url)
        return self.render(
            "referent_anonymise.html", referent=referent, form=form, details_url=details_url,
            packs=packs_mentioning(referent),
            attendances=referent.attendances.count(),
            territories=list(referent.relayed_territories),
        )

    def privacy_links(self, referent):
        """The buttons of the record's page, for the template."""
        if not user_may(EDIT) or referent is None:
            return {}
        links = {"export": url_for(".access_export_view", id=referent.id)}
        if not is_anonymised(referent):
            links["anonymise"] = url_for(".anonymise_view", id=referent.id)
        return links

