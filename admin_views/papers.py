"""Printable pages (and their PDF, &format=pdf) of the committee's documents:

- /admin/documents/dossier-comite/?territory=N: the committee pack's cover and summary
  (title, date, territory, contents, key figures of the year, coverage table);
- /admin/documents/comparaison/?ids=1,2: the scenario comparison's figures and chart,
  from the same macros as /admin/scenario/compare/ (scenario_figures.html).

Every logged-in role may print them. The figures come from the models (follow_up,
network, budget); the pages only lay them out (templates/print/)."""
import datetime

from flask import flash, redirect, request, url_for
from flask_admin import BaseView, expose

from models import ValidationError
from models.budget import compare
from models.committee import describe_filters, resolve_filters
from models.directory import subtree_ids
from models.follow_up import yearly_follow_up
from models.formatting import format_date, format_euros, format_number, format_percent
from models.network import network_coverage

from .access import AccessRules
from .budget import TEMPLATE_HELPERS
from .printing import printable

# The sheets of the committee pack (documents/committee_pack.py), as its cover lists them.
PACK_CONTENTS = (
    ("Page de garde", "titre, date, territoire, filtres, auteur·rice"),
    ("Structures", "le répertoire des partenaires du territoire"),
    ("Référent·e·s", "les personnes nommées, formées ou non"),
    ("Formations", "sessions, demi-journées, présences et coûts"),
    ("Couverture du réseau", "structures avec et sans référent·e, par territoire"),
    ("Structures sans référent·e", "les structures accueillant du public sans référent·e actif·ve"),
    ("Réunions", "date, type, structures représentées, décisions"),
    ("Suivi de l'année", "réalisé face aux objectifs, coût face au budget"),
    ("Comparaison des scénarios", "quand des scénarios sont choisis"),
)


class PapersView(AccessRules, BaseView):
    def is_visible(self):
        return False  # reached from the exports and comparison pages

    @expose("/")
    def index(self):
        return redirect(url_for("exports.index"))

    @expose("/dossier-comite/")
    def committee_cover(self):
        try:
            filters = resolve_filters(request.args.get("territory") or None)
        except ValidationError as error:
            flash(f"Aucune page de garde. {error.describe()}", "error")
            return redirect(url_for("exports.index"))
        today = datetime.date.today()
        total, rows = network_coverage()
        if filters.territory is not None:
            inside = subtree_ids(filters.territory)
            rows = [row for row in rows if row.territory.id in inside]
            total = rows[0]
        place = f"-territoire-{filters.territory.id}" if filters.territory else ""
        return printable(
            "print/committee_cover.html", f"dossier-comite-page-de-garde{place}-{today:%Y-%m-%d}.pdf",
            back_url=url_for("exports.index"), filters=filters, filters_text=describe_filters(filters),
            today=today, follow=yearly_follow_up(today.year, filters.territory, today),
            coverage=total, coverage_rows=rows, contents=PACK_CONTENTS, format_date=format_date,
            format_euros=format_euros, format_number=format_number, format_percent=format_percent,
        )

    @expose("/comparaison/")
    def comparison(self):
        try:
            comparison = compare(request.args.get("ids", ""))
        except ValidationError as error:
            flash(error.describe(), "error")
            return redirect(url_for("scenario.index_view"))
        ids = ",".join(str(s.id) for s in comparison.scenarios)
        today = datetime.date.today()
        return printable(
            "print/scenario_compare.html", f"comparaison-scenarios-{today:%Y-%m-%d}.pdf",
            back_url=url_for("scenario.compare_view", ids=ids), comparison=comparison, today=today,
            format_date=format_date, **TEMPLATE_HELPERS,
        )
