"""« Trouver une aide » (/admin/trouver-une-aide/): a professional picks a need, a place
(a commune or a territory), maybe a public and a moment, and reads the services that
answer, with how to refer someone, whom to call and how fresh the record is.

Every logged-in role, viewers included. The search is a GET: its address is its
permanent link. The rules live in models/services.py (find_services)."""
import datetime

from flask import request, url_for
from flask_admin import BaseView, expose

from models.directory import Territory, tree_order
from models.formatting import PARIS, format_date, format_phone
from models.opening_hours import to_french
from models.services import (
    MODE_ACCUEIL_LABELS, MODE_MOBILISATION_LABELS, PUBLIC_LABELS, PUBLICS, FRAIS_LABELS, WEEKDAYS,
    commune_label, find_services, known_communes, need_choices, need_label, next_weekday,
    resolve_commune, slug_labels, thematiques_for_need,
)
from models.validation import parse_record_id

from .access import READ, AccessRules
from .filters import TREE_INDENT

WHEN_CHOICES = [("", "Peu importe"), ("maintenant", "Ouvert maintenant")] + [
    (day, f"Ouvert le {day}") for day in WEEKDAYS
]


def hours_in_french(text):
    """OSM opening hours as a French reader reads them (models/opening_hours.py)."""
    return to_french(text) if text else ""


def now_in_paris():
    return datetime.datetime.now(PARIS).replace(tzinfo=None)


class FindHelpView(AccessRules, BaseView):
    access_level = READ

    def read_search(self, args):
        """The search the address asks for, and French messages for what cannot be read."""
        errors = []
        need = args.get("besoin", "").strip()
        if thematiques_for_need(need) is None:
            errors.append("Ce besoin n'est pas dans la liste : choisissez-en un.")
            need = ""
        public = args.get("public", "").strip()
        if public and public not in PUBLIC_LABELS:
            errors.append("Ce public n'est pas dans la liste : choisissez-en un.")
            public = ""
        territory = None
        if args.get("territoire", "").strip():
            territory_id = parse_record_id(args["territoire"])
            territory = Territory.get_or_none(Territory.id == territory_id) if territory_id else None
            if territory is None:
                errors.append("Ce territoire n'existe plus : choisissez-en un autre.")
        commune = resolve_commune(args.get("commune", ""))
        when = args.get("quand", "")
        if when not in dict(WHEN_CHOICES):
            errors.append("Moment inconnu : choisissez « maintenant » ou un jour.")
            when = ""
        return need, commune, territory, public, when, errors

    @expose("/")
    def index(self):
        need, commune, territory, public, when, errors = self.read_search(request.args)
        asked = bool(need or commune[0] or commune[1] or territory)
        open_at, when_text = None, ""
        if when == "maintenant":
            open_at = now_in_paris()
            when_text = f"ouvert maintenant ({format_date(open_at.date())} à {open_at:%H} h {open_at:%M})"
        elif when:
            open_at = next_weekday(when, now_in_paris().date())
            when_text = f"ouvert le {when} {format_date(open_at)}"
        found = None
        if asked and not errors:
            found = find_services(need=need, commune=commune if commune != (None, None) else None,
                                  territory=territory.id if territory else None,
                                  public=public or None, open_at=open_at)
        territories = Territory.select(Territory.id, Territory.name, Territory.parent)
        described = [part for part in (
            need and f"besoin : {need_label(need)}",
            (commune[0] or commune[1]) and f"commune : {commune_label(*commune)}",
            territory and f"territoire : {territory.name} (et ses sous-territoires)",
            public and f"public : {PUBLIC_LABELS[public]}",
            when_text,
        ) if part]
        return self.render(
            "find_help.html",
            needs=need_choices(), publics=PUBLICS, when_choices=WHEN_CHOICES,
            territories=[(t.id, TREE_INDENT * depth + t.name) for t, depth in tree_order(list(territories))],
            communes=[commune_label(name, code) for name, code in known_communes()],
            need=need, commune_text=request.args.get("commune", "").strip(),
            territory=territory, public=public, when=when, errors=errors, asked=asked,
            found=found, described=described, today=datetime.date.today(),
            permalink=url_for(".index", _external=True, **{
                key: value for key, value in request.args.items() if value}),
            labels={"public": PUBLIC_LABELS, "accueil": MODE_ACCUEIL_LABELS,
                    "mobilisation": MODE_MOBILISATION_LABELS, "frais": FRAIS_LABELS},
            slug_labels=slug_labels, hours_in_french=hours_in_french, format_phone=format_phone,
            format_date=format_date,
        )
