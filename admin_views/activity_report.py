"""« Bilan d'activité »: /admin/bilan/ (linked from /admin/exports/): choose the year
and territory, get the XLSX or the PDF (archived, like committee packs), re-download
an archived one. Every logged-in role, viewers included. The figures are
models/activity_report.py's; the files documents/activity_report.py's."""
import datetime

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_login import current_user

from documents.activity_report import generate_report, money_rows, movement_rows, \
    summary_rows, coverage_rows
from models import Territory, ValidationError
from models.activity_report import ActivityReport, activity_figures, archived_reports, resolve_report
from models.audit import record_event
from models.db import in_label_order
from models.formatting import format_date, format_euros, format_number, format_percent
from models.validation import parse_record_id

from .access import AccessRules
from .exports import ARCHIVED_MIMETYPES, send_archived
from .printing import render_pdf

TEMPLATE = "print/activity_report.html"


def report_context(figures):
    return dict(figures=figures, summary_rows=summary_rows, money_rows=money_rows,
                coverage_rows=coverage_rows, movement_rows=movement_rows, format_date=format_date,
                format_euros=format_euros, format_number=format_number, format_percent=format_percent)


def report_pdf(figures):
    """The PDF of the report's printable page (bytes)."""
    return render_pdf(TEMPLATE, **report_context(figures))[0]


class ActivityReportView(AccessRules, BaseView):
    def is_visible(self):
        return False  # reached from the exports page, the menu stays on one line

    @expose("/")
    def index(self):
        year = datetime.date.today().year
        return self.render("activity_report.html", years=range(year, year - 6, -1), current_year=year,
                           territories=in_label_order(Territory), reports=archived_reports())

    @expose("/generer/")
    def generate(self):
        """GET: the report is a read (no data changes but the archive)."""
        extension = request.args.get("format", "xlsx")
        if extension not in ARCHIVED_MIMETYPES:
            abort(404)
        try:
            year, territory = resolve_report(request.args.get("year"), request.args.get("territory") or None)
        except ValidationError as error:
            flash(f"Aucun bilan généré. {error.describe()}", "error")
            return redirect(url_for(".index"))
        figures = activity_figures(year, territory)
        report = generate_report(figures, extension, current_user.email, report_pdf)
        return send_archived(report)

    @expose("/<int:report_id>/")
    def download(self, report_id):
        report = ActivityReport.get_or_none(ActivityReport.id == parse_record_id(report_id))
        if report is None:
            abort(404)
        record_event("export", ActivityReport, report, detail=f"Téléchargement du bilan : {report.filters}")
        return send_archived(report)
