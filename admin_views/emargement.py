"""« Feuille d'émargement »: /admin/training/emargement/?id=N, one sheet to sign per
half-day, printable (HTML) and as PDF (&format=pdf). Every role may print it; who it
lists is models/emargement.py's rule. Mixed into TrainingView."""
from flask import abort, request, url_for
from flask_admin import expose

from models.audit import record_event
from models.emargement import EU_MENTION, signature_sheet
from models.formatting import format_date

from .printing import printable, wants_pdf


class EmargementViews:
    def emargement_url(self, training, **arguments):
        return url_for(".emargement_view", id=training.id, **arguments)

    @expose("/emargement/")
    def emargement_view(self):
        training = self.get_one(request.args.get("id", ""))
        if training is None:
            abort(404)
        if wants_pdf():
            record_event("export", type(training), training, detail="Feuille d'émargement (PDF)")
        return printable(
            "print/emargement.html", f"emargement-{training.id}-{training.date:%Y-%m-%d}.pdf",
            back_url=url_for(".details_view", id=training.id),
            sheet=signature_sheet(training), eu_mention=EU_MENTION, format_date=format_date,
        )
