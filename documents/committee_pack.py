"""The committee pack: one workbook for a comité de pilotage or de suivi, archived.

Every pack generated is kept byte for byte with its time, author, filters and
SHA-256, so "which figures did the committee see on 7 December?" has an answer.
"""
import datetime
import hashlib
import io
from collections import namedtuple

from peewee import JOIN, fn

from models.budget import ScenarioComparison
from models.committee import CommitteePack, describe_filters
from models.db import reading_order
from models.directory import (
    REFERENT_ROLES, TYPOLOGY_LABELS, Referent, Structure, Territory, needs_review_condition,
    subtree_ids, within_territory,
)
from models.follow_up import yearly_follow_up
from models.meetings import MEETING_KIND_LABELS, Meeting, MeetingStructure
from models.network import network_coverage, without_referent_expression
from models.formatting import format_phone
from models.opening_hours import to_french
from models.services import offers_by_structure
from models.training import Attendance, Training, is_trained_expression

from .directory_export import structures_by_territory, territory_name, territory_reading_order
from .grid_export import export_stem
from .scenario_workbook import add_budget_summary, add_comparison_sheets
from .spreadsheets import (
    LINE_HEIGHT, Column, Formats, dated_filename, euro_total_row, open_workbook, print_setup,
    set_properties, text_lines, write_table, write_text,
)

PACK_TITLE = "Dossier du comité"
ROLE_LABELS = dict(REFERENT_ROLES)
MEETING_TITLE_MAX = 120

PackMeeting = namedtuple("PackMeeting", "title date", defaults=(None, None))
PackMeeting.__doc__ = "The meeting a pack is for: its title (« Comité de suivi ») and date, both optional."


def pack_title(meeting):
    """'Dossier du comité — Comité de suivi du 08/12/2026' (what the footer says)."""
    title = PACK_TITLE
    if meeting and meeting.title:
        title += f" — {meeting.title}"
    if meeting and meeting.date:
        title += f" du {meeting.date:%d/%m/%Y}"
    return title


# --- the sheets --------------------------------------------------------------
def _structures(territory):
    query = structures_by_territory()
    return query.where(within_territory(Structure.territory, territory)) if territory else query


def _structure_rows(territory):
    offers = offers_by_structure(_structures(territory).select(Structure.id).order_by())
    for s in _structures(territory).iterator():
        yield [
            territory_name(s), s.nom, TYPOLOGY_LABELS.get(s.typologie, s.typologie), offers.get(s.id, ""), s.commune,
            format_phone(s.telephone), s.courriel, to_french(s.horaires_accueil), s.accueille_du_public,
            s.actif, s.date_maj, s.needs_review,
        ]


STRUCTURE_COLUMNS = [
    Column("Bassin de vie / territoire", "text", 24), Column("Structure", "text", 40),
    Column("Typologie", "text", 30), Column("Ce qu'elle propose", "text", 40), Column("Commune", "text", 18),
    Column("Téléphone", "text", 16), Column("Courriel", "text", 28),
    Column("Horaires d'accueil", "text", 26), Column("Accueille du public", "bool"),
    Column("Active", "bool"), Column("Mise à jour le", "date"), Column("À vérifier", "bool"),
]

REFERENT_COLUMNS = [
    Column("Bassin de vie / territoire", "text", 24), Column("Structure", "text", 36),
    Column("Prénom", "text", 14), Column("Nom", "text", 16), Column("Fonction", "text", 22),
    Column("Rôle", "text", 30), Column("Courriel", "text", 28), Column("Téléphone", "text", 16),
    Column("Formé·e", "bool"), Column("Actif·ve", "bool"),
]


def _referent_rows(territory):
    query = (
        Referent.select(Referent, Structure, Territory, is_trained_expression().alias("trained"))
        .join(Structure, on=Referent.structure == Structure.id, attr="structure")
        .join(Territory, JOIN.LEFT_OUTER, on=Structure.territory == Territory.id, attr="territory")
        .order_by(*territory_reading_order(), reading_order(Structure.nom),
                  reading_order(Referent.nom), reading_order(Referent.prenom))
    )
    if territory:
        query = query.where(within_territory(Structure.territory, territory))
    for r in query.iterator():
        yield [
            territory_name(r.structure), r.structure.nom, r.prenom, r.nom, r.fonction,
            ROLE_LABELS.get(r.role, r.role), r.courriel, format_phone(r.telephone),
            bool(r.trained), r.actif,
        ]


TRAINING_COLUMNS = [
    Column("Date", "date"), Column("Thème", "text", 36), Column("Territoire", "text", 22),
    Column("Lieu", "text", 20), Column("Intervenant·e", "text", 22),
    Column("Demi-journées", "integer"), Column("Présent·e·s", "integer"), Column("Coût", "euro"),
]


def _trainings(territory):
    present = fn.SUM(Attendance.present.cast("integer"))
    query = (
        Training.select(Training, Territory, fn.COALESCE(present, 0).alias("present_count"))
        .join(Territory, JOIN.LEFT_OUTER, on=Training.territory == Territory.id, attr="territory")
        .switch(Training).join(Attendance, JOIN.LEFT_OUTER)
        .group_by(Training.id, Territory.id)
        .order_by(Training.date, reading_order(Training.theme))
    )
    return query.where(within_territory(Training.territory, territory)) if territory else query


def _training_rows(territory):
    for t in _trainings(territory).iterator():
        yield [
            t.date, t.theme, t.territory.name if t.territory_id else "", t.place, t.trainer,
            t.half_days, int(t.present_count or 0), t.cost,
        ]


COVERAGE_COLUMNS = [
    Column("Territoire", "text", 30), Column("Structures actives", "integer"),
    Column("Accueillant du public", "integer"), Column("Avec référent·e", "integer"),
    Column("Taux de couverture", "fraction"), Column("Sans référent·e", "integer"),
    Column("Référent·e·s actif·ve·s", "integer"), Column("Formé·e·s", "integer"),
    Column("Personne ressource", "text", 22), Column("Fiches à vérifier", "integer"),
]


def _coverage_rows(territory):
    """The network's figures, one row per territory (indented under its parent),
    sub-territories included; the pack's territory and those inside it only."""
    total, rows = network_coverage()
    if territory:
        inside = subtree_ids(territory)
        rows = [row for row in rows if row.territory.id in inside]
    else:
        rows = [*rows, total]
    top = min((row.depth for row in rows if row.territory), default=0)
    for row in rows:
        indent = "    " * (row.depth - top) if row.territory else ""
        yield [
            indent + row.name, row.structures, row.welcoming, row.covered, row.coverage_rate,
            row.without_referent, row.referents, row.trained, row.resource_person or "",
            row.structures_to_review + row.referents_to_review,
        ]


GAP_COLUMNS = [
    Column("Bassin de vie / territoire", "text", 24), Column("Structure", "text", 40),
    Column("Typologie", "text", 30), Column("Commune", "text", 18), Column("Téléphone", "text", 16),
    Column("Courriel", "text", 28),
]


def _gap_rows(territory):
    for s in _structures(territory).where(without_referent_expression()).iterator():
        yield [territory_name(s), s.nom, TYPOLOGY_LABELS.get(s.typologie, s.typologie), s.commune,
               format_phone(s.telephone), s.courriel]


ATTENDANCE_COLUMNS = [
    Column("Date", "date"), Column("Formation", "text", 36), Column("Référent·e", "text", 24),
    Column("Structure", "text", 36), Column("Présent·e", "bool"), Column("Évaluation (1 à 5)", "integer"),
]


def _attendance_rows(territory):
    query = (
        Attendance.select(Attendance, Training, Referent, Structure)
        .join(Training, on=Attendance.training == Training.id, attr="training")
        .switch(Attendance).join(Referent, on=Attendance.referent == Referent.id, attr="referent")
        .join(Structure, on=Referent.structure == Structure.id, attr="structure")
        .order_by(Training.date, reading_order(Training.theme), reading_order(Referent.nom),
                  reading_order(Referent.prenom))
    )
    if territory:
        query = query.where(within_territory(Training.territory, territory))
    for a in query.iterator():
        yield [
            a.training.date, a.training.theme, str(a.referent), a.referent.structure.nom,
            a.present, a.evaluation,
        ]


MEETING_COLUMNS = [
    Column("Date", "date"), Column("Type de réunion", "text", 34), Column("Territoire", "text", 22),
    Column("Structures représentées", "integer"), Column("Participant·e·s", "integer"),
    Column("Décisions, suites", "text", 50), Column("Prochaine réunion", "date"),
]


def _meeting_rows(territory):
    represented = (MeetingStructure.select(fn.COUNT(MeetingStructure.id))
                   .where(MeetingStructure.meeting == Meeting.id))
    query = (Meeting.select(Meeting.date, Meeting.kind, Territory.name, represented.alias("represented"),
                            Meeting.participants, Meeting.decisions, Meeting.next_meeting_date)
             .join(Territory, JOIN.LEFT_OUTER, on=(Meeting.territory == Territory.id))
             .order_by(Meeting.date, Meeting.id))
    if territory:
        query = query.where(within_territory(Meeting.territory, territory))
    for day, kind, place, represented_count, participants, decisions, next_date in query.tuples().iterator():
        yield [day, MEETING_KIND_LABELS.get(kind, kind), place or "", represented_count, participants,
               decisions, next_date]


FOLLOW_UP_COLUMNS = [
    Column("Indicateur", "text", 40), Column("Réalisé", "number"), Column("Prévu d'ici la fin de l'année", "integer"),
    Column("Objectif", "integer"),
]


def _follow_up_rows(territory, year):
    figures = yearly_follow_up(year, territory)
    for indicator in figures.indicators.values():
        if indicator.held or indicator.planned or indicator.target is not None:
            yield [indicator.label, indicator.held, indicator.planned, indicator.target]
    yield ["Référent·e·s venu·e·s en formation", figures.attendees, None, None]
    yield ["Taux de présence (%)", figures.attendance_rate, None, None]
    yield ["Évaluation moyenne (sur 5)", figures.evaluation_average, None, None]
    yield ["Coût des formations (€)", figures.training_cost, None, None]
    if figures.training_budget is not None:
        yield ["Budget « Formations » du scénario en vigueur (€)", figures.training_budget, None, None]


COVER_WIDTHS = (34, 50, 8)


def _write_wrapped(sheet, row, col, text, width, formats):
    """Wrapped text, its row as tall as its lines (LibreOffice does not grow it)."""
    write_text(sheet, row, col, text, formats.wrap)
    lines = text_lines(str(text or ""), width)
    if lines > 1:
        sheet.set_row(row, LINE_HEIGHT * lines)


def _write_cover(sheet, formats, filters, author, counts, meeting, contents):
    """The first page: what the pack is for, its source, its contents; one A4 page."""
    bold14 = formats.workbook.add_format({"bold": True, "font_size": 14, "text_wrap": True})
    link = formats.workbook.add_format({"font_color": "#1F4E79", "underline": 1, "valign": "top"})
    left_date = formats.workbook.add_format({"num_format": "dd/mm/yyyy", "align": "left", "valign": "top"})
    left_integer = formats.workbook.add_format({"num_format": "#,##0", "align": "left", "valign": "top"})
    top_integer = formats.workbook.add_format({"num_format": "#,##0", "valign": "top"})
    for col, width in enumerate(COVER_WIDTHS):
        sheet.set_column(col, col, width)
    sheet.write_string(0, 0, PACK_TITLE, formats.title)
    sheet.write_string(1, 0, "Réseau local contre les violences et la précarité — Maillage",
                       formats.subtitle)
    row = 3
    if meeting.title:
        sheet.merge_range(row, 0, row, 2, "", bold14)
        write_text(sheet, row, 0, meeting.title, bold14)
        sheet.set_row(row, 38 if len(meeting.title) > 50 else None)
        row += 1
    lines = [
        ("Réunion du", meeting.date),
        ("Territoire", (filters.territory.name + " (et ses sous-territoires)")
         if filters.territory else "Tous les territoires"),
        ("Scénarios comparés", ", ".join(s.name for s in filters.scenarios) or "Aucun"),
        ("Préparé par", author),
        ("Données extraites le", datetime.date.today()),
    ] + counts
    row += 1
    for label, value in lines:
        if value is None:
            continue
        sheet.write_string(row, 0, label, formats.bold_top)
        if isinstance(value, datetime.date):
            sheet.write_datetime(row, 1, value, left_date)
        elif isinstance(value, int):
            sheet.write_number(row, 1, value, left_integer)
        else:
            _write_wrapped(sheet, row, 1, value, COVER_WIDTHS[1], formats)
        row += 1
    row += 1
    sheet.write_string(row, 0, "Sommaire", formats.bold)
    sheet.write_string(row, 2, "Lignes", formats.bold)
    for name, description, count in contents:
        row += 1
        sheet.write_url(row, 0, f"internal:'{name.replace(chr(39), chr(39) * 2)}'!A1", link, name)
        _write_wrapped(sheet, row, 1, description, COVER_WIDTHS[1], formats)
        if count is not None:
            sheet.write_number(row, 2, count, top_integer)
    print_setup(sheet, formats, landscape=False, fit_height=1)


def _counts(territory):
    structures = _structures(territory)
    referents = Referent.select().join(Structure).where(Referent.actif == True)  # noqa: E712
    if territory:
        referents = referents.where(within_territory(Structure.territory, territory))
    trainings = Training.select()
    if territory:
        trainings = trainings.where(within_territory(Training.territory, territory))
    return [
        ("Structures", structures.count()),
        ("Structures à vérifier", structures.where(needs_review_condition(Structure.date_maj)).count()),
        ("Référent·e·s actif·ve·s", referents.count()),
        ("dont formé·e·s", referents.where(is_trained_expression()).count()),
        ("Formations", trainings.count()),
        ("Demi-journées de formation", int(trainings.select(fn.COALESCE(fn.SUM(Training.half_days), 0)).scalar())),
    ]


# Sheet title → what it holds (the cover's contents list).
SHEET_DESCRIPTIONS = {
    "Synthèse budgétaire": "Les scénarios comparés en une page : coûts, financements, reste à financer",
    "Couverture du réseau": "Par territoire : structures, référent·e·s, taux de couverture",
    "Structures sans référent·e": "Les structures actives sans référent·e à solliciter",
    "Structures par bassin de vie": "L'annuaire des structures",
    "Référent·e·s": "Les référent·e·s par structure, formé·e·s ou non",
    "Formations": "Les sessions, demi-journées, présent·e·s et coûts",
    "Présences": "Qui est venu à quelle formation",
    "Réunions": "Les réunions du réseau et leurs décisions",
    "Comparaison": "Les scénarios côte à côte (formules vivantes)",
}


def write_pack(target, filters, author, meeting=None):
    """Write the committee workbook to a path or a binary file."""
    meeting = meeting or PackMeeting()
    workbook = open_workbook(target, constant_memory=False)
    formats = Formats(workbook, title=pack_title(meeting), day=meeting.date)
    set_properties(workbook, title=f"Maillage — {pack_title(meeting)}", author=author,
                   comments=describe_filters(filters),
                   custom={"Filtres": describe_filters(filters), "Préparé par": author})
    cover = workbook.add_worksheet("Page de garde")
    summary = workbook.add_worksheet("Synthèse budgétaire") if filters.scenarios else None
    contents = []
    territory = filters.territory
    year = datetime.date.today().year
    for title, columns, rows in (
        ("Couverture du réseau", COVERAGE_COLUMNS, _coverage_rows(territory)),
        ("Structures sans référent·e", GAP_COLUMNS, _gap_rows(territory)),
        ("Structures par bassin de vie", STRUCTURE_COLUMNS, _structure_rows(territory)),
        ("Référent·e·s", REFERENT_COLUMNS, _referent_rows(territory)),
        ("Formations", TRAINING_COLUMNS, _training_rows(territory)),
        ("Présences", ATTENDANCE_COLUMNS, _attendance_rows(territory)),
        ("Réunions", MEETING_COLUMNS, _meeting_rows(territory)),
        (f"Suivi {year}", FOLLOW_UP_COLUMNS, _follow_up_rows(territory, year)),
    ):
        sheet = workbook.add_worksheet(title)
        count = write_table(sheet, columns, rows, formats)
        if title == "Formations" and count:
            euro_total_row(sheet, count + 1, 1, [5, 6, 7], 1, count, formats,
                           cell_formats={5: formats.total_integer, 6: formats.total_integer})
        contents.append((title, SHEET_DESCRIPTIONS.get(title, f"Indicateurs de l'année {year}"), count))
    if filters.scenarios:
        comparison, scenario_sheets = add_comparison_sheets(
            workbook, formats, ScenarioComparison(filters.scenarios), author, datetime.date.today())
        add_budget_summary(summary, formats, scenario_sheets)
        contents.insert(0, ("Synthèse budgétaire", SHEET_DESCRIPTIONS["Synthèse budgétaire"], None))
        contents.append((comparison.name, SHEET_DESCRIPTIONS["Comparaison"], None))
        contents += [(s.name, f"Scénario : {s.totals.scenario.name}", len(s.totals.cost_lines))
                     for s in scenario_sheets]
    _write_cover(cover, formats, filters, author, _counts(territory), meeting, contents)
    workbook.close()


def pack_filename(filters, meeting=None, day=None):
    """'dossier-comite-comite-de-suivi-rvc-poitiers-2026-12-08.xlsx': the meeting,
    the territory and the meeting's date (today without one)."""
    meeting = meeting or PackMeeting()
    qualifiers = [export_stem(meeting.title) if meeting.title else None,
                  export_stem(filters.territory.name) if filters.territory else None]
    return dated_filename("dossier-comite", day=meeting.date or day, qualifiers=qualifiers)


def describe_pack(filters, meeting=None):
    """The archive's text: the meeting when given, then the filters."""
    meeting = meeting or PackMeeting()
    parts = []
    if meeting.title:
        parts.append(f"Réunion : {meeting.title}")
    if meeting.date:
        parts.append(f"le {meeting.date:%d/%m/%Y}")
    text = " ".join(parts)
    return (((text + " ; ") if text else "") + describe_filters(filters))[:255]


def generate_pack(filters, author, meeting=None):
    """Write the pack, archive it, and return the CommitteePack row."""
    buffer = io.BytesIO()
    write_pack(buffer, filters, author, meeting)
    content = buffer.getvalue()
    return CommitteePack.create(
        author=author, filters=describe_pack(filters, meeting),
        filename=pack_filename(filters, meeting), sha256=hashlib.sha256(content).hexdigest(),
        size=len(content), content=content,
    )
